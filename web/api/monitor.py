"""API v1: the supervisor's monitor (stuck cases, piles, repairs, extensions, escalations,
dashboard)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hazardflow.workflows.usecases import monitor
from hazardflow.workflows.usecases import repair as repair_uc

from ..downloads import XLSX, xlsx_response
from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import Listing, Object
from .models.monitor import (
    Batch,
    BulkPreviewRequest,
    BulkRepairRequest,
    DecisionRequest,
    ExtensionRequest,
    ExtensionsQuery,
    Piles,
    Preview,
    RepairOutcome,
    RepairRequest,
    Requested,
    StuckQuery,
    ThresholdRequest,
    Thresholds,
    WeeksQuery,
)
from .serialize import jsonable
from .spec import BINARY, endpoint

TAG = "monitor"


@bp.get("/monitor/stuck")
@login_required
@endpoint("list_stuck", TAG, {200: Object}, errors=(403, 422), query=StuckQuery)
def stuck(query: StuckQuery) -> dict[str, Any]:
    """卡住的案件：超期、未认领、停滞、异常、挂起（最久的在前）(stuck cases: overdue,
    unclaimed, idle, incident, suspended, longest first), with counts per kind"""
    found: dict[str, Any] = jsonable(monitor.stuck(runtime, current_actor(), request.args,
                                                   query.page, query.per_page))
    return found


@bp.get("/monitor/thresholds")
@login_required
@endpoint("list_thresholds", TAG, {200: Thresholds}, errors=(403,))
def thresholds() -> dict[str, Any]:
    """各流程、环节的阈值（天）(thresholds in days per process and element)"""
    found = monitor.thresholds(runtime, current_actor())
    return {"items": jsonable(found["items"]), "defaults": found["defaults"]}


@bp.put("/monitor/thresholds")
@login_required
@endpoint("set_threshold", TAG, {204: None}, errors=(403, 422), json=ThresholdRequest)
def set_threshold(json: ThresholdRequest) -> Response:
    """设置或清除阈值：市级监管 (set or clear a threshold: city supervisors)"""
    monitor.set_threshold(runtime, current_actor(), json.process_key, json.element_id,
                          json.kind, json.days)
    return Response(status=204)


@bp.get("/monitor/definitions/<int:definition_id>/piles")
@login_required
@endpoint("get_piles", TAG, {200: Piles}, errors=(403, 404))
def piles(definition_id: int) -> dict[str, Any]:
    """每个环节：进行中、超期、异常、平均停留小时 (per activity: open, overdue, incidents,
    average hours spent)"""
    return {"elements": monitor.piles(runtime, current_actor(), definition_id)}


@bp.get("/monitor/definitions/<int:definition_id>/elements/<element_id>/cases")
@login_required
@endpoint("list_cases_at_element", TAG, {200: Listing}, errors=(403, 404))
def cases_at(definition_id: int, element_id: str) -> dict[str, Any]:
    """停在某环节的案件 (the cases waiting at one activity)"""
    return {"items": jsonable(monitor.cases_at(runtime, current_actor(), definition_id,
                                               element_id))}


@bp.post("/monitor/cases/<int:case_id>/repair")
@login_required
@endpoint("repair_case", TAG, {200: RepairOutcome}, errors=(403, 404, 409, 422),
          json=RepairRequest)
def repair_one(case_id: int, json: RepairRequest) -> dict[str, Any]:
    """修复一个案件（须说明理由）(repair one case, with a reason); outcome ok or failed"""
    outcome, message = repair_uc.repair_one(runtime, current_actor(), case_id, json.action,
                                            json.reason, json.params or {})
    return {"case_id": case_id, "outcome": outcome, "message": message}


@bp.post("/monitor/repairs/preview")
@login_required
@endpoint("preview_bulk_repair", TAG, {200: Preview}, errors=(403, 422), json=BulkPreviewRequest)
def repair_preview(json: BulkPreviewRequest) -> dict[str, Any]:
    """批量修复会涉及哪些案件（按编号或筛选）(what a bulk repair would touch)"""
    items = repair_uc.bulk_preview(runtime, current_actor(), json.action, json.cases,
                                   json.filter)
    return {"items": jsonable(items), "count": len(items),
            "ready": sum(1 for i in items if i["ok"])}


@bp.post("/monitor/repairs")
@login_required
@endpoint("start_bulk_repair", TAG, {201: Batch}, errors=(403, 422), json=BulkRepairRequest)
def repair_bulk(json: BulkRepairRequest) -> tuple[dict[str, Any], int]:
    """开始批量修复；小批量在请求内完成 (start a bulk repair; small ones finish in the
    request)"""
    batch = repair_uc.bulk_repair(runtime, current_actor(), json.action, json.reason,
                                  json.params or {}, json.cases, json.filter)
    return {"batch": jsonable(batch)}, 201


@bp.get("/monitor/repairs/<int:batch_id>")
@login_required
@endpoint("get_repair_batch", TAG, {200: Batch}, errors=(403, 404))
def repair_batch(batch_id: int) -> dict[str, Any]:
    """批量修复的进度与每个案件的结果 (a bulk repair's progress and per-case results)"""
    return {"batch": jsonable(repair_uc.batch_status(runtime, current_actor(), batch_id))}


@bp.get("/monitor/dashboard")
@login_required
@endpoint("get_dashboard", TAG, {200: Object}, errors=(403,), query=WeeksQuery)
def dashboard_data(query: WeeksQuery) -> dict[str, Any]:
    """您范围内的统计图数据 (dashboard figures within your scope)"""
    found: dict[str, Any] = jsonable(monitor.dashboard(runtime, current_actor(), query.weeks))
    return found


@bp.get("/monitor/dashboard.xlsx")
@login_required
@endpoint("get_dashboard_xlsx", TAG, {200: None}, errors=(403,), query=WeeksQuery,
          files={200: {XLSX: {"schema": BINARY}}})
def dashboard_xlsx(query: WeeksQuery) -> Response:
    """统计图数据的 Excel (the dashboard as Excel)"""
    return xlsx_response(monitor.dashboard_xlsx(runtime, current_actor(), query.weeks),
                         "dashboard.xlsx")


@bp.get("/monitor/escalations")
@login_required
@endpoint("list_escalations", TAG, {200: Listing}, errors=(403,))
def escalations() -> dict[str, Any]:
    """升级阶梯提交给您的事项 (what the escalation ladder raised to you)"""
    return {"items": jsonable(monitor.escalations(runtime, current_actor()))}


@bp.post("/monitor/cases/<int:case_id>/extensions")
@login_required
@endpoint("request_extension", TAG, {201: Requested}, errors=(403, 404, 409, 422),
          json=ExtensionRequest)
def extension_request(case_id: int, json: ExtensionRequest) -> tuple[dict[str, Any], int]:
    """申请延期（单位）(ask for a later deadline: the unit)"""
    request_id = repair_uc.request_extension(runtime, current_actor(), case_id,
                                             json.deadline, json.reason)
    return {"id": request_id, "status": "pending"}, 201


@bp.get("/monitor/extensions")
@login_required
@endpoint("list_extensions", TAG, {200: Listing}, query=ExtensionsQuery)
def extension_list(query: ExtensionsQuery) -> dict[str, Any]:
    """您可审批或提出的延期申请 (extension requests you may decide or made)"""
    status = request.args.get("status", "pending") or None  # empty: every status
    return {"items": jsonable(repair_uc.extension_requests(runtime, current_actor(), status))}


@bp.post("/monitor/extensions/<int:request_id>/decision")
@login_required
@endpoint("decide_extension", TAG, {200: Object}, errors=(403, 404, 409, 422),
          json=DecisionRequest)
def extension_decide(request_id: int, json: DecisionRequest) -> dict[str, Any]:
    """批准（期限与计时器随之移动）或驳回 (approve: the deadline and its timers move; or
    reject)"""
    found: dict[str, Any] = jsonable(repair_uc.decide_extension(
        runtime, current_actor(), request_id, json.approve, json.note))
    return found
