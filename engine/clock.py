"""The engine's clock, and the hook that makes SpiffWorkflow's timers read it.

SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` directly. We replace the
module's ``datetime`` name with a subclass whose ``now()`` asks the clock bound to the current
context (a ``ContextVar``), so an engine built with a fixed clock drives timers in tests, and
two engines in two threads never see each other's time.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to: for tests and for `timers fire --now`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


_current: contextvars.ContextVar[Clock | None] = contextvars.ContextVar(
    "hazardflow_clock", default=None)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now`` reads the clock bound by :func:`bound_clock`."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _ClockedDatetime:
        clock = _current.get()
        real = clock.now() if clock is not None else datetime.now(UTC)
        return cls.fromtimestamp(real.timestamp(), tz)


def install_timer_clock(business_tz: tzinfo) -> None:
    """Point SpiffWorkflow's timers at the context clock and the business time zone.

    A naive date-time in a timer (``2026-12-01T09:00``) is read in the business time zone
    (Asia/Shanghai by default), never in the server's local zone.
    """
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockedDatetime
    timer.LOCALTZ = business_tz


def context_now() -> datetime:
    """The time on the clock bound to the current step (a timer's or expression's "now"),
    else the system's: for functions registered into the expression evaluator."""
    clock = _current.get()
    return clock.now() if clock is not None else datetime.now(UTC)


@contextlib.contextmanager
def bound_clock(clock: Clock) -> Iterator[None]:
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)
