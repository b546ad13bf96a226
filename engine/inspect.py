"""Read-only views of one case for people: its variables now, and its diagram with the path
taken, the work open now and the incidents, for a bpmn-js viewer to highlight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import NotFound
from .schema import (
    audit_event,
    deployment,
    human_task,
    incident,
    process_case,
    process_definition,
    timer,
)
from .steps import current_data

if TYPE_CHECKING:
    from .runtime import Engine


def case_data(conn: Connection, engine: Engine, case_id: int) -> dict[str, Any]:
    """The case's variables as they stand (without touching the live cache or the lock)."""
    row = conn.execute(sa.select(process_case.c.definition_id, process_case.c.state)
                       .where(process_case.c.id == case_id)).one_or_none()
    if row is None:
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)", case_id=case_id)
    definition = engine.definitions.get(conn, row.definition_id)
    workflow = engine.store.serializer.loads(row.state, definition.spec,
                                             definition.subprocess_specs,
                                             engine.script_engine)
    return current_data(workflow)


@dataclass
class CaseDiagram:
    xml: str
    process_key: str
    version: int
    done: list[str] = field(default_factory=list)  # elements the case has passed through
    active: list[str] = field(default_factory=list)  # open tasks and waiting timers
    incidents: list[str] = field(default_factory=list)  # unresolved incidents


def case_diagram(conn: Connection, case_id: int) -> CaseDiagram:
    row = conn.execute(
        sa.select(deployment.c.bpmn_xml, process_definition.c.key,
                  process_definition.c.version)
        .select_from(process_case.join(
            process_definition, process_definition.c.id == process_case.c.definition_id)
            .join(deployment, deployment.c.id == process_definition.c.deployment_id))
        .where(process_case.c.id == case_id)).one_or_none()
    if row is None:
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)", case_id=case_id)
    done = {r[0] for r in conn.execute(
        sa.select(audit_event.c.element_id).distinct()
        .where(audit_event.c.case_id == case_id, audit_event.c.element_id.is_not(None)))}
    done |= {r[0] for r in conn.execute(
        sa.select(human_task.c.element_id).where(human_task.c.case_id == case_id,
                                                 human_task.c.state == "completed"))}
    active = {r[0] for r in conn.execute(
        sa.select(human_task.c.element_id).where(human_task.c.case_id == case_id,
                                                 human_task.c.state == "open"))}
    active |= {r[0] for r in conn.execute(
        sa.select(timer.c.element_id).where(timer.c.case_id == case_id,
                                            timer.c.fired_at.is_(None)))}
    broken = {r[0] for r in conn.execute(
        sa.select(incident.c.element_id).where(incident.c.case_id == case_id,
                                               incident.c.resolved_at.is_(None)))
              if r[0]}
    return CaseDiagram(xml=row.bpmn_xml, process_key=row.key, version=row.version,
                       done=sorted(done - active), active=sorted(active),
                       incidents=sorted(broken))
