"""API v1: the supervisor's monitor (stuck cases, piles, repairs, extensions, escalations,
dashboard); their OpenAPI entries are registered here too."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hazardflow.workflows.usecases import monitor
from hazardflow.workflows.usecases import repair as repair_uc

from ..downloads import XLSX, xlsx_response
from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, json_body, login_required, page_args
from .openapi import err, ok, op, path_param, query, register
from .serialize import jsonable

TAG = "monitor"
OBJ = {"type": "object", "additionalProperties": True}
FILTERS = ("kind", "county", "unit", "category", "level", "campaign", "process", "version",
           "element")


@bp.get("/monitor/stuck")
@login_required
def stuck() -> dict[str, Any]:
    page, per_page = page_args()
    return jsonable(monitor.stuck(runtime, current_actor(), request.args, page, per_page))


@bp.get("/monitor/thresholds")
@login_required
def thresholds() -> dict[str, Any]:
    found = monitor.thresholds(runtime, current_actor())
    return {"items": jsonable(found["items"]), "defaults": found["defaults"]}


@bp.put("/monitor/thresholds")
@login_required
def set_threshold() -> Response:
    body = json_body()
    days = body.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise ApiError(400, "bad_request", "days 须为整数或 null "
                                           "(days must be a whole number or null)")
    monitor.set_threshold(runtime, current_actor(), str(body.get("process_key") or ""),
                          str(body.get("element_id") or ""), str(body.get("kind") or ""), days)
    return Response(status=204)


@bp.get("/monitor/definitions/<int:definition_id>/piles")
@login_required
def piles(definition_id: int) -> dict[str, Any]:
    return {"elements": monitor.piles(runtime, current_actor(), definition_id)}


@bp.get("/monitor/definitions/<int:definition_id>/elements/<element_id>/cases")
@login_required
def cases_at(definition_id: int, element_id: str) -> dict[str, Any]:
    return {"items": jsonable(monitor.cases_at(runtime, current_actor(), definition_id,
                                               element_id))}


@bp.post("/monitor/cases/<int:case_id>/repair")
@login_required
def repair_one(case_id: int) -> dict[str, Any]:
    body = json_body()
    outcome, message = repair_uc.repair_one(runtime, current_actor(), case_id,
                                            str(body.get("action") or ""),
                                            str(body.get("reason") or ""), _params(body))
    return {"case_id": case_id, "outcome": outcome, "message": message}


def _params(body: dict[str, Any]) -> dict[str, Any]:
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise ApiError(400, "bad_request", "params 须为 JSON 对象 (params must be a JSON object)")
    return params


@bp.post("/monitor/repairs/preview")
@login_required
def repair_preview() -> dict[str, Any]:
    body = json_body()
    items = repair_uc.bulk_preview(runtime, current_actor(), str(body.get("action") or ""),
                                   body.get("cases"), body.get("filter"))
    return {"items": jsonable(items), "count": len(items),
            "ready": sum(1 for i in items if i["ok"])}


@bp.post("/monitor/repairs")
@login_required
def repair_bulk() -> tuple[dict[str, Any], int]:
    body = json_body()
    batch = repair_uc.bulk_repair(runtime, current_actor(), str(body.get("action") or ""),
                                  body.get("reason"), _params(body), body.get("cases"),
                                  body.get("filter"))
    return {"batch": jsonable(batch)}, 201


@bp.get("/monitor/repairs/<int:batch_id>")
@login_required
def repair_batch(batch_id: int) -> dict[str, Any]:
    return {"batch": jsonable(repair_uc.batch_status(runtime, current_actor(), batch_id))}


def _weeks() -> int:
    try:
        weeks = int(request.args.get("weeks", 26))
    except ValueError:
        raise ApiError(400, "bad_request", "weeks 须为整数 (weeks must be a whole number)"
                       ) from None
    if not 1 <= weeks <= monitor.MAX_WEEKS:
        raise ApiError(400, "bad_request", f"weeks 须在 1 至 {monitor.MAX_WEEKS} 之间 "
                                           f"(weeks must be between 1 and {monitor.MAX_WEEKS})")
    return weeks


@bp.get("/monitor/dashboard")
@login_required
def dashboard_data() -> dict[str, Any]:
    return jsonable(monitor.dashboard(runtime, current_actor(), _weeks()))


@bp.get("/monitor/dashboard.xlsx")
@login_required
def dashboard_xlsx() -> Response:
    return xlsx_response(monitor.dashboard_xlsx(runtime, current_actor(), _weeks()),
                         "dashboard.xlsx")


@bp.get("/monitor/escalations")
@login_required
def escalations() -> dict[str, Any]:
    return {"items": jsonable(monitor.escalations(runtime, current_actor()))}


@bp.post("/monitor/cases/<int:case_id>/extensions")
@login_required
def extension_request(case_id: int) -> tuple[dict[str, Any], int]:
    body = json_body()
    request_id = repair_uc.request_extension(runtime, current_actor(), case_id,
                                             body.get("deadline"), body.get("reason"))
    return {"id": request_id, "status": "pending"}, 201


@bp.get("/monitor/extensions")
@login_required
def extension_list() -> dict[str, Any]:
    status = request.args.get("status", "pending") or None
    return {"items": jsonable(repair_uc.extension_requests(runtime, current_actor(), status))}


@bp.post("/monitor/extensions/<int:request_id>/decision")
@login_required
def extension_decide(request_id: int) -> dict[str, Any]:
    body = json_body()
    approve = body.get("approve")
    if not isinstance(approve, bool):
        raise ApiError(400, "bad_request", "approve 须为 true 或 false "
                                           "(approve must be true or false)")
    return repair_uc.decide_extension(runtime, current_actor(), request_id, approve,
                                      str(body.get("note") or ""))


def _describe() -> None:
    base = "/api/v1/monitor"
    body = {"application/json": {"schema": OBJ}}
    filters = [query(n) for n in FILTERS] + [query("page", "integer", minimum=1),
                                             query("per_page", "integer", minimum=1,
                                                   maximum=500)]
    register(f"{base}/stuck", get=op(
        "Stuck cases: overdue, unclaimed, idle, incident, suspended (longest first)",
        {**ok("A page of stuck cases with counts per kind", OBJ), **err(401, 403, 422)},
        params=filters, tag=TAG))
    register(f"{base}/thresholds",
             get=op("Thresholds (days) per process and element",
                    {**ok("Thresholds", OBJ), **err(401, 403)}, tag=TAG),
             put=op("Set or clear a threshold (city supervisors)",
                    {**ok("Saved", status=204), **err(401, 403, 422)}, body=body, tag=TAG))
    definition = path_param("definition_id")
    register(f"{base}/definitions/{{definition_id}}/piles", get=op(
        "Per activity: open, overdue, incidents, average hours spent",
        {**ok("Counts per element", OBJ), **err(401, 403)}, params=[definition], tag=TAG))
    register(f"{base}/definitions/{{definition_id}}/elements/{{element_id}}/cases", get=op(
        "The cases waiting at one activity", {**ok("Cases", OBJ), **err(401, 403)},
        params=[definition, path_param("element_id", "string")], tag=TAG))
    register(f"{base}/cases/{{case_id}}/repair", post=op(
        "Repair one case (reason required): retry, reassign, return_to_group, extend, "
        "suspend, resume, terminate, move",
        {**ok("Outcome: ok, or failed (e.g. a retry that failed again)", OBJ),
         **err(401, 403, 404, 409, 422)}, body=body, params=[path_param("case_id")], tag=TAG))
    register(f"{base}/repairs/preview", post=op(
        "What a bulk repair would touch (cases or filter)",
        {**ok("Each case and whether it can be repaired", OBJ), **err(401, 403, 422)},
        body=body, tag=TAG))
    register(f"{base}/repairs", post=op(
        "Start a bulk repair; small ones finish in the request",
        {**ok("The batch with its per-case results", OBJ, 201), **err(401, 403, 422)},
        body=body, tag=TAG))
    register(f"{base}/repairs/{{batch_id}}", get=op(
        "A bulk repair's progress and per-case results",
        {**ok("The batch", OBJ), **err(401, 404)}, params=[path_param("batch_id")], tag=TAG))
    register(f"{base}/dashboard", get=op(
        "Dashboard figures within your scope", {**ok("Figures", OBJ), **err(401, 403)},
        params=[query("weeks", "integer", minimum=1, maximum=156)], tag=TAG))
    register(f"{base}/dashboard.xlsx", get=op(
        "The dashboard as Excel", {"200": {"description": "xlsx", "content": {XLSX: {}}},
                                   **err(401, 403)},
        params=[query("weeks", "integer", minimum=1, maximum=156)], tag=TAG))
    register(f"{base}/escalations", get=op(
        "What the escalation ladder raised to you", {**ok("Escalations", OBJ), **err(401, 403)},
        tag=TAG))
    register(f"{base}/cases/{{case_id}}/extensions", post=op(
        "Ask for a later deadline (the unit)", {**ok("Requested", OBJ, 201),
                                                **err(401, 404, 409, 422)},
        body=body, params=[path_param("case_id")], tag=TAG))
    register(f"{base}/extensions", get=op(
        "Extension requests you may decide or made", {**ok("Requests", OBJ), **err(401)},
        params=[query("status")], tag=TAG))
    register(f"{base}/extensions/{{request_id}}/decision", post=op(
        "Approve (the deadline and its timers move) or reject",
        {**ok("Decided", OBJ), **err(401, 403, 404, 409, 422)}, body=body,
        params=[path_param("request_id")], tag=TAG))


_describe()
