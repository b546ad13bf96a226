"""Risk consultations (专题会商): hold (record) a session with its figures frozen from the
dashboards and its follow-up actions started as inbox tasks; list sessions; read one.

A county's or the city's supervisors hold sessions in their commission's name
(``consultation.hold``); the sessions of a body are seen by whoever works at or above it,
and by each action's owner. An action is completed from the owner's inbox like any task
(usecases.tasks.complete). One unit of work per call: a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from hazardflow.engine import Actor, Detail, InvalidInput

from .. import consultations, deadlines, policy
from ..runtime import Runtime
from ..units import unit_names
from ..uow import reading, unit_of_work
from ..users import display_names

MAX_ACTIONS = 50
MAX_PARTICIPANTS = 100


def _text(data: Mapping[str, Any], field: str, what: str, limit: int, *,
          required: bool = True) -> str:
    text = str(data.get(field) or "").strip()
    if (required and not text) or len(text) > limit:
        raise InvalidInput(f"{what}不能为空，最多 {limit} 个字 ({field} is required, at most "
                           f"{limit} characters)", [Detail(f"{what}有误", field=field)])
    return text


def _lists(data: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    participants = data.get("participants") or []
    actions = data.get("actions") or []
    if not isinstance(participants, list) or len(participants) > MAX_PARTICIPANTS \
            or not isinstance(actions, list) or len(actions) > MAX_ACTIONS:
        raise InvalidInput(f"参会人员最多 {MAX_PARTICIPANTS} 人，事项最多 {MAX_ACTIONS} 项 "
                           "(participants and actions must be lists)")
    return [str(p) for p in participants], actions


def _planned_at(rt: Runtime, data: Mapping[str, Any]) -> datetime | None:
    """When an arranged session is to be held (business time), or None: held now."""
    text = str(data.get("planned_at") or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("会商时间须为日期时间，如 2026-11-20T09:00 (planned_at must be a "
                           "date-time)", [Detail("会商时间格式有误", field="planned_at")]) from None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=rt.calendar.tz)
    if not rt.now() < aware < rt.now() + timedelta(days=366):
        raise InvalidInput("会商时间须在今后一年内 (planned_at must be within the next year)",
                           [Detail("会商时间须在今后一年内", field="planned_at")])
    return aware


def hold_consultation(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> int:
    """Record a session of ``data["body_code"]`` held now, freeze the dashboards' figures of
    its area into it, and start one inbox task per action; or, with ``planned_at``, arrange
    it for that time (decisions, figures and actions come when it is held:
    :func:`hold_planned`). Its id."""
    body_code = _text(data, "body_code", "召开会商的机关", 64)
    kind = data.get("kind") or "ad_hoc"
    if kind not in consultations.SESSION_KINDS:
        raise InvalidInput("会商类型须为定期会商或专题会商 (kind must be scheduled or ad_hoc)",
                           [Detail("会商类型有误", field="kind")])
    participants, actions = _lists(data)
    fields = {"title": _text(data, "title", "会商名称", 200),
              "place": _text(data, "place", "地点", 200, required=False),
              "topics": _text(data, "topics", "会商议题", 4000)}
    decisions = _text(data, "decisions", "会商决定", 8000, required=False)
    planned_at = _planned_at(rt, data)
    policy.require_may_hold_consultation(actor, body_code)
    now = rt.now()
    with unit_of_work(rt) as conn:
        body = consultations.require_body(conn, body_code)
        _check_people(conn, participants)
        if planned_at is not None:
            return consultations.plan(conn, actor, body_code=body.code, kind=str(kind),
                                      held_at=planned_at, participants=participants, now=now,
                                      **fields)
        checked = consultations.parse_actions(actions, conn, _due_rule(rt, now))
        frozen = consultations.figures(conn, body, now, rt.calendar)
        return consultations.hold(conn, rt.engine, actor, body_code=body.code,
                                  kind=str(kind), held_at=now, participants=participants,
                                  decisions=decisions, actions=checked, frozen=frozen,
                                  now=now, **fields)


def hold_planned(rt: Runtime, actor: Actor, session_id: int, data: Mapping[str, Any]) -> None:
    """Hold an arranged session now: its decisions, the figures frozen now, one inbox task
    per action."""
    _, actions = _lists(data)
    decisions = _text(data, "decisions", "会商决定", 8000, required=False)
    now = rt.now()
    with unit_of_work(rt) as conn:
        found = consultations.session(conn, session_id, policy.visible_consultations(actor))
        body_code = found["session"]["body_code"]
        policy.require_may_hold_consultation(actor, body_code)
        body = consultations.require_body(conn, body_code)
        checked = consultations.parse_actions(actions, conn, _due_rule(rt, now))
        consultations.hold_planned(conn, rt.engine, actor, session_id, decisions=decisions,
                                   actions=checked, frozen=consultations.figures(
                                       conn, body, now, rt.calendar), now=now)


def _check_people(conn: Any, participants: list[str]) -> None:
    people = display_names(conn, participants)
    unknown = [p for p in participants if p not in people]
    if unknown:
        raise InvalidInput(f"参会人员不是系统用户：{', '.join(unknown)} (unknown "
                           f"participants)", [Detail("参会人员有误", field="participants")])


def session_form(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """What the form to record a session offers: the commissions in whose name the actor
    holds sessions, and the people there and below (participants, action owners)."""
    if not policy.allows(actor, "consultation.hold"):
        return {"bodies": [], "people": []}
    codes = policy.consultation_bodies(actor)
    with reading(rt) as conn:
        names = unit_names(conn, codes)
        people = consultations.people(conn, codes)
    return {"bodies": [{"code": code, "name": name} for code, name in sorted(names.items())],
            "people": people}


def session_list(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """The sessions the actor may see, newest first."""
    with reading(rt) as conn:
        return consultations.sessions(conn, policy.visible_consultations(actor))


def session_page(rt: Runtime, actor: Actor, session_id: int) -> dict[str, Any]:
    """One session with its participants and actions, people by name, and its frozen
    figures for who may read the dashboards (``monitor``; an action's owner at a unit
    reads the rest)."""
    with reading(rt) as conn:
        found = consultations.session(conn, session_id, policy.visible_consultations(actor))
        s = found["session"]
        names = display_names(conn, [*s["participants"], s["created_by"],
                                     *(a["owner"] for a in found["actions"])])
    if not policy.allows(actor, "monitor"):  # the dashboards are the supervisors'
        s["figures"] = None
    s["participant_names"] = [names.get(p, p) for p in s["participants"]]
    s["created_by_name"] = names.get(s["created_by"], s["created_by"])
    for a in found["actions"]:
        a["owner_name"] = names.get(a["owner"], a["owner"])
    found["figure_names"] = consultations.FIGURES
    found["may_hold"] = s["status"] in consultations.WAITING and policy.may_hold_consultation(
        actor, s["body_code"])
    if found["may_hold"]:
        found.update(session_form(rt, actor))
    return found


def _due_rule(rt: Runtime, now: datetime) -> Callable[[Any, str], date]:
    """An action's deadline: the one deadline rule (today or later, within the setting)."""
    def check(day: Any, field: str) -> date:
        return deadlines.check_deadline(day, rt.calendar, now, rt.settings.max_deadline_days,
                                        field=field)
    return check
