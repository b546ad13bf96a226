"""What the API asks of the domain: report a hazard, act on tasks, see a case, list inboxes.

Entitlement that is about the organisation (may this user report for that unit, see that
case, name that person as responsible) is checked here, before the engine is called; the
engine then checks what is about the process (ready, candidate, separation of duties).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import (
    Actor,
    Detail,
    Engine,
    Forbidden,
    InvalidInput,
    NotFound,
    StepResult,
    audit,
)
from hazardflow.engine.db import read_transaction
from hazardflow.engine.schema import (
    human_task,
    incident,
    process_case,
    process_definition,
    task_candidate,
)

from .inbox import VIEWS, TaskQuery, candidate_match, list_tasks, task_dict, task_select
from .ledger import hazard_for_case, visible_unit_filter
from .roles import SUPERVISORY_ROLES
from .runtime import HAZARD_PROCESS
from .schema import hazard, unit
from .units import get_unit_by_code, subtree_ids
from .users import actor_for, get_user

__all__ = ["VIEWS", "TaskQuery", "list_tasks"]  # re-exported: the inbox is workflows.inbox

PERSON_FIELDS = ("responsible_user",)
SEE_ALL_ROLES = frozenset({"city_supervisor", "city_leader"})


def units_in_scope(conn: Connection, actor: Actor) -> set[str]:
    """Codes of every unit at or below a unit where the actor holds a role."""
    codes = {u for _, u in actor.grants if u}
    if not codes:
        return set()
    ids = subtree_ids(codes, "scope")
    return {r[0] for r in conn.execute(sa.select(unit.c.code).where(unit.c.id.in_(ids)))}


def report_hazard(engine: Engine, actor: Actor, data: Mapping[str, Any],
                  before_start: Callable[[], None] | None = None) -> dict[str, Any]:
    """Start a hazard case for a unit the reporter works at or supervises. ``before_start``
    runs once the reporter is known to be entitled, before anything is stored (the web
    layer checks the form's evidence there)."""
    code = data.get("unit_code") if isinstance(data, Mapping) else None
    with read_transaction(engine.db) as conn:
        if not isinstance(code, str) or get_unit_by_code(conn, code) is None:
            raise InvalidInput("unknown unit", [Detail("没有这个单位 (no such unit)",
                                                       field="unit_code")])
        if not actor.admin and code not in units_in_scope(conn, actor):
            raise Forbidden(f"you may not report hazards for unit {code}")
    if not engine.may_start(engine.definition(HAZARD_PROCESS), actor):
        raise Forbidden("you may not report hazards (no reporting role)")
    if before_start is not None:
        before_start()
    result = engine.start_case(HAZARD_PROCESS, data, actor)
    with read_transaction(engine.db) as conn:
        row = hazard_for_case(conn, result.case_id)
    return {"case": result, "hazard": row}


def check_people(engine: Engine, case_id: int, data: Mapping[str, Any]) -> None:
    """A person named in a form must exist and hold a role at or above the case's unit."""
    names = {f: data[f] for f in PERSON_FIELDS if isinstance(data, Mapping) and f in data}
    if not names:
        return
    with read_transaction(engine.db) as conn:
        row = hazard_for_case(conn, case_id)
        for field, username in names.items():
            user = get_user(conn, str(username))
            if user is None or not user.active:
                raise InvalidInput("unknown person", [Detail(
                    f"没有这个用户 (no active user {username!r})", field=field)])
            if row is not None:
                person = actor_for(conn, user.id)
                if row["unit_code"] not in units_in_scope(conn, person):
                    raise InvalidInput("person outside the unit", [Detail(
                        f"{username} 不在 {row['unit_name']} 任职 (holds no role there)",
                        field=field)])


def complete_task(engine: Engine, task_id: int, actor: Actor, data: Mapping[str, Any],
                  expected_revision: int | None = None) -> StepResult:
    case_id = _case_of_task(engine, task_id)
    check_people(engine, case_id, data)
    return engine.complete_task(task_id, actor, data, expected_revision=expected_revision)


def _case_of_task(engine: Engine, task_id: int) -> int:
    with read_transaction(engine.db) as conn:
        case_id = conn.execute(sa.select(human_task.c.case_id)
                               .where(human_task.c.id == task_id)).scalar()
    if case_id is None:
        raise NotFound(f"task {task_id} does not exist", task_id=task_id)
    return int(case_id)


def case_visible(conn: Connection, actor: Actor, case_id: int) -> bool:
    """Whether the case exists and ``actor`` may see it."""
    exists = conn.execute(sa.select(process_case.c.id)
                          .where(process_case.c.id == case_id)).first()
    if exists is None:
        return False
    if actor.admin or actor.roles & SEE_ALL_ROLES:
        return True
    row = conn.execute(sa.select(hazard.c.id).where(hazard.c.case_id == case_id,
                                                    visible_unit_filter(actor))).first()
    if row is not None:
        return True
    if conn.execute(sa.select(hazard.c.id).where(hazard.c.case_id == case_id)).first():
        return False  # a hazard outside the actor's units
    started = conn.execute(sa.select(process_case.c.started_by)
                           .where(process_case.c.id == case_id)).scalar()
    if started == actor.id:
        return True
    return conn.execute(sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id,
        sa.or_(human_task.c.assignee == actor.id, human_task.c.completed_by == actor.id,
               human_task.c.id.in_(sa.select(task_candidate.c.human_task_id)
                                   .where(candidate_match(actor)))))).first() is not None


