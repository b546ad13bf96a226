"""Who may do what, and who may see what: the one authorisation service.

Every use-case asks here before it acts; no route, page or API handler decides on its own,
and no other module of the domain reads an actor's grants or the role sets
(``tests/test_architecture.py`` fails if one does).

**Permissions** are named actions (``campaign.manage``, ``repair``…) with the roles that
hold them; :func:`require` raises ``Forbidden`` (403) for an actor without one, in Chinese
with the English beside. Admins hold every permission.

**Scope** is which units an actor works at or oversees: every unit at or below a unit where
they hold a role (:func:`within_held_units`, :func:`unit_scope_clause`,
:func:`units_in_scope`, :func:`units_overseen`, :func:`counties_overseen`); the city's
supervisors and leaders and admins oversee every unit.

**Visibility** is one rule, applied by every read path: :func:`visible_hazards` is the SQL
predicate on the ``hazard`` table (supervisory roles see every unit below the units they
hold a role at, unannounced-visit findings included; unit-level roles see their own units
and those below, but not an unannounced-visit finding about their own unit until it is
published); :func:`visible_inspections` is the same rule on ``inspection``. Spot-check
draws are the city's until published (:func:`require_visible_draw`). :func:`case_visible`
extends it to cases that are not hazards. A thing a user may not see does not exist for
them: :func:`require_visible_case` and :func:`require_visible_task` raise ``NotFound``
(404), never a 403 that would reveal it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hazardflow.engine import Actor, Forbidden, NotFound
from hazardflow.engine.ownership import Exclusion, excluded_from_task
from hazardflow.engine.schema import human_task, incident, process_case, task_candidate

from .roles import COMMISSION_KINDS, SUPERVISORY_ROLES, UNIT_LEVEL_ROLES
from .schema import hazard, notification, unit
from .schema_campaigns import inspection, spot_check_draw, unit_report
from .schema_consultations import consultation, consultation_action
from .schema_events import info_event
from .schema_reports import public_report
from .units import ancestors, city_unit, county_of, subtree_ids

SEE_ALL_ROLES = frozenset({"city_supervisor", "city_leader"})
# a unit's own staff: they report its hazards and ask for later deadlines
STAFF_ROLES = frozenset({"safety_officer", "principal", "rectifier"})

# permission → (roles that hold it, what it is, in Chinese)
PERMISSIONS: dict[str, tuple[frozenset[str], str]] = {
    "campaign.manage": (frozenset({"city_supervisor"}), "管理专项行动、抽查和考核"),
    "inspection.issue": (frozenset({"county_supervisor", "city_supervisor", "safety_officer",
                                    "principal"}), "签发检查的整改通知和复查意见"),
    "legal_text.manage": (frozenset({"city_supervisor"}), "维护执法文书引用的法律依据"),
    "case.supervise": (frozenset({"county_supervisor", "city_supervisor"}),
                       "向案件发送消息、重试故障"),
    "repair": (frozenset({"county_supervisor", "city_supervisor"}), "修复案件"),
    "repair.all_batches": (frozenset({"city_supervisor"}), "查看他人发起的批量修复"),
    "extension.review": (frozenset({"county_supervisor", "city_supervisor", "city_leader"}),
                         "查看辖区内的延期申请"),
    "design": (frozenset({"designer"}), "设计和部署流程"),
    "monitor": (frozenset({"inspector", "county_supervisor", "city_supervisor", "city_leader"}),
                "查看监控（滞留案件、流程热力、看板、督办）"),
    "monitor.thresholds": (frozenset({"city_supervisor"}), "设置监控的滞留阈值"),
    "duty.level": (frozenset({"city_supervisor"}), "宣布提级值班时段"),
    "checklist.manage": (frozenset({"city_supervisor"}), "增改检查表条目"),
    "supervision.view": (frozenset({"inspector", "county_supervisor", "city_supervisor",
                                    "city_leader"}), "查看挂牌督办台账"),
    "report.triage": (frozenset({"report_triage", "county_supervisor", "city_supervisor"}),
                      "查看和处理群众举报投诉"),
    "reward.tiers": (frozenset({"city_supervisor"}), "设定举报奖励标准"),
    "reward.propose": (frozenset({"report_triage", "county_supervisor", "city_supervisor"}),
                       "拟定和查看举报奖励"),
    "plan.cycle": (frozenset({"city_supervisor"}), "设定应急预案的修订和演练周期"),
    "event.report": (frozenset({"safety_officer", "principal"}), "报告突发事件信息"),
    "event.view": (frozenset({"safety_officer", "principal", "inspector", "county_supervisor",
                              "city_supervisor", "city_leader"}), "查看突发事件信息报告"),
    "event.deadlines": (frozenset({"city_supervisor"}), "设定信息报告时限"),
    # the receiving levels acknowledge (签收) reports; which events: visible_events
    "event.acknowledge": (frozenset({"county_supervisor", "city_supervisor", "city_leader"}),
                          "签收信息报告"),
    "consultation.hold": (frozenset({"county_supervisor", "city_supervisor"}), "组织专题会商"),
    "admin": (frozenset(), "管理单位和用户"),
}
# who may record each kind of inspection (admin: all); the unit must be in their scope
RECORDING_ROLES: dict[str, frozenset[str]] = {
    "self": frozenset({"safety_officer", "principal"}) | SUPERVISORY_ROLES,
    "routine": frozenset({"safety_officer", "inspector", "county_supervisor", "city_supervisor"}),
    "special": frozenset({"inspector", "county_supervisor", "city_supervisor"}),
    "supervision": frozenset({"inspector", "county_supervisor", "city_supervisor"}),
    "spot_check": frozenset({"inspector", "city_supervisor"}),
    # the city's and a county's own 暗查暗访 (the city spot-checks what the county's achieved)
    "unannounced": frozenset({"inspector", "county_supervisor", "city_supervisor"}),
    "review": frozenset({"inspector", "county_supervisor", "city_supervisor"}),  # 回头看
}


def allows(actor: Actor, permission: str) -> bool:
    roles, _ = PERMISSIONS[permission]
    return actor.admin or bool(actor.roles & roles)


def require(actor: Actor, permission: str) -> None:
    """Forbidden unless ``actor`` holds ``permission``."""
    if not allows(actor, permission):
        _, what = PERMISSIONS[permission]
        raise Forbidden(f"您没有权限{what} (you may not: {permission})")


def require_any(actor: Actor, roles: Iterable[str], what: str) -> None:
    """Forbidden unless ``actor`` holds one of ``roles`` (for rules finer than a permission)."""
    if not (actor.admin or actor.roles & set(roles)):
        raise Forbidden(f"您没有权限{what} (this needs one of: {', '.join(sorted(roles))})")


def sees_all(actor: Actor) -> bool:
    """Whether ``actor`` looks at the whole city (the city's supervisors and leaders)."""
    return actor.admin or bool(actor.roles & SEE_ALL_ROLES)


def supervises(actor: Actor) -> bool:
    """Whether ``actor`` looks at units from above (inspectors, county and city roles)."""
    return actor.admin or bool(actor.roles & SUPERVISORY_ROLES)


def may_share_with(actor: Actor, role: str) -> bool:
    """Whether ``actor`` may share a saved filter with everyone holding ``role``."""
    return actor.admin or role in actor.roles


def shared_with(actor: Actor, role_column: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows shared with a role ``actor`` holds (``role_column`` names the role)."""
    return role_column.in_(sorted(actor.roles) or [""])


# -- scope: the units an actor works at or oversees -------------------------------------------

def held_units(actor: Actor, roles: Iterable[str] | None = None) -> set[str]:
    """Codes of the units where ``actor`` holds a role (one of ``roles``, when given)."""
    wanted = None if roles is None else frozenset(roles)
    return {u for r, u in actor.grants if u and (wanted is None or r in wanted)}


def staff_units(actor: Actor) -> list[str]:
    """Codes of the units where ``actor`` is on the staff (:data:`STAFF_ROLES`)."""
    return [u for r, u in actor.grants if u and r in STAFF_ROLES]


def within_held_units(column: ColumnElement[Any], actor: Actor, *,
                      roles: Iterable[str] | None = None,
                      name: str = "held_units") -> ColumnElement[bool]:
    """``column`` (a unit id) names a unit at or below one where ``actor`` holds a role (one
    of ``roles``); nothing for an actor with none. ``name``: the subtree's CTE name, unique
    within one statement."""
    codes = held_units(actor, roles)
    return column.in_(subtree_ids(codes, name)) if codes else sa.false()


def unit_scope_clause(column: ColumnElement[Any], actor: Actor,
                      name: str = "unit_scope") -> ColumnElement[bool]:
    """``column`` (a unit id) names a unit ``actor`` oversees: every unit for the city and
    admins, else those at or below the actor's units."""
    return sa.true() if sees_all(actor) else within_held_units(column, actor, name=name)


def units_in_scope(conn: Connection, actor: Actor) -> set[str]:
    """Codes of every unit at or below a unit where ``actor`` holds a role (an admin holds
    none by being one)."""
    return set(conn.execute(sa.select(unit.c.code).where(
        within_held_units(unit.c.id, actor, name="scope"))).scalars())


def units_overseen(conn: Connection, actor: Actor) -> set[str] | None:
    """:func:`units_in_scope`, or None when ``actor`` oversees every unit (:func:`sees_all`)."""
    return None if sees_all(actor) else units_in_scope(conn, actor)


def counties_overseen(conn: Connection, actor: Actor) -> set[str] | None:
    """County codes ``actor`` oversees from a supervisory role; None: all of them."""
    if sees_all(actor):
        return None
    rows = conn.execute(sa.select(unit.c.code, unit.c.county_code).where(
        unit.c.code.in_(sorted(held_units(actor, SUPERVISORY_ROLES)))))
    return {county or code for code, county in rows}


def home_body(conn: Connection, actor: Actor) -> str | None:
    """The body whose incoming reports ``actor`` reads first: the city for who sees all, else
    the one county-level body (its own supervising county) where they hold a role; None when
    there is none or several."""
    if sees_all(actor):
        return city_unit(conn).code
    bodies = set(conn.execute(sa.select(unit.c.code).where(
        unit.c.code.in_(sorted(held_units(actor))), unit.c.county_code == unit.c.code))
        .scalars())
    return bodies.pop() if len(bodies) == 1 else None


def staff_at_or_above(conn: Connection, actor: Actor, unit_code: str) -> bool:
    """Whether ``actor`` is on the staff (:data:`STAFF_ROLES`) of the unit or a unit above."""
    codes = {unit_code, *(u.code for u in ancestors(conn, unit_code))}
    return any(r in STAFF_ROLES and u in codes for r, u in actor.grants)


def require_unit_in_scope(conn: Connection, actor: Actor, unit_code: str, what: str) -> None:
    """Forbidden unless ``unit_code`` is at or below a unit where ``actor`` holds a role
    (admins: every unit); ``what`` says in Chinese what the actor tried."""
    if actor.admin:
        return
    inside = conn.execute(sa.select(unit.c.id).where(
        unit.c.code == unit_code,
        within_held_units(unit.c.id, actor, name="policy_scope"))).first()
    if not inside:
        raise Forbidden(f"单位 {unit_code} 不在您的范围内，您不能{what} "
                        f"(unit {unit_code} is outside your units)")


def acting_body(conn: Connection, actor: Actor, unit_code: str, *,
                own_finding: bool = False) -> tuple[str, str]:
    """(level, unit code) of the body in whose name ``actor`` acts on a hazard of
    ``unit_code``: ``county`` for a supervisory role at the unit's supervising body (its
    县区卫健委 or 开发区卫健办; the 市卫健委 for a city-direct unit), ``city`` for one at the
    city commission above a county, else ``unit`` (the unit itself; also ``own_finding``,
    the unit's self-inspection, whoever records it)."""
    if not own_finding:
        above = held_units(actor, SUPERVISORY_ROLES)
        supervising = county_of(conn, unit_code)
        if supervising.code in above:
            return "county", supervising.code
        city = city_unit(conn)
        if city.code in above:
            return "city", city.code
    return "unit", unit_code


# Who signs (签发) a document for the body it speaks for (workflows/documents.py): a
# commission's 指令书 and 复查意见书 by its supervisors, held at the commission itself (not
# its inspectors, who are named on it with their 执法证号; not a higher body; not an
# administrator); a unit's own 通知单 and 验收单 by its principal or safety officer.
SIGNING_ROLES: dict[bool, frozenset[str]] = {
    True: frozenset({"county_supervisor", "city_supervisor"}),
    False: frozenset({"principal", "safety_officer"}),
}


def may_sign_for(actor: Actor, body_code: str, *, regulator: bool) -> bool:
    """Whether ``actor`` signs documents for the body ``body_code`` (a commission when
    ``regulator``, else a unit): one of :data:`SIGNING_ROLES` held at that very unit."""
    roles = SIGNING_ROLES[regulator]
    return any(r in roles and u == body_code for r, u in actor.grants)


# who may say a finding came from an unannounced visit (暗查暗访): those who inspect from above
UNANNOUNCED_ROLES = frozenset({"inspector", "county_supervisor", "city_supervisor"})


def may_report_unannounced(conn: Connection, actor: Actor, unit_code: str) -> bool:
    """Whether ``actor`` may register a hazard of ``unit_code`` as found in an unannounced
    visit (暗查暗访): only an inspector or supervisor of a commission above the unit (its
    县区卫健委 or 开发区卫健办, or the 市卫健委; a 卫生监督所's, which acts for its commission).
    A unit's own staff never may: the source would hide their own report from their unit."""
    above = {u.code for u in ancestors(conn, unit_code) if u.kind in COMMISSION_KINDS}
    return any(r in UNANNOUNCED_ROLES and u in above for r, u in actor.grants)


def may_publish(conn: Connection, actor: Actor, unit_code: str, body_code: str | None) -> bool:
    """Whether ``actor`` may publish an inspection of ``unit_code`` made in the name of
    ``body_code``: the city's 综合监督科 (``campaign.manage``), or a county supervisor acting
    for that body (a county publishes its own 暗访)."""
    if allows(actor, "campaign.manage"):
        return True
    return body_code is not None and "county_supervisor" in actor.roles \
        and acting_body(conn, actor, unit_code)[1] == body_code


def require_may_publish(conn: Connection, actor: Actor, unit_code: str,
                        body_code: str | None) -> None:
    """Forbidden unless :func:`may_publish`."""
    if not may_publish(conn, actor, unit_code, body_code):
        raise Forbidden("您没有权限公开该检查的发现 (you may not publish this inspection: "
                        "the city or the body that made it)")


def require_may_record(actor: Actor, kind: str, what: str) -> None:
    """Forbidden unless ``actor`` holds a role that records inspections of ``kind``."""
    require_any(actor, RECORDING_ROLES[kind], what)


# Who keeps a unit's duty roster (值班表, workflows/duty.py), held at that very unit: at a
# commission (县区卫健委、开发区卫健办、市卫健委) its supervisors, who run its office's 值班; at
# any other unit its safety officer (单位安全管理员 keeps the rosters) or principal. Reading
# follows the ledger's scope (require_unit_in_scope, unit_scope_clause).
ROSTER_KEEPERS: dict[bool, frozenset[str]] = {
    True: frozenset({"county_supervisor", "city_supervisor"}),
    False: frozenset({"safety_officer", "principal"}),
}


def roster_keepers(unit_kind: str) -> frozenset[str]:
    """The roles that keep the roster of a unit of ``unit_kind`` (held at the unit)."""
    return ROSTER_KEEPERS[unit_kind in COMMISSION_KINDS]


def may_keep_roster(actor: Actor, unit_code: str, unit_kind: str) -> bool:
    """Whether ``actor`` edits the unit's roster and approves its swaps (admins: all)."""
    roles = roster_keepers(unit_kind)
    return actor.admin or any(r in roles and u == unit_code for r, u in actor.grants)


def require_may_keep_roster(actor: Actor, unit_code: str, unit_kind: str) -> None:
    if not may_keep_roster(actor, unit_code, unit_kind):
        raise Forbidden(f"您不是单位 {unit_code} 的值班表管理人员，不能编排或审批 "
                        f"(only the unit's roster keepers may: "
                        f"{', '.join(sorted(roster_keepers(unit_kind)))})")


# -- visibility --------------------------------------------------------------------------

def _unannounced_rule(unit_id: ColumnElement[Any], visible_to_unit: ColumnElement[Any],
                      actor: Actor, name: str) -> ColumnElement[bool]:
    """Rows about a unit (``unit_id``) seen from above, or from inside unless the row is an
    unpublished unannounced finding (``visible_to_unit`` false) about the actor's own unit."""
    if actor.admin:
        return sa.true()
    clauses = [within_held_units(unit_id, actor, roles=SUPERVISORY_ROLES, name=f"{name}_above")]
    inside = held_units(actor, UNIT_LEVEL_ROLES)
    if inside:
        own_units = sa.select(unit.c.id).where(unit.c.code.in_(sorted(inside)))
        clauses.append(sa.and_(
            within_held_units(unit_id, actor, roles=UNIT_LEVEL_ROLES, name=f"{name}_inside"),
            sa.or_(visible_to_unit.is_(True), unit_id.not_in(own_units))))
    return sa.or_(sa.false(), *clauses)


def visible_hazards(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause on ``hazard`` keeping the rows ``actor`` may see."""
    return _unannounced_rule(hazard.c.unit_id, hazard.c.visible_to_unit, actor, "seen_from")


def visible_inspections(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause on ``inspection``: the hazards' rule (an unpublished unannounced
    visit is hidden from the unit-level staff of the unit it visited)."""
    return _unannounced_rule(inspection.c.unit_id, inspection.c.visible_to_unit, actor,
                             "insp")


def visible_hazard_rows(actor: Actor) -> ColumnElement[bool]:
    """Rows outer-joined with ``hazard`` (the monitor, repairs, escalations, extensions):
    the city and admins see every row; everyone else the rows of hazards they may see
    (:func:`visible_hazards`) and none without a hazard."""
    if sees_all(actor):
        return sa.true()
    return sa.and_(hazard.c.id.is_not(None), visible_hazards(actor))


def candidate_match(actor: Actor) -> ColumnElement[bool]:
    """The ``task_candidate`` rows naming ``actor``: as a user, or a role they hold (at the
    unit they hold it, or at no unit)."""
    clauses: list[ColumnElement[bool]] = [task_candidate.c.role == f"user:{actor.id}"]
    for role, unit_code in actor.grants:
        clauses.append(sa.and_(task_candidate.c.role == role, task_candidate.c.unit.is_(None)))
        if unit_code is not None:
            clauses.append(sa.and_(task_candidate.c.role == role,
                                   task_candidate.c.unit == unit_code))
    return sa.or_(*clauses)


def visible_cases(actor: Actor, case_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """The WHERE clause keeping the rows whose ``case_id`` (a column or expression naming a
    ``process_case``, e.g. ``notification.c.case_id``) is a case ``actor`` may see: the one
    case rule, in SQL, for every read path about cases (:func:`case_visible`, notifications).

    City roles and admins see every case; a hazard case is seen through
    :func:`visible_hazards` (so an unannounced-visit finding stays hidden from its unit until
    published); a unit's report by whoever holds a role at that unit or above it (its
    safety officer and principal, its county, the city); an event's information report
    and a consultation's action by whoever holds a role at the event's unit or the
    consultation's commission or above; any other case by who started it or has, had or
    may claim one of its tasks.
    A NULL ``case_id`` is no case: rows about no case are the caller's to keep or drop.
    ``case_id`` must not be a column of ``hazard`` or ``human_task`` themselves."""
    if sees_all(actor):
        return case_id.is_not(None)
    hazard_of = sa.select(hazard.c.id).where(hazard.c.case_id == case_id) \
        .correlate_except(hazard)
    started = process_case.alias("started_case")
    worked = sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id,
        sa.or_(human_task.c.assignee == actor.id, human_task.c.completed_by == actor.id,
               human_task.c.id.in_(sa.select(task_candidate.c.human_task_id)
                                   .where(candidate_match(actor))))).correlate_except(human_task)
    reported = sa.select(unit_report.c.id).where(
        unit_report.c.case_id == case_id,
        within_held_units(unit_report.c.unit_id, actor, name="report_scope")) \
        .correlate_except(unit_report)
    event = sa.select(info_event.c.id).where(
        info_event.c.case_id == case_id,
        within_held_units(info_event.c.unit_id, actor, name="event_scope")) \
        .correlate_except(info_event)
    action = sa.select(consultation_action.c.id).select_from(consultation_action.join(
        consultation, consultation.c.id == consultation_action.c.consultation_id)).where(
        consultation_action.c.case_id == case_id,
        within_held_units(consultation.c.body_id, actor, name="action_scope")) \
        .correlate_except(consultation_action, consultation)
    others = [sa.exists().where(started.c.id == case_id, started.c.started_by == actor.id),
              worked.exists(), reported.exists(), event.exists(), action.exists()]
    return sa.or_(hazard_of.where(visible_hazards(actor)).exists(),
                  sa.and_(~hazard_of.exists(), sa.or_(*others)))


def visible_notifications(user_id: int, actor: Actor,
                          exclusions: Sequence[Exclusion]) -> ColumnElement[bool]:
    """Rows of ``notification`` for the user and the (role, unit) groups they belong to,
    about no case or a case ``actor`` (the user) may see (:func:`visible_cases`), and about
    no task the user may not do: a task's notices go to its candidates minus those excluded
    from it by separation of duties (``exclusions``, the engine's: the rule that keeps the
    task out of their inbox), so a group notice about the verification does not reach the
    rectifier who holds the verifier's role too."""
    clauses: list[ColumnElement[bool]] = [notification.c.user_id == user_id]
    for role, code in sorted(set(actor.grants), key=lambda g: (g[0], g[1] or "")):
        group: ColumnElement[bool] = notification.c.unit_id.is_(None)
        if code is not None:
            group = sa.or_(group, notification.c.unit_id == sa.select(unit.c.id).where(
                unit.c.code == code).scalar_subquery())
        clauses.append(sa.and_(notification.c.role == role, group))
    visible = sa.and_(sa.or_(sa.false(), *clauses),
                      sa.or_(notification.c.case_id.is_(None),
                             visible_cases(actor, notification.c.case_id)))
    barred = excluded_from_task(notification.c.task_id, exclusions, actor.id)
    return visible if barred is None else sa.and_(visible, sa.not_(barred))


def case_visible(conn: Connection, actor: Actor, case_id: int) -> bool:
    """Whether the case exists and ``actor`` may see it (:func:`visible_cases`)."""
    return conn.execute(sa.select(process_case.c.id).where(
        process_case.c.id == case_id, visible_cases(actor, process_case.c.id))).first() \
        is not None


def require_visible_case(conn: Connection, actor: Actor, case_id: int) -> None:
    if not case_visible(conn, actor, case_id):
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)",
                       case_id=case_id)


def visible_case_of_task(conn: Connection, actor: Actor, task_id: int) -> int | None:
    """The case of a human task, if the task exists and ``actor`` may see its case; acting
    on a task someone may not see must look exactly like acting on one that does not exist."""
    case_id = conn.execute(sa.select(human_task.c.case_id)
                           .where(human_task.c.id == task_id)).scalar()
    if case_id is None or not case_visible(conn, actor, case_id):
        return None
    return int(case_id)


def require_visible_task(conn: Connection, actor: Actor, task_id: int) -> int:
    """The task's case id; NotFound unless the task exists and its case is visible."""
    case_id = visible_case_of_task(conn, actor, task_id)
    if case_id is None:
        raise NotFound(f"任务 {task_id} 不存在 (task {task_id} does not exist)",
                       task_id=task_id)
    return case_id


def require_visible_incident(conn: Connection, actor: Actor, incident_id: int) -> int:
    case_id = conn.execute(sa.select(incident.c.case_id)
                           .where(incident.c.id == incident_id)).scalar()
    if case_id is None or not case_visible(conn, actor, case_id):
        raise NotFound(f"故障 {incident_id} 不存在 (incident {incident_id} does not exist)")
    return int(case_id)


def require_visible_draw(conn: Connection, actor: Actor, draw_id: int) -> None:
    """NotFound unless the spot-check draw exists and ``actor`` may see it: the city sees
    every draw, everyone else only published ones (the sample is kept from the units)."""
    found = conn.execute(sa.select(spot_check_draw.c.published_at)
                         .where(spot_check_draw.c.id == draw_id)).first()
    if found is None or (found.published_at is None and not sees_all(actor)):
        raise NotFound(f"抽查 {draw_id} 不存在 (spot-check draw {draw_id} does not exist)")


# -- public reports (举报投诉) --------------------------------------------------------------

# who works on the reports about a unit: its county's triage desk and supervisors (and the
# inspectors who verify on site), the city's 综合监督科 for every unit
REPORT_ROLES = frozenset({"report_triage", "county_supervisor", "inspector"})
# who may read a reporter's contact details: only this role, held at the report's county
CONTACT_ROLE = "report_triage"


def visible_reports(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause on ``public_report``: the city's supervisors see every report; the
    triage desk, supervisors and inspectors of a body the reports about units below it. A
    unit's own staff never see the report (only the hazard opened from it, if any)."""
    if actor.admin or "city_supervisor" in actor.roles:
        return sa.true()
    return within_held_units(public_report.c.unit_id, actor, roles=REPORT_ROLES,
                             name="report_scope")


def require_visible_report(conn: Connection, actor: Actor, report_id: int) -> None:
    """NotFound unless the report exists and ``actor`` may see it."""
    found = conn.execute(sa.select(public_report.c.id).where(
        public_report.c.id == report_id, visible_reports(actor))).first()
    if found is None:
        raise NotFound(f"举报 {report_id} 不存在 (report {report_id} does not exist)")


def may_see_contact(actor: Actor, county_code: str | None) -> bool:
    """Whether ``actor`` may read the contact details of a report about a unit whose
    supervising body is ``county_code``: the triage role held at that very body, nobody
    else (not the unit, not the city, not an administrator)."""
    return county_code is not None and (CONTACT_ROLE, county_code) in actor.grants


# -- ledger imports (台账导入) ---------------------------------------------------------------

# who brings a unit's Excel ledger in: whoever orders its rectifications (the lifecycle's
# 下达整改通知 step, which the import completes in their name): the unit's safety officer, or
# a supervisor of its county-level body
IMPORT_ROLES = frozenset({"safety_officer", "county_supervisor"})


def require_may_import(actor: Actor) -> None:
    """Forbidden unless ``actor`` holds a role that imports ledgers (:data:`IMPORT_ROLES`)."""
    if not actor.roles & IMPORT_ROLES:
        raise Forbidden("您没有权限导入隐患台账：须为单位安全管理员或县区卫健委监管人员 "
                        "(importing a ledger needs a safety officer or county supervisor)")


def may_import_for(conn: Connection, actor: Actor, unit_code: str) -> bool:
    """Whether ``actor`` imports hazards of ``unit_code``: its own safety officer, or a
    supervisor at its supervising county-level body."""
    if ("safety_officer", unit_code) in actor.grants:
        return True
    return ("county_supervisor", county_of(conn, unit_code).code) in actor.grants


def visible_imports(actor: Actor, created_by: ColumnElement[Any]) -> ColumnElement[bool]:
    """The imports ``actor`` may look at: their own (the city's supervisors: all)."""
    return sa.true() if sees_all(actor) else created_by == actor.id


# Who keeps a unit's readiness records on the one map (应急一张图: its emergency teams,
# supply depots, major hazard sources and its own place): its roster keepers, held at the
# unit (ROSTER_KEEPERS), or a county or city supervisor above it. Every signed-in user reads
# them: the map is there so that every unit knows where help and danger are. The hazards on
# the map follow visible_hazards like every other read path.
def may_keep_emergency(conn: Connection, actor: Actor, unit_code: str, unit_kind: str) -> bool:
    if may_keep_roster(actor, unit_code, unit_kind):
        return True
    above = {u.code for u in ancestors(conn, unit_code)}
    return any(r in ROSTER_KEEPERS[True] and u in above for r, u in actor.grants)


def require_may_keep_emergency(conn: Connection, actor: Actor, unit_code: str,
                               unit_kind: str) -> None:
    if not may_keep_emergency(conn, actor, unit_code, unit_kind):
        raise Forbidden(f"您不能维护单位 {unit_code} 的应急资源 (only the unit's keepers or a "
                        f"supervising commission may keep its emergency records)")


# Who keeps a unit's emergency plans (应急预案, workflows/emergency_plans.py): the keepers of
# its roster, held at the unit (ROSTER_KEEPERS: its safety officer or principal; a
# commission's supervisors for the commission's own plans). A supervising commission above
# (its county, the city) reads them, files them (the filing task names county_supervisor@county)
# and may ask for a revision; reading follows unit_scope_clause.
def may_keep_plans(actor: Actor, unit_code: str, unit_kind: str) -> bool:
    return may_keep_roster(actor, unit_code, unit_kind)


def require_may_keep_plans(actor: Actor, unit_code: str, unit_kind: str) -> None:
    if not may_keep_plans(actor, unit_code, unit_kind):
        raise Forbidden(f"您不能编制单位 {unit_code} 的应急预案或登记其演练 (only the unit's "
                        f"safety officer or principal may)")


def require_may_trigger_revision(conn: Connection, actor: Actor, unit_code: str,
                                 unit_kind: str) -> None:
    """The unit's keepers, or a supervisor of a commission above it."""
    if not may_keep_emergency(conn, actor, unit_code, unit_kind):
        raise Forbidden(f"您不能要求修订单位 {unit_code} 的应急预案 (only the unit's keepers or a "
                        f"supervising commission may)")


# -- information reports (信息报告) and risk consultations (专题会商) ----------------------

LEADER_ONLY = frozenset({"city_leader"})


def visible_events(actor: Actor, leader_levels: Iterable[str]) -> ColumnElement[bool]:
    """The WHERE clause on ``info_event``: the city's supervisors see every event; the city's
    leaders every event of the levels that go to them (``leader_levels``); everyone else the
    events of the units at or below theirs (a county its area, a unit its own)."""
    if actor.admin or "city_supervisor" in actor.roles:
        return sa.true()
    mine = within_held_units(info_event.c.unit_id, actor, roles=actor.roles - LEADER_ONLY,
                             name="event_units")
    if actor.roles & LEADER_ONLY:
        return sa.or_(info_event.c.level.in_(sorted(leader_levels)), mine)
    return mine


def visible_consultations(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause on ``consultation``: sessions of the bodies at or below the actor's
    units (the city: all), and those where the actor owns an action."""
    owned = sa.select(consultation_action.c.id).where(
        consultation_action.c.consultation_id == consultation.c.id,
        consultation_action.c.owner == actor.id).correlate_except(consultation_action)
    return sa.or_(unit_scope_clause(consultation.c.body_id, actor, name="consult_scope"),
                  owned.exists())


CONSULTATION_ROLES = frozenset({"county_supervisor", "city_supervisor"})


def consultation_bodies(actor: Actor) -> set[str]:
    """The units where ``actor`` supervises: the commissions they hold sessions for."""
    return held_units(actor, CONSULTATION_ROLES)


def may_hold_consultation(actor: Actor, body_code: str) -> bool:
    """Whether ``actor`` holds sessions for the commission ``body_code`` (its county or city
    supervisors; admins)."""
    return allows(actor, "consultation.hold") and (
        actor.admin or body_code in consultation_bodies(actor))


def require_may_hold_consultation(actor: Actor, body_code: str) -> None:
    """Forbidden unless :func:`may_hold_consultation`."""
    require(actor, "consultation.hold")
    if not may_hold_consultation(actor, body_code):
        raise Forbidden(f"您不能以 {body_code} 的名义组织会商 "
                        f"(you do not supervise for {body_code})")


# -- 回头看 (look-back) ------------------------------------------------------------------

LOOKBACK_READERS = frozenset({"county_supervisor", "city_supervisor", "inspector"})


def lookback_setter_role(body_kind: str) -> str:
    """Who sets a commission's sample rule: the city's supervisors for the city, a county's
    for its own units."""
    return "city_supervisor" if body_kind == "city_commission" else "county_supervisor"


def may_set_lookback_rule(actor: Actor, body_code: str, body_kind: str) -> bool:
    return (lookback_setter_role(body_kind), body_code) in set(actor.grants)


def require_may_set_lookback_rule(actor: Actor, body_code: str, body_kind: str) -> None:
    if not may_set_lookback_rule(actor, body_code, body_kind):
        raise Forbidden(f"您不能设定 {body_code} 的回头看抽样规则：市卫健委为全市设定，县区卫健委为"
                        f"本辖区设定 (only the body's own supervisors set its sample rule)")


def lookback_bodies(actor: Actor) -> set[str] | None:
    """The commissions whose rounds ``actor`` reads (None: all, for the city's roles)."""
    return None if sees_all(actor) else held_units(actor, LOOKBACK_READERS)
