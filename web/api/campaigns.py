"""API v1: campaigns, checklists, inspections, reports, spot checks and the assessment."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.campaigns import Theme
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import inspections as inspection_uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.campaigns import (
    CampaignAnswer,
    CampaignRequest,
    Campaigns,
    DrawAnswer,
    DrawRequest,
    InspectionAnswer,
    InspectionRequest,
    IssuedNotice,
    Progress,
    Published,
    PublishRequest,
)
from .serialize import jsonable
from .spec import endpoint

TAG = "campaigns"


@bp.get("/campaigns")
@login_required
@endpoint("list_campaigns", TAG, {200: Campaigns})
def campaign_list() -> dict[str, Any]:
    """专项行动 (campaigns)"""
    return {"items": jsonable(campaign_uc.list_campaigns(runtime, current_actor()))}


@bp.post("/campaigns")
@login_required
@endpoint("create_campaign", TAG, {201: CampaignAnswer}, errors=(403, 409, 422),
          json=CampaignRequest)
def campaign_create(json: CampaignRequest) -> tuple[dict[str, Any], int]:
    """创建专项行动：市卫健委 (create a campaign: the city)"""
    themes = [Theme(t.code, t.name, t.category, t.checklist_code) for t in json.themes]
    found = campaign_uc.create_campaign(
        runtime, current_actor(), code=json.code, name=json.name, starts_on=json.starts_on,
        ends_on=json.ends_on, themes=themes, unit_codes=json.units,
        description=json.description)
    return {"campaign": jsonable(found)}, 201


@bp.get("/campaigns/<code>")
@login_required
@endpoint("get_campaign_progress", TAG, {200: Progress}, errors=(404,))
def campaign_progress(code: str) -> dict[str, Any]:
    """专项行动按单位和主题的进展 (a campaign's progress by unit and theme)"""
    found: dict[str, Any] = jsonable(campaign_uc.progress(runtime, current_actor(), code))
    return found


@bp.post("/inspections")
@login_required
@endpoint("record_inspection", TAG, {201: InspectionAnswer}, errors=(403, 404, 409, 422),
          json=InspectionRequest)
def inspection_record(json: InspectionRequest) -> tuple[dict[str, Any], int]:
    """记录一次检查；不合格条目成为隐患案件 (record an inspection; failed items become
    hazard cases)"""
    found = inspection_uc.record(
        runtime, current_actor(), unit_code=json.unit_code, kind=json.kind,
        checklist_code=json.checklist_code,
        results=[r.model_dump() for r in json.results],
        campaign_code=json.campaign_code or None, location=json.location,
        summary=json.summary, inspected_on=json.inspected_on or None,
        spot_check_id=json.spot_check_id or None, checklist_version=json.checklist_version)
    return {"inspection": jsonable(found)}, 201


@bp.get("/inspections/<int:inspection_id>")
@login_required
@endpoint("get_inspection", TAG, {200: InspectionAnswer}, errors=(404,))
def inspection_get(inspection_id: int) -> dict[str, Any]:
    """一次检查 (an inspection)"""
    return {"inspection": jsonable(inspection_uc.get(runtime, current_actor(), inspection_id))}


@bp.post("/inspections/<int:inspection_id>/publish")
@login_required
@endpoint("publish_inspection", TAG, {200: Published}, errors=(403, 404))
def inspection_publish(inspection_id: int) -> dict[str, Any]:
    """公开检查发现：市卫健委 (publish an inspection's findings: the city)"""
    return {"hazards_made_visible": inspection_uc.publish(runtime, current_actor(),
                                                          inspection_id)}


@bp.post("/inspections/<int:inspection_id>/notice")
@login_required
@endpoint("issue_inspection_notice", TAG, {201: IssuedNotice}, errors=(403, 404, 409, 422))
def inspection_notice(inspection_id: int) -> tuple[dict[str, Any], int]:
    """签发一份列出该次检查全部隐患的整改通知书 (issue one rectification notice listing the
    inspection's hazards)"""
    doc = inspection_uc.issue_notice(runtime, current_actor(), inspection_id)
    return {"document": {"id": doc.id, "number": doc.number, "title": doc.title}}, 201


@bp.post("/spotchecks")
@login_required
@endpoint("draw_spot_check", TAG, {201: DrawAnswer}, errors=(403, 422), json=DrawRequest)
def spotcheck_draw(json: DrawRequest) -> tuple[dict[str, Any], int]:
    """可复现地抽取单位：市卫健委 (draw a reproducible sample of units: the city)"""
    found = campaign_uc.draw(
        runtime, current_actor(), title=json.title, kind=json.kind, size=json.size,
        seed=json.seed or None, stratified=json.stratified,
        campaign_code=json.campaign_code or None, population=json.population)
    return {"draw": jsonable(found)}, 201


@bp.get("/spotchecks/<int:draw_id>")
@login_required
@endpoint("get_spot_check", TAG, {200: DrawAnswer}, errors=(404,))
def spotcheck_get(draw_id: int) -> dict[str, Any]:
    """一次抽查、其检查与发现 (a draw, its checks and findings)"""
    return {"draw": jsonable(campaign_uc.get_draw(runtime, current_actor(), draw_id))}


@bp.post("/spotchecks/<int:draw_id>/publish")
@login_required
@endpoint("publish_spot_check", TAG, {200: DrawAnswer}, errors=(403, 404, 409),
          json=PublishRequest, body_optional=True)
def spotcheck_publish(draw_id: int, json: PublishRequest) -> dict[str, Any]:
    """发布通报（记入日志）(publish the 通报, journaled)"""
    return {"draw": jsonable(campaign_uc.publish_draw(runtime, current_actor(), draw_id,
                                                      json.summary))}
