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

The service is written in three modules and asked through this one: the permissions and the
scope in :mod:`~hazardflow.workflows.policy_scope`, the visibility rule in
:mod:`~hazardflow.workflows.policy_visibility` (both re-exported here), and here the rules of
the areas built on them (public reports, ledger imports, emergency readiness, information
reports and consultations, 回头看).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hazardflow.engine import Actor, Forbidden, NotFound

# the rules of the other parts, re-exported: every use-case asks ``policy``
from .policy_scope import (
    PERMISSIONS,
    RECORDING_ROLES,
    ROSTER_KEEPERS,
    SEE_ALL_ROLES,
    SIGNING_ROLES,
    STAFF_ROLES,
    UNANNOUNCED_ROLES,
    acting_body,
    allows,
    counties_overseen,
    held_units,
    home_body,
    may_keep_roster,
    may_publish,
    may_report_unannounced,
    may_share_with,
    may_sign_for,
    require,
    require_any,
    require_may_keep_roster,
    require_may_publish,
    require_may_record,
    require_unit_in_scope,
    roster_keepers,
    sees_all,
    shared_with,
    staff_at_or_above,
    staff_units,
    supervises,
    unit_scope_clause,
    units_in_scope,
    units_overseen,
    within_held_units,
)
from .policy_visibility import (
    candidate_match,
    case_visible,
    require_visible_case,
    require_visible_draw,
    require_visible_incident,
    require_visible_task,
    visible_case_of_task,
    visible_cases,
    visible_hazard_rows,
    visible_hazards,
    visible_inspections,
    visible_notifications,
)

__all__ = [
    "CONSULTATION_ROLES",
    "CONTACT_ROLE",
    "IMPORT_ROLES",
    "LEADER_ONLY",
    "LOOKBACK_READERS",
    "PERMISSIONS",
    "RECORDING_ROLES",
    "REPORT_ROLES",
    "ROSTER_KEEPERS",
    "SEE_ALL_ROLES",
    "SIGNING_ROLES",
    "STAFF_ROLES",
    "UNANNOUNCED_ROLES",
    "acting_body",
    "allows",
    "candidate_match",
    "case_visible",
    "consultation_bodies",
    "counties_overseen",
    "held_units",
    "home_body",
    "lookback_bodies",
    "lookback_setter_role",
    "may_hold_consultation",
    "may_import_for",
    "may_keep_emergency",
    "may_keep_plans",
    "may_keep_roster",
    "may_publish",
    "may_report_unannounced",
    "may_see_contact",
    "may_set_lookback_rule",
    "may_share_with",
    "may_sign_for",
    "require",
    "require_any",
    "require_may_hold_consultation",
    "require_may_import",
    "require_may_keep_emergency",
    "require_may_keep_plans",
    "require_may_keep_roster",
    "require_may_publish",
    "require_may_record",
    "require_may_set_lookback_rule",
    "require_may_trigger_revision",
    "require_unit_in_scope",
    "require_visible_case",
    "require_visible_draw",
    "require_visible_incident",
    "require_visible_report",
    "require_visible_task",
    "roster_keepers",
    "sees_all",
    "shared_with",
    "staff_at_or_above",
    "staff_units",
    "supervises",
    "unit_scope_clause",
    "units_in_scope",
    "units_overseen",
    "visible_case_of_task",
    "visible_cases",
    "visible_consultations",
    "visible_events",
    "visible_hazard_rows",
    "visible_hazards",
    "visible_imports",
    "visible_inspections",
    "visible_notifications",
    "visible_reports",
    "within_held_units",
]
from .schema_consultations import consultation, consultation_action
from .schema_events import info_event
from .schema_reports import public_report
from .units import ancestors, county_of

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