def visible_case_of_task(conn: Connection, actor: Actor, task_id: int) -> int | None:
    """The case of a human task, if the task exists and ``actor`` may see its case; acting
    on a task someone may not see must look exactly like acting on one that does not exist."""
    case_id = conn.execute(sa.select(human_task.c.case_id)
                           .where(human_task.c.id == task_id)).scalar()
    if case_id is None or not case_visible(conn, actor, case_id):
        return None
    return int(case_id)


def case_detail(engine: Engine, actor: Actor, case_id: int) -> dict[str, Any]:
    with read_transaction(engine.db) as conn:
        if not case_visible(conn, actor, case_id):
            raise NotFound(f"case {case_id} does not exist", case_id=case_id)
        row = conn.execute(sa.select(process_case, process_definition.c.key,
                                     process_definition.c.version)
                           .join(process_definition,
                                 process_definition.c.id == process_case.c.definition_id)
                           .where(process_case.c.id == case_id)).one()
        tasks = [task_dict(t) for t in conn.execute(
            task_select().where(human_task.c.case_id == case_id)
            .order_by(human_task.c.id))]
        incidents = [dict(r._mapping) for r in conn.execute(
            sa.select(incident.c.id, incident.c.element_id, incident.c.origin, incident.c.message,
                      incident.c.attempts, incident.c.created_at, incident.c.resolved_at)
            .where(incident.c.case_id == case_id).order_by(incident.c.id))]
        history = audit.history(conn, case_id)
        ledger = hazard_for_case(conn, case_id)
    return {
        "id": row.id, "definition": {"key": row.key, "version": row.version},
        "status": row.status, "revision": row.revision, "started_by": row.started_by,
        "created_at": row.created_at, "updated_at": row.updated_at,
        "completed_at": row.completed_at,
        "active_tasks": [t for t in tasks if t["state"] == "open"],
        "tasks": tasks, "incidents": incidents, "history": history, "hazard": ledger,
    }


def task_detail(engine: Engine, actor: Actor, task_id: int) -> dict[str, Any]:
    with read_transaction(engine.db) as conn:
        row = conn.execute(task_select().where(human_task.c.id == task_id)).first()
        if row is None or not case_visible(conn, actor, row.case_id):
            raise NotFound(f"task {task_id} does not exist", task_id=task_id)
        definition_id = conn.execute(sa.select(process_case.c.definition_id).where(
            process_case.c.id == row.case_id)).scalar_one()
        revision = conn.execute(sa.select(process_case.c.revision).where(
            process_case.c.id == row.case_id)).scalar_one()
        definition = engine.definitions.get(conn, definition_id)
    out = task_dict(row)
    out["form"] = definition.forms.get(row.form_key) if row.form_key else None
    out["case_revision"] = revision
    return out


def supervises(actor: Actor) -> bool:
    return actor.admin or bool(actor.roles & SUPERVISORY_ROLES)
