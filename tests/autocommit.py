"""The engine as a test script uses it: each operation in a transaction of its own.

The engine never begins or commits: every operation takes the caller's connection. Tests
that drive the engine directly are such a caller; ``AutoCommit`` opens one write
transaction per call (recording a crash as an incident afterwards, as the domain's unit of
work does) and otherwise behaves as the engine. A call that already passes a connection
goes straight through, so domain code handed this wrapper keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Engine
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.errors import Crashed
from hazardflow.engine.sweep import SWEEP_LIMIT, sweep

WRITES = {
    "deploy", "start_case", "complete_task", "send_message", "claim", "unclaim", "assign",
    "fire_start_timer", "reschedule_timer", "fire_case_timers", "continue_case",
    "retry_incident", "suspend", "resume", "terminate", "reassign_task", "set_variables",
    "move_token",
}
READS = {"definition", "due_work"}


class AutoCommit:
    def __init__(self, engine: Engine) -> None:
        self.__dict__["_engine"] = engine

    @property
    def wrapped(self) -> Engine:
        engine: Engine = self.__dict__["_engine"]
        return engine

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.wrapped, name)
        if name in WRITES:
            return self._write(name, value)
        if name in READS:
            return self._read(value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.wrapped, name, value)

    def _write(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], Connection):
                return method(*args, **kwargs)
            try:
                with write_transaction(self.wrapped.db) as conn:
                    return method(conn, *args, **kwargs)
            except Crashed as crash:
                with write_transaction(self.wrapped.db) as conn:
                    failure = self.wrapped.record_crash(conn, crash)
                raise failure from crash
        return call

    def _read(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], Connection):
                return method(*args, **kwargs)
            with read_transaction(self.wrapped.db) as conn:
                return method(conn, *args, **kwargs)
        return call

    def fire_due_timers(self, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
        """The drivers' sweep; returns the number of cases started, fired or continued."""
        return sweep(self.wrapped, lambda: write_transaction(self.wrapped.db), now,
                     limit).advanced

    def run_pending(self, limit: int = SWEEP_LIMIT) -> int:
        return self.fire_due_timers(limit=limit)


def autocommit(engine: Engine) -> Any:
    """``engine`` wrapped (typed as Any: tests call it as the engine of old)."""
    return AutoCommit(engine)
