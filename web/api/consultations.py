"""API v1: risk consultations (专题会商): the sessions the caller may see, one session with
its frozen figures and actions, and holding one (its actions become inbox tasks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from hazardflow.workflows.usecases import consultations as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import Envelope, Row
from .serialize import jsonable
from .spec import endpoint

TAG = "consultations"


class ConsultationSession(Row):
    """一次会商 (a session): 召开机关、类型、名称、时间、事项落实情况."""

    id: int
    body_code: str
    body_name: str
    kind: str = Field(description="scheduled 定期会商, ad_hoc 专题会商")
    status: str = Field(description="planned 已安排（held_at 为安排的时间）, due 待召开（时间将到或"
                        "已过，召集人已收到提醒）, held 已召开")
    title: str
    held_at: datetime
    actions_open: int
    actions_done: int


class ConsultationSessions(Envelope):
    items: list[ConsultationSession]


class ConsultationAction(Row):
    id: int
    title: str
    owner: str
    owner_name: str
    due_on: date
    status: str = Field(description="open 落实中, done 已落实")
    case_id: int


class ConsultationDetail(Envelope):
    session: dict[str, Any] = Field(
        description="会商记录；figures 为会商时冻结的看板数据（仅监管人员可见，否则为 null）")
    actions: list[ConsultationAction]


class ConsultationActionRequest(Envelope):
    title: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=64, description="责任人的登录名")
    due_on: date


class ConsultationRequest(Envelope):
    body_code: str = Field(min_length=1, max_length=64, description="召开会商的卫健委")
    kind: Literal["scheduled", "ad_hoc"] = "ad_hoc"
    title: str = Field(min_length=1, max_length=200)
    place: str = Field("", max_length=200)
    topics: str = Field(min_length=1, max_length=4000)
    participants: list[str] = Field(default_factory=list, max_length=100)
    decisions: str = Field("", max_length=8000)
    planned_at: str | None = Field(None, max_length=40, examples=["2026-11-20T09:00"],
                                   description="预先安排的会商时间（不填则为现在召开并记录）")
    actions: list[ConsultationActionRequest] = Field(default_factory=list, max_length=50)


class ConsultationHoldRequest(Envelope):
    """召开已安排的会商 (hold an arranged session now)."""

    decisions: str = Field("", max_length=8000)
    actions: list[ConsultationActionRequest] = Field(default_factory=list, max_length=50)


class ConsultationCreated(Envelope):
    id: int


@bp.get("/consultations")
@login_required
@endpoint("list_consultations", TAG, {200: ConsultationSessions})
def list_sessions() -> dict[str, Any]:
    """可见的会商：本机关及下级的会商，和自己负责事项的会商 (the sessions the caller sees)"""
    return jsonable({"items": uc.session_list(runtime, current_actor())})


@bp.get("/consultations/<int:session_id>")
@login_required
@endpoint("get_consultation", TAG, {200: ConsultationDetail}, errors=(404,))
def get_session(session_id: int) -> dict[str, Any]:
    """一次会商：议题、参会人员、冻结的看板数据、决定和事项 (one session)"""
    return _detail(session_id)


def _detail(session_id: int) -> dict[str, Any]:
    page = uc.session_page(runtime, current_actor(), session_id)
    return jsonable({"session": page["session"], "actions": page["actions"]})


@bp.post("/consultations")
@login_required
@endpoint("hold_consultation", TAG, {201: ConsultationCreated}, errors=(403, 404, 422),
          json=ConsultationRequest)
def hold(json: ConsultationRequest) -> tuple[dict[str, Any], int]:
    """县区或市卫健委记录会商：看板数据冻结入记录，每个事项成为责任人的待办；给出 planned_at
    则预先安排 (record a session held now; each action becomes its owner's inbox task; with
    planned_at, arrange one ahead)"""
    return {"id": uc.hold_consultation(runtime, current_actor(), _data(json))}, 201


def _data(json: ConsultationRequest | ConsultationHoldRequest) -> dict[str, Any]:
    data = json.model_dump()
    data["actions"] = [{**a, "due_on": a["due_on"].isoformat()} for a in data["actions"]]
    return data


@bp.post("/consultations/<int:session_id>/hold")
@login_required
@endpoint("hold_planned_consultation", TAG, {200: ConsultationDetail},
          errors=(403, 404, 409, 422), json=ConsultationHoldRequest)
def hold_planned(session_id: int, json: ConsultationHoldRequest) -> dict[str, Any]:
    """召开已安排的会商：记录决定，冻结看板数据，事项进入责任人待办 (hold an arranged session
    now: decisions, figures frozen now, actions into inboxes)"""
    uc.hold_planned(runtime, current_actor(), session_id, _data(json))
    return _detail(session_id)
