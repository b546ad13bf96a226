"""The one sweep both drivers run: fire due timers and finish what requests left behind.

The engine never commits, so the sweep asks its caller for transactions: ``transaction()``
opens one and commits it on leaving. Each timer and each case is advanced in a transaction
of its own, so one broken case is logged and skipped without holding back the others (its
failure inside the process is an incident already). The embedded scheduler calls
:func:`sweep` directly; Celery beat calls :meth:`Engine.due_work` and fans the same ids out
to workers, each calling the same per-case function.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from .runtime import Engine

SWEEP_LIMIT = 500  # timers, timer cases and outbox cases taken per sweep, each
Transaction = Callable[[], contextlib.AbstractContextManager[Connection]]
log = logging.getLogger("hazardflow.sweep")


@dataclass(frozen=True)
class SweepResult:
    started: int = 0  # cases started by timer start events
    fired: int = 0  # cases whose timers fired
    continued: int = 0  # cases continued from the outbox
    failed: int = 0  # items that raised (logged; their case holds an incident or retries)

    @property
    def advanced(self) -> int:
        return self.started + self.fired + self.continued


def _one(transaction: Transaction, work: Callable[[Connection], bool], what: str) -> bool | None:
    try:
        with transaction() as conn:
            return work(conn)
    except Exception:
        log.exception("sweep: %s failed", what)
        return None


def sweep(engine: Engine, transaction: Transaction, now: datetime | None = None,
          limit: int = SWEEP_LIMIT) -> SweepResult:
    """Fire every timer due at ``now`` and continue every case left in the outbox."""
    now = now or engine.clock.now()
    with transaction() as conn:
        due = engine.due_work(conn, now, limit)
    started = [_one(transaction, partial(engine.fire_start_timer, timer_id=t, now=now),
                    f"start timer {t}") for t in due.start_timers]
    fired = [_one(transaction, partial(engine.fire_case_timers, case_id=c, now=now),
                  f"timers of case {c}") for c in due.timer_cases]
    continued = [_one(transaction, partial(engine.continue_case, case_id=c),
                      f"continuing case {c}") for c in due.outbox_cases]
    everything = [*started, *fired, *continued]
    return SweepResult(started=sum(1 for v in started if v), fired=sum(1 for v in fired if v),
                       continued=sum(1 for v in continued if v),
                       failed=sum(1 for v in everything if v is None))
