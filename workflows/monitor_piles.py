"""Where work piles up in a process, as a supervisor may see it: the deployed versions, the
one the monitor opens on (the busiest the reader may see), and per element the open and
overdue tasks, open incidents and the average hours a task spent there. The stuck-case list
and the cases at one element are :mod:`~hazardflow.workflows.monitor`'s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor
from hazardflow.engine.schema import (
    deployment,
    human_task,
    incident,
    process_case,
    process_definition,
)

from .monitor import OPEN_TASK, case_joins
from .policy import visible_hazard_rows
from .schema import hazard


def definitions(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        sa.select(process_definition.c.id, process_definition.c.key,
                  process_definition.c.version, process_definition.c.name)
        .order_by(process_definition.c.key, process_definition.c.version.desc()))]


def definition_row(conn: Connection, definition_id: int) -> dict[str, Any] | None:
    """A deployed process version with its diagram (``bpmn_xml``), or None."""
    row = conn.execute(
        sa.select(process_definition.c.id, process_definition.c.key,
                  process_definition.c.version, process_definition.c.name,
                  deployment.c.bpmn_xml)
        .join_from(process_definition, deployment,
                   deployment.c.id == process_definition.c.deployment_id)
        .where(process_definition.c.id == definition_id)).first()
    return dict(row._mapping) if row is not None else None


def busiest_definition(conn: Connection, actor: Actor) -> int | None:
    """The process version with the most open tasks among the cases ``actor`` may see (else
    the newest deployed): where the monitor opens, and never moved by hidden work."""
    busiest = conn.execute(
        sa.select(process_case.c.definition_id)
        .select_from(human_task.join(process_case, process_case.c.id == human_task.c.case_id)
                     .outerjoin(hazard, hazard.c.case_id == process_case.c.id))
        .where(OPEN_TASK, visible_hazard_rows(actor)).group_by(process_case.c.definition_id)
        .order_by(sa.func.count().desc(), process_case.c.definition_id.desc())
        .limit(1)).scalar()
    if busiest is None:
        busiest = conn.execute(sa.select(sa.func.max(process_definition.c.id))).scalar()
    return int(busiest) if busiest is not None else None


def _seconds_between(conn: Connection, end: Any, start: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def piles(conn: Connection, actor: Actor, definition_id: int,
          now: datetime) -> dict[str, dict[str, Any]]:
    """Per element: open tasks, overdue tasks, open incidents, and the average hours a
    completed task spent there (the heat), over the cases ``actor`` may see."""
    cases = case_joins(process_case)
    scope = [process_case.c.definition_id == definition_id, visible_hazard_rows(actor)]
    out: dict[str, dict[str, Any]] = {}

    def bump(element: str | None, key: str, value: Any) -> None:
        if element:
            out.setdefault(element, {"active": 0, "overdue": 0, "incidents": 0,
                                     "avg_hours": None})[key] = value

    tasks = human_task.join(cases, process_case.c.id == human_task.c.case_id)
    overdue = sa.func.sum(sa.case((human_task.c.due_at < now, 1), else_=0))
    for element, active, late in conn.execute(
            sa.select(human_task.c.element_id, sa.func.count(), overdue).select_from(tasks)
            .where(OPEN_TASK, *scope).group_by(human_task.c.element_id)):
        bump(element, "active", int(active))
        bump(element, "overdue", int(late or 0))
    for element, count in conn.execute(
            sa.select(incident.c.element_id, sa.func.count())
            .select_from(incident.join(cases, process_case.c.id == incident.c.case_id))
            .where(incident.c.resolved_at.is_(None), *scope).group_by(incident.c.element_id)):
        bump(element, "incidents", int(count))
    spent = sa.func.avg(_seconds_between(conn, human_task.c.completed_at,
                                         human_task.c.created_at))
    for element, seconds in conn.execute(
            sa.select(human_task.c.element_id, spent).select_from(tasks)
            .where(human_task.c.state == "completed", *scope)
            .group_by(human_task.c.element_id)):
        if seconds is not None:
            bump(element, "avg_hours", round(float(seconds) / 3600, 1))
    return out
