"""Who may do what, and where (the first part of the authorisation service, re-exported by
:mod:`hazardflow.workflows.policy`, which every use-case asks): the role sets, the named
**permissions** and :func:`require`, and the **scope** of an actor, the units they work at or
oversee, with the finer rules built on it (the body an actor acts for, who signs, who may
report an unannounced visit, publish an inspection, record one, keep a duty roster).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hazardflow.engine import Actor, Forbidden

from .roles import COMMISSION_KINDS, SUPERVISORY_ROLES
from .schema import unit
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
