"""Emergency plans (应急预案) and their drills (演练) as users handle them.

A unit's safety officer or principal creates a plan (its case opens the drafting task in the
unit's inbox); drafting, approval and filing (备案) are that case's tasks, completed like any
task (usecases.tasks.complete). Here: the register (each unit's plans with what is due), a
plan's page, asking for a revision (an incident, a change of organisation…), recording a
drill (it completes the plan's drill task when one is open), opening a hazard case from a
drill's problem through the hazard registration, and the city's cycle per kind of plan.
Plans are read within the reader's units (the county its units, the city all); a plan
someone may not see does not exist for them. A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, InvalidInput, NotFound
from hazardflow.engine.schema import human_task

from .. import drills, emergency_plans, evidence, policy
from ..cases import start_case
from ..inputs import whole_number
from ..runtime import HAZARD_PROCESS, Runtime
from ..schema import unit
from ..schema_plans import emergency_plan, plan_version
from ..units import get_unit_by_code, require_unit
from ..uow import reading, unit_of_work
from ..users import display_names

MAX_TITLE = 200


def _visible_plan(conn: Connection, actor: Actor, plan_id: int) -> Any:
    """The plan if ``actor`` may see it (NotFound otherwise, as for a missing one)."""
    row = emergency_plans.plan_row(conn, plan_id)
    seen = conn.execute(sa.select(emergency_plan.c.id).where(
        emergency_plan.c.id == plan_id,
        policy.unit_scope_clause(emergency_plan.c.unit_id, actor))).first()
    if seen is None:
        raise NotFound(f"预案 {plan_id} 不存在 (plan {plan_id} does not exist)")
    return row


def _open_task(conn: Connection, case_id: int | None, element: str) -> int | None:
    if case_id is None:
        return None
    found = conn.execute(sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id, human_task.c.element_id == element,
        human_task.c.state == "open")).scalar()
    return None if found is None else int(found)


def flags(row: Mapping[str, Any], today: date, now: datetime) -> list[tuple[str, str]]:
    """What is due on a plan: (code, 中文) pairs, most urgent first."""
    out: list[tuple[str, str]] = []
    if row["status"] != "in_force":
        if row["revise_by"] is not None and row["revise_by"] < today:
            out.append(("revision_overdue", "修订逾期"))
        return out
    if row["revision_due_on"] is not None and row["revision_due_on"] <= today:
        out.append(("revision_due", "修订到期"))
    drill_by = row.get("drill_task_due")
    if drill_by is not None and drill_by < now:
        out.append(("drill_overdue", "演练逾期"))
    elif row["drill_due_on"] is not None and row["drill_due_on"] <= today:
        out.append(("drill_due", "演练到期"))
    return out


def create_plan(rt: Runtime, actor: Actor, unit_code: str, kind: str, title: str) -> int:
    """A new plan of the unit (drafting lands in the unit's inbox); its id."""
    title = str(title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"请填写预案名称（不超过{MAX_TITLE}字） (a title of at most "
                           f"{MAX_TITLE} characters is needed)")
    emergency_plans.require_kind(str(kind))
    with unit_of_work(rt) as conn:
        target = get_unit_by_code(conn, str(unit_code))
        if target is None:
            raise InvalidInput(f"单位 {unit_code} 不存在 (unknown unit {unit_code!r})")
        policy.require_may_keep_plans(actor, target.code, target.kind)
        return emergency_plans.open_plan(conn, rt.engine, actor, target.code, kind, title,
                                         rt.calendar.today(rt.now()), rt.now())


def plan_list(rt: Runtime, actor: Actor, unit_code: str | None = None) -> list[dict[str, Any]]:
    """The plans of the units the actor works at or oversees (the city: all), with status
    and what is due (修订到期, 修订逾期, 演练到期, 演练逾期: the drill task past its date)."""
    now = rt.now()
    today = rt.calendar.today(now)
    drill = (sa.select(human_task.c.case_id, sa.func.min(human_task.c.due_at).label("due"))
             .where(human_task.c.element_id == "Task_Drill", human_task.c.state == "open")
             .group_by(human_task.c.case_id).subquery("drill_task"))
    query = (sa.select(emergency_plan, unit.c.code.label("unit_code"),
                       unit.c.name.label("unit_name"), unit.c.county_code,
                       plan_version.c.label.label("version_label"),
                       drill.c.due.label("drill_task_due"))
             .join(unit, unit.c.id == emergency_plan.c.unit_id)
             .outerjoin(drill, drill.c.case_id == emergency_plan.c.case_id)
             .outerjoin(plan_version, plan_version.c.id == emergency_plan.c.current_version_id)
             .where(policy.unit_scope_clause(emergency_plan.c.unit_id, actor))
             .order_by(unit.c.code, emergency_plan.c.kind, emergency_plan.c.id))
    if unit_code:
        query = query.where(unit.c.code == unit_code)
    with reading(rt) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return [{**r, "kind_name": emergency_plans.KINDS.get(r["kind"], r["kind"]),
             "status_name": emergency_plans.STATUSES.get(r["status"], r["status"]),
             "flags": flags(r, today, now)} for r in rows]


def plan_page(rt: Runtime, actor: Actor, plan_id: int) -> dict[str, Any]:
    """A plan with its versions, drills and open steps, and what the actor may do."""
    with reading(rt) as conn:
        row = dict(_visible_plan(conn, actor, plan_id)._mapping)
        versions = [dict(r._mapping) for r in conn.execute(
            sa.select(plan_version).where(plan_version.c.plan_id == plan_id)
            .order_by(plan_version.c.id.desc()))]
        held = drills.drills_of(conn, plan_id)
        open_tasks = [dict(r._mapping) for r in conn.execute(
            sa.select(human_task.c.id, human_task.c.name, human_task.c.due_at)
            .where(human_task.c.case_id == row["case_id"], human_task.c.state == "open"))]
        people = [v[k] for v in versions for k in ("submitted_by", "approved_by", "filed_by")]
        names = display_names(conn, [p for p in people + [d["recorded_by"] for d in held] if p])
        unit_kind = require_unit(conn, row["unit_code"]).kind
        may_trigger = policy.may_keep_emergency(conn, actor, row["unit_code"], unit_kind)
    today = rt.calendar.today(rt.now())
    return {"plan": {**row, "kind_name": emergency_plans.KINDS.get(row["kind"], row["kind"]),
                     "status_name": emergency_plans.STATUSES.get(row["status"], row["status"]),
                     "flags": flags(row, today, rt.now())},
            "versions": versions, "drills": held, "tasks": open_tasks, "names": names,
            "triggers": emergency_plans.TRIGGERS,
            "version_statuses": emergency_plans.VERSION_STATUSES,
            "may_record_drill": policy.may_keep_plans(actor, row["unit_code"], unit_kind),
            "may_trigger": may_trigger and row["status"] == "in_force"}


def trigger_revision(rt: Runtime, actor: Actor, plan_id: int, reason: str,
                     note: str = "") -> None:
    """Start the plan's revision now (发生事故、机构变动…): its drafting task opens again."""
    if reason not in emergency_plans.TRIGGERS:
        raise InvalidInput(f"修订原因须为 {'、'.join(emergency_plans.TRIGGERS.values())} 之一 "
                           f"(unknown reason {reason!r})")
    with unit_of_work(rt) as conn:
        plan = _visible_plan(conn, actor, plan_id)
        policy.require_may_trigger_revision(conn, actor, plan.unit_code,
                                            require_unit(conn, plan.unit_code).kind)
        emergency_plans.ensure_revisable(plan)
        rt.engine.send_message(conn, plan.case_id, "plan_revise",
                               {"reason": reason, "note": str(note or "")[:2000]}, actor)


def record_drill(rt: Runtime, actor: Actor, plan_id: int, form: Mapping[str, Any]) -> int:
    """Record a drill of the plan; its id. An open drill task is completed with it; a drill
    held before it was due moves the next one; problems found start the plan's revision."""
    with unit_of_work(rt) as conn:
        plan = _visible_plan(conn, actor, plan_id)
        policy.require_may_keep_plans(actor, plan.unit_code,
                                      require_unit(conn, plan.unit_code).kind)
        record = drills.DrillRecord.from_form(form, rt.calendar.today(rt.now()))
        task_id = _open_task(conn, plan.case_id, "Task_Drill")
        if task_id is not None:
            rt.engine.complete_task(conn, task_id, actor, record.form())
            return int(conn.execute(sa.select(sa.func.max(drills.plan_drill.c.id)).where(
                drills.plan_drill.c.plan_id == plan_id)).scalar_one())
        drill_id = drills.insert_drill(conn, plan_id, record, actor.id, rt.now())
        emergency_plans.next_drill(conn, plan, record.held_on)
        if record.problems and plan.status == "in_force":
            rt.engine.send_message(conn, plan.case_id, "plan_revise",
                                   {"reason": "drill", "note": record.problems[0]}, actor)
        return drill_id


def open_hazard_from_problem(rt: Runtime, actor: Actor, problem_id: int,
                             form: Mapping[str, Any],
                             photo: tuple[str, bytes] | None = None) -> int:
    """Register a hazard (the hazard lifecycle's registration) from a drill's problem and
    link the two; the new case id. ``form``: the registration form (location, category,
    level, photos…); unit and description default to the drill's. ``photo``: a photo
    before (file name, bytes) uploaded with the page's form, checked like every upload."""
    with unit_of_work(rt) as conn:
        if photo is not None:
            item = evidence.save_upload(conn, rt.storage, filename=photo[0], data=photo[1],
                                        kind="before", uploaded_by=actor.id, now=rt.now(),
                                        max_bytes=rt.settings.max_upload_bytes)
            form = {**form, "photos_before": [item.ref]}
        problem = drills.problem_row(conn, problem_id)
        plan = _visible_plan(conn, actor, problem.plan_id)
        if problem.hazard_case_id is not None:
            raise Conflict(f"演练问题 {problem_id} 已登记为隐患 (drill problem {problem_id} "
                           f"already opened a hazard case)")
        data = {"unit_code": plan.unit_code, "source": "self_inspection",
                "description": f"{problem.description}（{problem.held_on:%Y-%m-%d}"
                               f"“{problem.title}”演练发现）", **dict(form)}
        out = start_case(conn, rt.engine, actor, HAZARD_PROCESS, data)
        case_id = int(out["case"].case_id)
        drills.link_hazard(conn, problem_id, case_id)
        return case_id


def record_rectification(rt: Runtime, actor: Actor, problem_id: int, text: str) -> None:
    """How a drill's problem was rectified."""
    with unit_of_work(rt) as conn:
        problem = drills.problem_row(conn, problem_id)
        plan = _visible_plan(conn, actor, problem.plan_id)
        policy.require_may_keep_plans(actor, plan.unit_code,
                                      require_unit(conn, plan.unit_code).kind)
        drills.set_rectification(conn, problem_id, str(text or "").strip()[:2000])


SUMMARY = ("revision_due", "revision_overdue", "drill_due", "drill_overdue")


def summary(rt: Runtime, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per county (its name): plans, filed, and how many have each flag; the county's and
    the city's overview."""
    counties: dict[str, dict[str, Any]] = {}
    for plan in listed:
        code = plan["county_code"] or plan["unit_code"]
        row = counties.setdefault(code, {"code": code, "plans": 0, "filed": 0,
                                         **dict.fromkeys(SUMMARY, 0)})
        row["plans"] += 1
        row["filed"] += plan["status"] == "in_force" or plan["current_version_id"] is not None
        for flag, _ in plan["flags"]:
            row[flag] += 1
    with reading(rt) as conn:
        names = dict(conn.execute(sa.select(unit.c.code, unit.c.name).where(
            unit.c.code.in_(sorted(counties) or [""]))).all())
    return [{**row, "name": names.get(code, code)} for code, row in sorted(counties.items())]


KEEPER_ROLES = ("safety_officer", "principal", "county_supervisor", "city_supervisor")


def plans_page(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """The register: the plans in scope, the cycle per kind, the units the actor may create
    plans for, and whether the actor sets the cycles."""
    with reading(rt) as conn:
        cycles = emergency_plans.cycles(conn)
        units = conn.execute(sa.select(unit.c.code, unit.c.name, unit.c.kind).where(
            unit.c.code.in_(sorted(policy.held_units(actor, KEEPER_ROLES)) or [""]))
            .order_by(unit.c.code)).all()
    listed = plan_list(rt, actor)
    return {"plans": listed, "summary": summary(rt, listed), "cycles": cycles,
            "kinds": emergency_plans.KINDS,
            "units": [(u.code, u.name) for u in units
                      if policy.may_keep_plans(actor, u.code, u.kind)],
            "may_set_cycles": policy.allows(actor, "plan.cycle")}


def set_plan_cycle(rt: Runtime, actor: Actor, kind: str, values: Mapping[str, Any]) -> None:
    """The city sets a kind's revision and drill intervals and the time given to do them;
    plans use them from their next filing, drill or revision."""
    policy.require(actor, "plan.cycle")
    emergency_plans.require_kind(kind)
    checked = {name: whole_number(values.get(name), name, low=low, high=high)
               for name, (low, high) in emergency_plans.CYCLE_LIMITS.items()}
    with unit_of_work(rt) as conn:
        emergency_plans.set_cycle(conn, kind, emergency_plans.Cycle(**checked), actor.id,
                                  rt.now())
