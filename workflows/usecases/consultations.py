"""Risk consultations (专题会商): hold (record) a session with its figures frozen from the
dashboards and its follow-up actions started as inbox tasks; list sessions; read one.

A county's or the city's supervisors hold sessions in their commission's name
(``consultation.hold``); the sessions of a body are seen by whoever works at or above it,
and by each action's owner. An action is completed from the owner's inbox like any task
(usecases.tasks.complete). One unit of work per call: a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazardflow.engine import Actor, Detail, InvalidInput

from .. import consultations, policy
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


def hold_consultation(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> int:
    """Record a session of ``data["body_code"]`` held now (or at ``held_at``), freeze the
    dashboards' figures of its area into it, and start one inbox task per action; its id."""
    body_code = _text(data, "body_code", "召开会商的机关", 64)
    kind = data.get("kind") or "ad_hoc"
    if kind not in consultations.SESSION_KINDS:
        raise InvalidInput("会商类型须为定期会商或专题会商 (kind must be scheduled or ad_hoc)",
                           [Detail("会商类型有误", field="kind")])
    participants = data.get("participants") or []
    actions = data.get("actions") or []
    if not isinstance(participants, list) or len(participants) > MAX_PARTICIPANTS \
            or not isinstance(actions, list) or len(actions) > MAX_ACTIONS:
        raise InvalidInput(f"参会人员最多 {MAX_PARTICIPANTS} 人，事项最多 {MAX_ACTIONS} 项 "
                           "(participants and actions must be lists)")
    fields = {"title": _text(data, "title", "会商名称", 200),
              "place": _text(data, "place", "地点", 200, required=False),
              "topics": _text(data, "topics", "会商议题", 4000),
              "decisions": _text(data, "decisions", "会商决定", 8000, required=False)}
    policy.require_may_hold_consultation(actor, body_code)
    now = rt.now()
    with unit_of_work(rt) as conn:
        body = consultations.require_body(conn, body_code)
        people = display_names(conn, [str(p) for p in participants])
        unknown = [str(p) for p in participants if str(p) not in people]
        if unknown:
            raise InvalidInput(f"参会人员不是系统用户：{', '.join(unknown)} (unknown "
                               f"participants)", [Detail("参会人员有误", field="participants")])
        checked = consultations.parse_actions(actions, conn, rt.calendar.today(now))
        frozen = consultations.figures(conn, body, now, rt.calendar)
        return consultations.hold(conn, rt.engine, actor, body_code=body.code,
                                  kind=str(kind), held_at=now,
                                  participants=[str(p) for p in participants],
                                  actions=checked, frozen=frozen, now=now, **fields)


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
    return found

