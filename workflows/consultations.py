"""Risk analysis and consultations (专题会商) with follow-up actions in the owners' inboxes.

The notice asks each addressee to analyse risks regularly and hold 专题会商. A commission
(the city, or a county-level body for its area) records a session, scheduled (定期) or ad
hoc (专题): topics, participants, decisions, and the figures of the dashboards *as they
stood at the session* (:func:`figures`: overdue hazards, open majors, 挂牌督办, open events
and their late reports, open public reports), frozen into the record so the minutes keep
what the meeting looked at.

Each follow-up action has an owner and a deadline and is one small case
(bpmn/consultation_action.bpmn, designer-editable): its user task is assigned to the
owner (``camunda:assignee="${owner}"``) with the deadline as due date, so it sits in their
inbox; a boundary timer at the deadline fires ``consultation.overdue`` (the owner and the
commission's supervisors are told), and completing the task fires ``consultation.done``
(the action's outcome recorded, the action done). One case per action (rather than one
per session with a multi-instance) keeps each action's due date, overdue notice and
history its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import (
    Actor,
    Conflict,
    Detail,
    Engine,
    InvalidInput,
    NotFound,
    ServiceCall,
)
from hazardflow.engine.db import new_id

from . import dashboard
from .calendar import BusinessCalendar
from .notifications import add_notification
from .phrases import phrase
from .roles import COMMISSION_KINDS
from .schema import app_user, hazard, unit, user_role
from .schema_consultations import consultation, consultation_action
from .schema_events import info_event
from .schema_reports import public_report
from .schema_supervision import supervision_listing
from .units import Unit, get_unit_by_code, subtree_ids

PROCESS = "consultation_action"
SESSION_KINDS: dict[str, str] = {"scheduled": "定期会商", "ad_hoc": "专题会商"}
SESSION_STATUSES: dict[str, str] = {"planned": "已安排", "due": "待召开", "held": "已召开"}
WAITING = ("planned", "due")  # arranged and not held yet (due: its time is near or past)
ACTION_STATUSES: dict[str, str] = {"open": "落实中", "done": "已落实"}
FIGURES: dict[str, str] = {"overdue": "超期未整改隐患", "majors_open": "未销号重大隐患",
                           "listed": "挂牌督办隐患", "events_open": "未终报突发事件",
                           "events_late": "报告超时事件", "reports_open": "未办结群众举报"}


@dataclass(frozen=True)
class Action:
    title: str
    owner: str
    due_on: date


def _counties(conn: Connection, body: Unit) -> set[str] | None:
    """The county codes a body's figures cover: None (all) for the city."""
    return None if body.kind == "city_commission" else {body.county_code or body.code}


def _scoped(column: Any, counties: set[str] | None) -> list[Any]:
    return [] if counties is None else [column.in_(sorted(counties))]


def figures(conn: Connection, body: Unit, now: datetime,
            calendar: BusinessCalendar) -> dict[str, Any]:
    """The dashboards' figures for the body's area now (the city: everywhere)."""
    counties = _counties(conn, body)
    today = calendar.today(now)
    overdue = dashboard._overdue(conn, counties, today)  # the dashboard's own count

    def count(query: Any) -> int:
        return int(conn.execute(query).scalar_one())

    majors = sa.select(sa.func.count()).select_from(hazard).where(
        hazard.c.level == "major", hazard.c.status == "open",
        *_scoped(hazard.c.county_code, counties))
    listed = sa.select(sa.func.count()).select_from(
        supervision_listing.join(hazard, hazard.c.id == supervision_listing.c.hazard_id)).where(
        supervision_listing.c.delisted_at.is_(None), hazard.c.status == "open",
        *_scoped(hazard.c.county_code, counties))
    events = sa.select(sa.func.count()).select_from(info_event).where(
        info_event.c.status == "open", *_scoped(info_event.c.county_code, counties))
    late = events.where(sa.or_(info_event.c.first_overdue, info_event.c.final_overdue,
                               info_event.c.final_due_at < now))
    reports = sa.select(sa.func.count()).select_from(public_report).where(
        public_report.c.status != "closed", *_scoped(public_report.c.county_code, counties))
    return {"at": now.isoformat(), "day": today.isoformat(), "overdue": overdue["total"],
            "overdue_by_county": overdue["by_county"], "majors_open": count(majors),
            "listed": count(listed), "events_open": count(events), "events_late": count(late),
            "reports_open": count(reports)}


