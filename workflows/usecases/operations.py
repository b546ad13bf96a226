"""What operations asks of the running application: is it ready, and how much work waits.

These serve the platform (a load balancer, Prometheus), not a user: there is no actor and
nothing is written. :func:`readiness` says whether the database and, in distributed mode,
the broker answer; :func:`state` reads the numbers ``/metrics`` exposes at scrape time, in
one read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import human_task, incident, outbox, process_case, timer

from ..runtime import Runtime
from ..uow import reading

OK = "ok"
NOT_USED = "not used"


def readiness(rt: Runtime) -> dict[str, str]:
    """``{"database": ..., "broker": ...}``: "ok", "not used" (no broker), or
    "unreachable: <error type>"."""
    checks: dict[str, str] = {}
    try:
        with reading(rt) as conn:
            conn.execute(sa.text("select 1"))
        checks["database"] = OK
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        if rt.queue is None:
            checks["broker"] = NOT_USED
        else:
            rt.queue.ping()
            checks["broker"] = OK
    except Exception as exc:
        checks["broker"] = f"unreachable: {type(exc).__name__}"
    return checks


def is_ready(checks: dict[str, str]) -> bool:
    return all(value in (OK, NOT_USED) for value in checks.values())


@dataclass(frozen=True)
class State:
    """The work in the system at one instant."""

    cases: dict[str, int]  # status → how many cases
    completed_tasks: int  # human tasks ever completed
    open_tasks: int
    timer_lag_seconds: float  # how late the oldest due, unfired timer is (0 when none)
    open_incidents: int
    outbox_pending: int  # cases with automatic steps waiting for a driver
    queue_depth: int | None  # messages waiting in the broker (None: no broker, or unknown)


def state(rt: Runtime) -> State:
    now = rt.now()
    with reading(rt) as conn:
        cases = {str(status): int(count) for status, count in conn.execute(
            sa.select(process_case.c.status, sa.func.count()).group_by(process_case.c.status))}
        found = State(
            cases=cases,
            completed_tasks=_count(conn, human_task, human_task.c.state == "completed"),
            open_tasks=_count(conn, human_task, human_task.c.state == "open"),
            timer_lag_seconds=_timer_lag(conn, now),
            open_incidents=_count(conn, incident, incident.c.resolved_at.is_(None)),
            outbox_pending=_count(conn, outbox, outbox.c.done_at.is_(None)),
            queue_depth=None)
    if rt.queue is None:
        return found
    return replace(found, queue_depth=rt.queue.depth())


def _count(conn: Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                            .where(where)).scalar_one())


def _timer_lag(conn: Connection, now: datetime) -> float:
    oldest = conn.execute(sa.select(sa.func.min(timer.c.due_at)).where(
        timer.c.fired_at.is_(None), timer.c.due_at <= now)).scalar()
    return round((now - oldest).total_seconds(), 3) if oldest is not None else 0.0
