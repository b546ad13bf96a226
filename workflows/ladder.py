"""Which rung of an escalation ladder armed late is skipped.

The ladder (reminder, due, overdue, the city's 督办函, 通报) is a set of boundary timers on a
rectification task, ``BoundaryEvent_<Ladder><Rung>``, each starting its service task
``ServiceTask_<Ladder><Rung>`` (:data:`~hazardflow.workflows.escalation.RUNGS`). Armed with a
deadline already passed (an import, a benchmark, a rectification re-entered after its
deadline, a deadline moved into the past by ``engine.set_variables``), several rungs are
due the moment they are armed, and would all be sent at once. Only the latest of those is
taken: each rung's service task names when the next rung is due (its parameter
``next_rung_due``, the next timer's expression in ``timer_value(...)``), and a rung whose
next rung was already due when the ladder was armed is *superseded*. Its handler records
it as skipped (``escalation_sent.skipped``) instead of sending it, so it is never sent for
that deadline.

When was the ladder armed: a rung fired by a sweep from its waiting timer was armed when
that timer was set (or moved by ``set_variables``); a rung fired in the very step that
entered the task or moved the deadline was armed then. Rungs that fell due after the arming
(a scheduler down for weeks) are each sent once, late: the unit was owed each at its time.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import audit_event, timer

TASK_PREFIX = "ServiceTask_"
TIMER_PREFIX = "BoundaryEvent_"
NEXT_DUE = "next_rung_due"


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _moved_at(conn: Connection, case_id: int, variable: str) -> datetime | None:
    """When ``variable`` was last changed by ``set_variables``: the timers reading it were
    armed again then."""
    rows = conn.execute(sa.select(audit_event.c.payload, audit_event.c.at).where(
        audit_event.c.case_id == case_id, audit_event.c.action == "set_variables")
        .order_by(audit_event.c.seq.desc()))
    for payload, at in rows:
        values = json.loads(payload).get("values")
        if isinstance(values, dict) and variable in values:
            moment: datetime = at
            return moment
    return None


def armed_at(conn: Connection, case_id: int, element_id: str, now: datetime,
             variable: str) -> datetime:
    """When the timer that started service task ``element_id`` was armed (see above)."""
    waiting = conn.execute(sa.select(timer.c.created_at).where(
        timer.c.case_id == case_id,
        timer.c.element_id == TIMER_PREFIX + element_id.removeprefix(TASK_PREFIX),
        timer.c.fired_at.is_(None), timer.c.due_at <= now)
        .order_by(timer.c.id.desc())).first()
    if waiting is None:
        return now  # fired in the step that armed it
    moved = _moved_at(conn, case_id, variable)
    created: datetime = waiting.created_at
    return max(created, moved) if moved is not None else created


def superseded(conn: Connection, case_id: int, element_id: str, params: dict[str, Any],
               now: datetime, variable: str = "deadline") -> bool:
    """True when this rung must be skipped: its next rung was due when it was armed."""
    next_due = _moment(params.get(NEXT_DUE))
    if next_due is None or next_due > now:
        return False
    return next_due <= armed_at(conn, case_id, element_id, now, variable)