def parse_actions(rows: Sequence[Any], conn: Connection,
                  check_due: Callable[[Any, str], date]) -> list[Action]:
    """Each action's title, owner (an active user) and deadline, checked by ``check_due``
    (the one deadline rule, :func:`~hazardflow.workflows.deadlines.check_deadline`, with the
    field's name)."""
    out = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InvalidInput(f"第 {n} 项事项格式有误 (action {n} must be an object)")
        title = str(row.get("title") or "").strip()[:2000]
        owner = str(row.get("owner") or "").strip()
        if not title:
            raise InvalidInput(f"第 {n} 项事项内容不能为空 (action {n} needs a title)")
        active = conn.execute(sa.select(app_user.c.id).where(
            app_user.c.username == owner, app_user.c.active.is_(True))).first()
        if active is None:
            raise InvalidInput(f"第 {n} 项事项的责任人不是可用的用户 (action {n}: owner "
                               f"{owner!r} is not an active user)")
        due_on = check_due(row.get("due_on"), f"actions[{n}].due_on")
        out.append(Action(title, owner, due_on))
    return out


def hold(conn: Connection, engine: Engine, actor: Actor, *, body_code: str, kind: str,
         title: str, held_at: datetime, place: str, topics: str, participants: list[str],
         decisions: str, actions: list[Action], frozen: dict[str, Any], now: datetime) -> int:
    """Record a session with its frozen figures and start one case per action; its id."""
    session_id = plan(conn, actor, body_code=body_code, kind=kind, title=title,
                      held_at=held_at, place=place, topics=topics, participants=participants,
                      now=now)
    hold_planned(conn, engine, actor, session_id, decisions=decisions, actions=actions,
                 frozen=frozen, now=now)
    return session_id


def plan(conn: Connection, actor: Actor, *, body_code: str, kind: str, title: str,
         held_at: datetime, place: str, topics: str, participants: list[str],
         now: datetime) -> int:
    """Arrange a session ahead (``held_at``: when it is to be held); its id."""
    body = require_body(conn, body_code)
    return new_id(conn.execute(sa.insert(consultation).values(
        body_id=body.id, kind=kind, status="planned", title=title, held_at=held_at,
        place=place, topics=topics, participants=json.dumps(participants, ensure_ascii=False),
        decisions="", figures="{}", created_by=actor.id, created_at=now)))


def hold_planned(conn: Connection, engine: Engine, actor: Actor, session_id: int, *,
                 decisions: str, actions: list[Action], frozen: dict[str, Any],
                 now: datetime) -> None:
    """Hold an arranged session now: its decisions and figures recorded, one case started
    per action (Conflict when it was held already)."""
    body_code = conn.execute(
        sa.select(unit.c.code).join(consultation, consultation.c.body_id == unit.c.id)
        .where(consultation.c.id == session_id, consultation.c.status.in_(WAITING))).scalar()
    if body_code is None:
        raise Conflict(f"会商 {session_id} 已召开 (consultation {session_id} was held already)")
    conn.execute(sa.update(consultation).where(consultation.c.id == session_id).values(
        status="held", held_at=now, decisions=decisions,
        figures=json.dumps(frozen, ensure_ascii=False)))
    definition = engine.definition(conn, PROCESS)
    for n, action in enumerate(actions, 1):
        started = engine.start_case_within(
            conn, definition, {"consultation_id": session_id, "title": action.title,
                               "owner": action.owner, "due_on": action.due_on.isoformat(),
                               "unit_code": body_code},
            actor, business_key=f"consultation-{session_id}-{n}", now=now)
        conn.execute(sa.insert(consultation_action).values(
            consultation_id=session_id, case_id=started.case_id, title=action.title,
            owner=action.owner, due_on=action.due_on, status="open"))


def people(conn: Connection, body_codes: set[str], limit: int = 500) -> list[dict[str, str]]:
    """The active people holding a role at the bodies or the units below them (who may take
    part in a session or own an action), by unit and name, with their unit's name."""
    if not body_codes:
        return []
    rows = conn.execute(
        sa.select(app_user.c.username, app_user.c.display_name, unit.c.name.label("unit_name"))
        .select_from(user_role.join(app_user, app_user.c.id == user_role.c.user_id)
                     .join(unit, unit.c.id == user_role.c.unit_id))
        .where(app_user.c.active.is_(True), user_role.c.unit_id.in_(subtree_ids(body_codes)))
        .order_by(unit.c.code, app_user.c.display_name).limit(limit))
    seen: dict[str, dict[str, str]] = {}
    for r in rows:
        seen.setdefault(r.username, {"username": r.username, "name": r.display_name,
                                     "unit_name": r.unit_name})
    return list(seen.values())


def require_body(conn: Connection, code: str) -> Unit:
    """The commission ``code`` (NotFound for no unit; InvalidInput for a unit that is not a
    commission: sessions are held by the city or a county-level body)."""
    found = get_unit_by_code(conn, code)
    if found is None:
        raise NotFound(f"没有这个单位：{code} (no unit {code!r})")
    if found.kind not in COMMISSION_KINDS:
        raise InvalidInput("会商由市、县区卫健委召开 (a consultation is held by a commission)",
                           [Detail("召开会商的机关有误", field="body_code")])
    return found


