"""The steps a repair may move a case to, by name: each process's user tasks as its newest
version's diagram names them, so the bulk repair page offers a choice of steps (the element
id is the value sent, never something a supervisor types)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hazardflow.engine import Actor
from hazardflow.engine.schema import process_definition

from .. import policy
from ..runtime import Runtime
from ..uow import reading


def _user_tasks(definition: Any) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for spec in [definition.spec, *definition.subprocess_specs.values()]:
        for key, task in spec.task_specs.items():
            if getattr(task, "manual", False):
                element = str(getattr(task, "bpmn_id", None) or key)
                found.setdefault(element, str(getattr(task, "bpmn_name", None) or element))
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


def repair_steps(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """[{"key", "name", "steps": [(element id, step name)]}] for every deployed process,
    its newest version; for those who may look at the monitor."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        keys = conn.execute(sa.select(process_definition.c.key).distinct()
                            .order_by(process_definition.c.key)).scalars().all()
        out = []
        for key in keys:
            definition = rt.engine.definition(conn, str(key))
            steps = _user_tasks(definition)
            if steps:
                out.append({"key": definition.key, "name": definition.name or definition.key,
                            "steps": steps})
    return out
