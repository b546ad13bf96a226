"""Who may do what, and who may see what: the one authorisation service.

Every use-case asks here before it acts; no route, page or API handler decides on its own.

**Permissions** are named actions (``campaign.manage``, ``repair``…) with the roles that
hold them; :func:`require` raises ``Forbidden`` (403) for an actor without one, in Chinese
with the English beside. Admins hold every permission.

**Visibility** is one rule, applied by every read path: :func:`visible_hazards` is the SQL
predicate on the ``hazard`` table (supervisory roles see every unit below the units they
hold a role at, unannounced-visit findings included; unit-level roles see their own units
and those below, but not an unannounced-visit finding about their own unit until it is
published). Spot-check draws are the city's until published (:func:`require_visible_draw`).
:func:`case_visible` extends it to cases that are not hazards. A thing a user
may not see does not exist for them: :func:`require_visible_case` and
:func:`require_visible_task` raise ``NotFound`` (404), never a 403 that would reveal it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hazardflow.engine import Actor, Forbidden, NotFound
from hazardflow.engine.schema import human_task, incident, process_case, task_candidate

from .inbox import candidate_match
from .ledger import visible_unit_filter
from .schema import hazard, unit
from .schema_campaigns import spot_check_draw, unit_report
from .units import subtree_ids

SEE_ALL_ROLES = frozenset({"city_supervisor", "city_leader"})

# permission → (roles that hold it, what it is, in Chinese)
PERMISSIONS: dict[str, tuple[frozenset[str], str]] = {
    "campaign.manage": (frozenset({"city_supervisor"}), "管理专项行动、抽查和考核"),
    "inspection.issue": (frozenset({"inspector", "county_supervisor", "city_supervisor"}),
                         "出具检查的整改通知书和复查意见书"),
    "case.supervise": (frozenset({"county_supervisor", "city_supervisor"}),
                       "向案件发送消息、重试故障"),
    "repair": (frozenset({"county_supervisor", "city_supervisor"}), "修复案件"),
    "design": (frozenset({"designer"}), "设计和部署流程"),
    "monitor": (frozenset({"inspector", "county_supervisor", "city_supervisor", "city_leader"}),
                "查看监控（滞留案件、流程热力、看板、督办）"),
    "monitor.thresholds": (frozenset({"city_supervisor"}), "设置监控的滞留阈值"),
    "admin": (frozenset(), "管理单位和用户"),
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


def require_unit_in_scope(conn: Connection, actor: Actor, unit_code: str, what: str) -> None:
    """Forbidden unless ``unit_code`` is at or below a unit where ``actor`` holds a role
    (admins: every unit); ``what`` says in Chinese what the actor tried."""
    if actor.admin:
        return
    codes = {u for _, u in actor.grants if u}
    inside = bool(codes) and conn.execute(sa.select(unit.c.id).where(
        unit.c.code == unit_code, unit.c.id.in_(subtree_ids(codes, "policy_scope")))).first()
    if not inside:
        raise Forbidden(f"单位 {unit_code} 不在您的范围内，您不能{what} "
                        f"(unit {unit_code} is outside your units)")


# -- visibility --------------------------------------------------------------------------

def visible_hazards(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause on ``hazard`` keeping the rows ``actor`` may see."""
    return visible_unit_filter(actor)


def visible_cases(actor: Actor, case_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """The WHERE clause keeping the rows whose ``case_id`` (a column or expression naming a
    ``process_case``, e.g. ``notification.c.case_id``) is a case ``actor`` may see: the one
    case rule, in SQL, for every read path about cases (:func:`case_visible`, notifications).

    City roles and admins see every case; a hazard case is seen through
    :func:`visible_hazards` (so an unannounced-visit finding stays hidden from its unit until
    published); a unit's report by whoever holds a role at that unit or above it (its
    safety officer and principal, its county, the city); any other case by who started it
    or has, had or may claim one of its tasks.
    A NULL ``case_id`` is no case: rows about no case are the caller's to keep or drop.
    ``case_id`` must not be a column of ``hazard`` or ``human_task`` themselves."""
    if actor.admin or actor.roles & SEE_ALL_ROLES:
        return case_id.is_not(None)
    hazard_of = sa.select(hazard.c.id).where(hazard.c.case_id == case_id) \
        .correlate_except(hazard)
    started = process_case.alias("started_case")
    worked = sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id,
        sa.or_(human_task.c.assignee == actor.id, human_task.c.completed_by == actor.id,
               human_task.c.id.in_(sa.select(task_candidate.c.human_task_id)
                                   .where(candidate_match(actor))))).correlate_except(human_task)
    others = [sa.exists().where(started.c.id == case_id, started.c.started_by == actor.id),
              worked.exists()]
    codes = {u for _, u in actor.grants if u}
    if codes:
        others.append(sa.select(unit_report.c.id).where(
            unit_report.c.case_id == case_id,
            unit_report.c.unit_id.in_(subtree_ids(codes, "report_scope")))
            .correlate_except(unit_report).exists())
    return sa.or_(hazard_of.where(visible_hazards(actor)).exists(),
                  sa.and_(~hazard_of.exists(), sa.or_(*others)))


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


def sees_all(actor: Actor) -> bool:
    """Whether ``actor`` looks at the whole city (the city's supervisors and leaders)."""
    return actor.admin or bool(actor.roles & SEE_ALL_ROLES)


def require_visible_draw(conn: Connection, actor: Actor, draw_id: int) -> None:
    """NotFound unless the spot-check draw exists and ``actor`` may see it: the city sees
    every draw, everyone else only published ones (the sample is kept from the units)."""
    found = conn.execute(sa.select(spot_check_draw.c.published_at)
                         .where(spot_check_draw.c.id == draw_id)).first()
    if found is None or (found.published_at is None and not sees_all(actor)):
        raise NotFound(f"抽查 {draw_id} 不存在 (spot-check draw {draw_id} does not exist)")
