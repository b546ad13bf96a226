"""API v1: information reports (信息报告) of events up the chain: the live list of open
events the caller receives or reports, one event with its reports, opening an event with
its first report, filing follow-ups and the final report, and acknowledging (签收) one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from hazardflow.workflows.usecases import events as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import Envelope, Row
from .serialize import jsonable
from .spec import endpoint

TAG = "events"
Level = Literal["general", "larger", "major", "grave"]


class EventRow(Row):
    """一起突发事件 (an event): 单位、等级、状态、获知时间、最近报告、是否超时."""

    id: int
    title: str
    place: str
    level: str
    level_name: str
    unit_code: str
    unit_name: str
    status: str = Field(description="open 处置中, closed 已终报")
    known_at: datetime
    first_due_at: datetime
    final_due_at: datetime
    overdue: bool = Field(description="报告超时 (a report is late)")


class OpenEvent(EventRow):
    minutes_since: int = Field(description="获知至今分钟数 (minutes since known)")
    last_kind: str | None = Field(description="最近一份报告：首报、续报、终报")
    last_at: datetime | None
    unacknowledged: int = Field(description="未签收的报告数 (reports not acknowledged)")


class OpenEvents(Envelope):
    items: list[OpenEvent]


class EventReport(Row):
    id: int
    seq: int
    kind: str = Field(description="first 首报, followup 续报, final 终报")
    level: str
    situation: str
    deaths: int
    injuries: int
    measures: str
    late: bool
    reported_by_name: str
    reported_at: datetime
    acknowledged_by_name: str | None
    acknowledged_at: datetime | None


class EventDetail(Envelope):
    event: EventRow
    reports: list[EventReport]


class EventReportFields(Envelope):
    level: Level = Field(description="事件等级：一般、较大、重大、特别重大")
    situation: str = Field(min_length=1, max_length=4000, description="事件情况")
    deaths: int = Field(0, ge=0, le=100000)
    injuries: int = Field(0, ge=0, le=100000)
    measures: str = Field(min_length=1, max_length=4000, description="已采取的措施")


class EventRequest(Envelope):
    """获知突发事件并首报 (an event known, with its first report when situation is given)."""

    unit_code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    place: str = Field(min_length=1, max_length=200)
    level: Level
    occurred_at: str = Field(max_length=40, examples=["2026-11-02T08:30"],
                             description="发生时间（业务时区，或带时区的 ISO 8601）")
    known_at: str = Field(max_length=40, examples=["2026-11-02T08:40"])
    situation: str | None = Field(None, max_length=4000)
    deaths: int = Field(0, ge=0, le=100000)
    injuries: int = Field(0, ge=0, le=100000)
    measures: str | None = Field(None, max_length=4000)


class EventReportRequest(EventReportFields):
    kind: Literal["first", "followup", "final"]


class EventCreated(Envelope):
    id: int


class EventDeadline(Envelope):
    level: Level
    name: str
    first_minutes: int = Field(ge=1, le=1440, description="获知后首报时限（分钟）")
    final_days: int = Field(ge=1, le=365, description="获知后终报时限（天）")


class EventDeadlines(Envelope):
    items: list[EventDeadline]


class EventDeadlineRequest(Envelope):
    level: Level
    first_minutes: int = Field(ge=1, le=1440)
    final_days: int = Field(ge=1, le=365)


class EventDeadlinesRequest(Envelope):
    """每个等级的时限，四个等级都要给出 (the deadlines of every level)."""

    items: list[EventDeadlineRequest] = Field(min_length=4, max_length=4)


def _detail(event_id: int) -> dict[str, Any]:
    page = uc.event_page(runtime, current_actor(), event_id)
    return jsonable({"event": page["event"], "reports": page["reports"]})


@bp.get("/events")
@login_required
@endpoint("list_open_events", TAG, {200: OpenEvents}, errors=(403,))
def list_events() -> dict[str, Any]:
    """未终报的突发事件：市卫健委看全市，分管领导看重大及以上，县区看辖区，单位看本单位 (the
    open events the caller receives or reports)"""
    return jsonable({"items": uc.open_events(runtime, current_actor())})


@bp.post("/events")
@login_required
@endpoint("open_event", TAG, {201: EventCreated}, errors=(403, 404, 409, 422), json=EventRequest)
def open_event(json: EventRequest) -> tuple[dict[str, Any], int]:
    """单位报告突发事件（可同时首报）：按等级开始计算首报、终报时限 (a unit reports an event,
    with its first report when given)"""
    return {"id": uc.open_event(runtime, current_actor(), json.model_dump())}, 201


@bp.get("/events/<int:event_id>")
@login_required
@endpoint("get_event", TAG, {200: EventDetail}, errors=(403, 404))
def get_event(event_id: int) -> dict[str, Any]:
    """一起事件及其首报、续报、终报（报送人、签收人）(an event with its reports)"""
    return _detail(event_id)


@bp.post("/events/<int:event_id>/reports")
@login_required
@endpoint("file_event_report", TAG, {201: EventDetail}, errors=(403, 404, 409, 422),
          json=EventReportRequest)
def file_report(event_id: int, json: EventReportRequest) -> tuple[dict[str, Any], int]:
    """报送首报、续报或终报；终报后事件关闭 (file a first, follow-up or final report)"""
    fields = json.model_dump()
    uc.file_report(runtime, current_actor(), event_id, fields.pop("kind"), fields)
    return _detail(event_id), 201


@bp.post("/events/<int:event_id>/reports/<int:report_id>/acknowledge")
@login_required
@endpoint("acknowledge_event_report", TAG, {200: EventDetail}, errors=(403, 404, 409))
def acknowledge(event_id: int, report_id: int) -> dict[str, Any]:
    """接收层级签收一份报告 (the receiving level acknowledges a report)"""
    uc.acknowledge(runtime, current_actor(), event_id, report_id)
    return _detail(event_id)


@bp.get("/events/deadlines")
@login_required
@endpoint("list_event_deadlines", TAG, {200: EventDeadlines}, errors=(403,))
def list_deadlines() -> dict[str, Any]:
    """各等级事件的首报、终报时限 (each level's deadlines for the first and final report)"""
    return {"items": uc.deadlines(runtime, current_actor())}


@bp.put("/events/deadlines")
@login_required
@endpoint("set_event_deadlines", TAG, {200: EventDeadlines}, errors=(403, 422),
          json=EventDeadlinesRequest)
def set_deadlines(json: EventDeadlinesRequest) -> dict[str, Any]:
    """市卫健委设定各等级时限；已报告的事件按报告时的时限 (the city sets the deadlines; open
    events keep theirs)"""
    values = {}
    for item in json.items:
        values[f"first_minutes.{item.level}"] = item.first_minutes
        values[f"final_days.{item.level}"] = item.final_days
    uc.set_deadlines(runtime, current_actor(), values)
    return {"items": uc.deadlines(runtime, current_actor())}
