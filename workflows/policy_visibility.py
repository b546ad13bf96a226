"""Who may see what (the authorisation service's visibility rule, re-exported by
:mod:`hazardflow.workflows.policy`): one rule applied by every read path, as SQL predicates
(:func:`visible_hazards` on ``hazard``, :func:`visible_inspections`, :func:`visible_cases`
for cases that are not hazards, :func:`visible_notifications`) and the checks that make a
thing someone may not see not exist for them (:func:`require_visible_case`,
:func:`require_visible_task`… raise ``NotFound``, never a 403 that would reveal it).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hazardflow.engine import Actor, NotFound
from hazardflow.engine.ownership import Exclusion, excluded_from_task
from hazardflow.engine.schema import human_task, incident, process_case, task_candidate

from .policy_scope import (
    held_units,
    sees_all,
    within_held_units,
)
from .roles import SUPERVISORY_ROLES, UNIT_LEVEL_ROLES
from .schema import hazard, notification, unit
from .schema_campaigns import inspection, spot_check_draw, unit_report
from .schema_consultations import consultation, consultation_action
from .schema_events import info_event

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


@lru_cache(maxsize=512)
def _case_if_visible(actor: Actor) -> sa.Select[Any]:
    """The case (bound ``case_id``) if ``actor`` may see it: built once per actor, since the
    rule is SQL that depends on nothing but the actor (its units' subtrees are CTEs)."""
    return sa.select(process_case.c.id).where(
        process_case.c.id == sa.bindparam("case_id", type_=sa.Integer),
        visible_cases(actor, process_case.c.id))


@lru_cache(maxsize=512)
def _task_case_if_visible(actor: Actor) -> sa.Select[Any]:
    """The case of the task (bound ``task_id``) if ``actor`` may see it, in one statement."""
    of_task = sa.select(human_task.c.case_id).where(
        human_task.c.id == sa.bindparam("task_id", type_=sa.Integer)).scalar_subquery()
    return sa.select(process_case.c.id).where(
        process_case.c.id == of_task, visible_cases(actor, process_case.c.id))


def case_visible(conn: Connection, actor: Actor, case_id: int) -> bool:
    """Whether the case exists and ``actor`` may see it (:func:`visible_cases`)."""
    return conn.execute(_case_if_visible(actor), {"case_id": case_id}).first() is not None


def require_visible_case(conn: Connection, actor: Actor, case_id: int) -> None:
    if not case_visible(conn, actor, case_id):
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)",
                       case_id=case_id)


def visible_case_of_task(conn: Connection, actor: Actor, task_id: int) -> int | None:
    """The case of a human task, if the task exists and ``actor`` may see its case; acting
    on a task someone may not see must look exactly like acting on one that does not exist."""
    case_id = conn.execute(_task_case_if_visible(actor), {"task_id": task_id}).scalar()
    return None if case_id is None else int(case_id)


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
