"""Cases and tasks as people see them, and the organisation's checks on what they submit.

Entitlement that is about the organisation (may this user report for that unit, name that
person as responsible) is checked here, inside the use-case's transaction, before the engine
is called; the engine then checks what is about the process (ready, candidate, separation of
duties). Who may see a case is ``policy``'s rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import (
    Actor,
    Detail,
    Engine,
    Forbidden,
    InvalidInput,
    audit,
)
from hazardflow.engine.schema import (
    human_task,
    incident,
    process_case,
    process_definition,
)

from . import classification
from .inbox import VIEWS, TaskQuery, list_tasks, task_dict, task_select
from .ledger import UNANNOUNCED, hazard_for_case
from .policy import (
    may_report_unannounced,
    require_visible_case,
    require_visible_task,
    staff_units,
    supervises,
    units_in_scope,
)
from .runtime import HAZARD_PROCESS
from .schema import unit
from .units import get_unit_by_code
from .users import actor_of, get_user

__all__ = ["VIEWS", "TaskQuery", "list_tasks"]  # re-exported: the inbox is workflows.inbox

PERSON_FIELDS = ("responsible_user",)


def reporting_units(conn: Connection, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the active units the actor may report hazards for."""
    query = sa.select(unit.c.code, unit.c.name).where(unit.c.active.is_(True))
    if not actor.admin:
        query = query.where(unit.c.code.in_(sorted(units_in_scope(conn, actor)) or [""]))
    return [(r.code, r.name) for r in conn.execute(query.order_by(unit.c.code))]


def report_defaults(actor: Actor, units: list[tuple[str, str]]) -> dict[str, Any]:
    """A registration form's first values: the reporter's own unit, and the source a
    supervisor (an inspection) or a unit (a self-inspection) reports from."""
    own = staff_units(actor)
    return {"source": "inspection" if supervises(actor) else "self_inspection",
            "unit_code": own[0] if own else (units[0][0] if len(units) == 1 else None)}


def process_summaries(conn: Connection) -> list[dict[str, Any]]:
    """Each process key with its latest version, how many versions, and its newest name."""
    rows = conn.execute(sa.select(process_definition.c.key, sa.func.max(
        process_definition.c.version).label("latest"), sa.func.count().label("versions"))
        .group_by(process_definition.c.key).order_by(process_definition.c.key)).all()
    names = dict(conn.execute(sa.select(process_definition.c.key, process_definition.c.name)
                              .order_by(process_definition.c.version)).all())
    return [{"key": r.key, "name": names.get(r.key), "latest_version": r.latest,
             "versions": r.versions} for r in rows]


def process_keys(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(sa.select(process_definition.c.key).distinct()
                                       .order_by(process_definition.c.key))]


def start_case(conn: Connection, engine: Engine, actor: Actor, key: str,
               data: Mapping[str, Any], *, version: int | None = None,
               with_evidence: bool = True) -> dict[str, Any]:
    """In the caller's transaction: check who may start ``key`` (and, for a hazard, for
    which unit), the named people and the start form's evidence; start the case; attach the
    evidence. Returns the step result and, for a hazard, its ledger row. ``with_evidence``
    False: the caller checks and attaches the files itself (an inspection's item photos)."""
    from . import evidence

    if not isinstance(data, Mapping):
        raise InvalidInput("表单数据必须是对象 (form data must be a JSON object)")
    definition = engine.definition(conn, key, version)
    if key == HAZARD_PROCESS:
        check_reporter(conn, actor, data)
        classification.check(conn, data)
    if not engine.may_start(definition, actor):
        raise Forbidden(f"您不能发起该流程 (you may not start {key!r})")
    form = definition.forms.get(definition.start_form or "")
    check_people(conn, None, data)
    if with_evidence:
        evidence.check_form(conn, form, data, actor.id)
    result = engine.start_case(conn, key, data, actor, version=version)
    if key == HAZARD_PROCESS:
        classification.record(conn, result.case_id, data, actor.id, engine.clock.now())
    if with_evidence:
        evidence.attach_form(conn, form, data, result.case_id, actor.id)
    return {"case": result, "hazard": hazard_for_case(conn, result.case_id)}


def check_reporter(conn: Connection, actor: Actor, data: Mapping[str, Any]) -> None:
    """A hazard is reported for a unit the reporter works at or supervises; only those who
    inspect it from above say it came from an unannounced visit (``source`` unannounced,
    ``policy.may_report_unannounced``)."""
    code = data.get("unit_code") if isinstance(data, Mapping) else None
    if not isinstance(code, str) or get_unit_by_code(conn, code) is None:
        raise InvalidInput("unknown unit", [Detail("没有这个单位 (no such unit)",
                                                   field="unit_code")])
    if not actor.admin and code not in units_in_scope(conn, actor):
        raise Forbidden(f"您不能为单位 {code} 登记隐患 (you may not report hazards for unit "
                        f"{code})")
    if data.get("source") == UNANNOUNCED and not may_report_unannounced(conn, actor, code):
        message = ("隐患来源：只有上级卫生健康部门（含其卫生监督所）的检查人员或监管人员可以登记"
                   "“暗查暗访”发现的隐患，本单位人员不能把本单位的隐患标为暗查暗访 (source: only "
                   "an inspector or supervisor of a body above the unit may report an "
                   "unannounced-visit finding)")
        raise InvalidInput(message, [Detail(message, field="source")])


def check_people(conn: Connection, case_id: int | None, data: Mapping[str, Any]) -> None:
    """A person named in a form must exist and hold a role at or above the case's unit."""
    names = {f: data[f] for f in PERSON_FIELDS if isinstance(data, Mapping) and f in data}
    if not names:
        return
    row = hazard_for_case(conn, case_id) if case_id is not None else None
    for field, username in names.items():
        user = get_user(conn, str(username))
        if user is None or not user.active:
            raise InvalidInput("unknown person", [Detail(
                f"没有这个用户 (no active user {username!r})", field=field)])
        if row is not None:
            person = actor_of(conn, user)
            if row["unit_code"] not in units_in_scope(conn, person):
                raise InvalidInput("所选人员不在本单位任职 (person outside the unit)", [Detail(
                    f"{username} 不在 {row['unit_name']} 任职 (holds no role there)",
                    field=field)])


def case_detail(conn: Connection, actor: Actor, case_id: int) -> dict[str, Any]:
    require_visible_case(conn, actor, case_id)
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


# the task as the inbox shows it, with its case's definition and revision: one read
_TASK_WITH_CASE = task_select().add_columns(
    process_case.c.definition_id.label("case_definition_id"),
    process_case.c.revision.label("case_revision")).join(
    process_case, process_case.c.id == human_task.c.case_id).where(
    human_task.c.id == sa.bindparam("task_id", type_=sa.Integer))


def task_detail(conn: Connection, engine: Engine, actor: Actor, task_id: int) -> dict[str, Any]:
    require_visible_task(conn, actor, task_id)
    row = conn.execute(_TASK_WITH_CASE, {"task_id": task_id}).one()
    definition = engine.definitions.get(conn, row.case_definition_id)
    revision = row.case_revision
    out = task_dict(row)
    del out["case_definition_id"], out["case_revision"]
    out["form"] = definition.forms.get(row.form_key) if row.form_key else None
    out["case_revision"] = revision
    return out