def _session_query() -> Any:
    return (sa.select(consultation, unit.c.code.label("body_code"),
                      unit.c.name.label("body_name"))
            .join(unit, unit.c.id == consultation.c.body_id))


def sessions(conn: Connection, where: Any) -> list[dict[str, Any]]:
    """The sessions ``where`` keeps, newest first, with their actions' counts."""
    rows = [dict(r._mapping) for r in conn.execute(
        _session_query().where(where).order_by(consultation.c.held_at.desc()).limit(500))]
    counts: dict[tuple[int, str], int] = {}
    if rows:
        for sid, status, n in conn.execute(
                sa.select(consultation_action.c.consultation_id, consultation_action.c.status,
                          sa.func.count())
                .where(consultation_action.c.consultation_id.in_([r["id"] for r in rows]))
                .group_by(consultation_action.c.consultation_id, consultation_action.c.status)):
            counts[(sid, status)] = int(n)
    for row in rows:
        row.update(kind_name=SESSION_KINDS.get(row["kind"], row["kind"]),
                   status_name=SESSION_STATUSES.get(row["status"], row["status"]),
                   actions_open=counts.get((row["id"], "open"), 0),
                   actions_done=counts.get((row["id"], "done"), 0))
    return rows


def session(conn: Connection, session_id: int, where: Any) -> dict[str, Any]:
    """One session ``where`` keeps, with its figures, participants and actions."""
    row = conn.execute(_session_query().where(consultation.c.id == session_id, where)).first()
    if row is None:
        raise NotFound(f"会商 {session_id} 不存在 (consultation {session_id} does not exist)")
    found = dict(row._mapping)
    found.update(kind_name=SESSION_KINDS.get(found["kind"], found["kind"]),
                 status_name=SESSION_STATUSES.get(found["status"], found["status"]),
                 figures=json.loads(found["figures"]),
                 participants=json.loads(found["participants"]))
    actions = [dict(r._mapping) | {"status_name": ACTION_STATUSES.get(r.status, r.status)}
               for r in conn.execute(sa.select(consultation_action).where(
                   consultation_action.c.consultation_id == session_id)
                   .order_by(consultation_action.c.id))]
    return {"session": found, "actions": actions}


# -- the action's service tasks ------------------------------------------------------------

def _done(call: ServiceCall) -> None:
    """``consultation.done``: the action's outcome recorded, the action done."""
    done = call.conn.execute(sa.update(consultation_action).where(
        consultation_action.c.case_id == call.case_id).values(
        status="done", outcome=str(call.data.get("outcome") or ""), done_by=call.actor.id,
        done_at=call.now)).rowcount
    if not done:
        raise ValueError(f"案件 {call.case_id} 没有会商事项 (case {call.case_id} has no action)")


# what an overdue action's owner and supervisors are told (workflows/phrases.py)
OVERDUE_TEXTS: dict[str, str] = {
    "title": "【会商事项逾期】%(title)s",
    "body": "会商确定的事项“%(title)s”已过完成时限（%(due)s），尚未落实。",
}


def _overdue(call: ServiceCall) -> None:
    """``consultation.overdue``: the owner and the commission's supervisors are told."""
    row = call.conn.execute(sa.select(consultation_action, unit.c.code, unit.c.kind)
                            .join(consultation,
                                  consultation.c.id == consultation_action.c.consultation_id)
                            .join(unit, unit.c.id == consultation.c.body_id)
                            .where(consultation_action.c.case_id == call.case_id)).first()
    if row is None:
        raise ValueError(f"案件 {call.case_id} 没有会商事项 (case {call.case_id} has no action)")
    title = phrase(OVERDUE_TEXTS["title"], title=row.title[:60])
    body = phrase(OVERDUE_TEXTS["body"], title=row.title, due=str(row.due_on))
    owner = call.conn.execute(sa.select(app_user.c.id)
                              .where(app_user.c.username == row.owner)).scalar()
    if owner is not None:
        add_notification(call.conn, kind="consultation_overdue", title=title, body=body,
                         now=call.now, user_id=int(owner), case_id=call.case_id)
    role = "city_supervisor" if row.kind == "city_commission" else "county_supervisor"
    add_notification(call.conn, kind="consultation_overdue", title=title, body=body,
                     now=call.now, grant=(role, row.code), case_id=call.case_id)


def register_consultation_handlers(engine: Engine) -> None:
    engine.handlers.register("consultation.done", _done)
    engine.handlers.register("consultation.overdue", _overdue)
