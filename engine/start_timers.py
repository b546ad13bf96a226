"""Timer start events: the sweep starts their cases on the schedule the diagram gives.

The ``timer`` table holds one open row per scheduled start (no case yet, only a process
key). A cycle (``R/2026-12-01T09:00+08:00/P1M``) is kept as the text of its remaining
repetitions: after each start the next row holds the cycle advanced by one period, counted
from the previous occurrence so that months keep their calendar length.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as T
from sqlalchemy.engine import Connection

from .definitions import Definition
from .expressions import Evaluator, timer_source
from .schema import timer


def start_timers(definition: Definition) -> list[tuple[str, str]]:
    """(element id, designer's expression) of every timer start event of a definition."""
    found = []
    for spec in definition.spec.task_specs.values():
        expression = (getattr(spec, "extensions", None) or {}).get("startTimer")
        if expression is not None:
            found.append((str(spec.bpmn_id or spec.name), expression))
    return found


def first_occurrence(evaluator: Evaluator, expression: str,
                     now: datetime) -> tuple[datetime, str | None]:
    """When a start timer first fires, and the cycle text to keep for the next one."""
    value: str = evaluator.evaluate(f"timer_value({timer_source(expression)})", {})
    if value.startswith("R"):
        cycles, start, _ = T.parse_iso_recurring_interval(value)
        if cycles == 0:
            raise ValueError(f"the cycle {value!r} has no repetitions")
        return start, value
    if value.startswith("P"):
        return now + T.get_timedelta_from_start(T.parse_iso_duration(value), now), None
    return T.get_datetime(value), None


def _offset(start: str) -> tzinfo | None:
    """The UTC offset the cycle's start is written in (SpiffWorkflow's parser drops it)."""
    try:
        return datetime.fromisoformat(start).tzinfo
    except ValueError:
        return None


def next_occurrence(cycle: str, fired_due: datetime) -> tuple[datetime, str] | None:
    """The cycle's next start after the one due at ``fired_due``, or None when it is done."""
    parts = cycle.split("/")
    count = parts[0][1:]
    remaining = int(count) - 1 if count else -1
    if remaining == 0:
        return None
    period = next(p for p in parts[1:] if p.upper().startswith("P"))
    # months and years are counted on the cycle's own clock (its start's UTC offset): from
    # 1 December 00:00+08:00, P1M is 1 January 00:00+08:00, not 31 December
    starts = [p for p in parts[1:] if not p.upper().startswith("P")]
    zone = _offset(starts[0]) if starts else None
    local = fired_due.astimezone(zone) if zone is not None else fired_due
    due = local + T.get_timedelta_from_start(T.parse_iso_duration(period), local)
    prefix = f"R{remaining}" if remaining > 0 else "R"
    return due, f"{prefix}/{due.isoformat()}/{period}"


def schedule(conn: Connection, definition: Definition, evaluator: Evaluator,
             now: datetime) -> int:
    """Replace the open start timers of the definition's process key with this version's."""
    found = start_timers(definition)
    if not found:
        return 0
    conn.execute(sa.delete(timer).where(timer.c.case_id.is_(None),
                                        timer.c.process_key == definition.key,
                                        timer.c.fired_at.is_(None)))
    for element, expression in found:
        due, cycle = first_occurrence(evaluator, expression, now)
        conn.execute(sa.insert(timer).values(
            process_key=definition.key, element_id=element, expression=cycle,
            due_at=due, created_at=now))
    return len(found)
