"""Cases: start any process the user may start, see one, send it a message, retry incidents."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.usecases import cases

from ..converters import MAX_ID
from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, json_body, login_required
from .serialize import case_result, jsonable


@bp.post("/cases")
@login_required
def start() -> tuple[dict[str, Any], int]:
    body = json_body()
    key, data = body.get("definition"), body.get("data", {})
    if not isinstance(key, str) or not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请发送 {\"definition\": \"<流程标识>\", "
                       "\"data\": {...}} (send the process key and its start data)")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 1 <= version <= MAX_ID):
        raise ApiError(400, "bad_request", "\"version\" 须为不小于 1 的整数 "
                                           "(\"version\" must be a whole number ≥ 1)")
    out = cases.start(runtime, current_actor(), key, data, version=version)
    answer = {"case": case_result(out["case"])}
    if out["hazard"] is not None:
        answer["hazard"] = jsonable(out["hazard"])
    return answer, 201


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> dict[str, Any]:
    return {"case": jsonable(cases.case(runtime, current_actor(), case_id))}


@bp.post("/cases/<int:case_id>/messages")
@login_required
def message(case_id: int) -> dict[str, Any]:
    """Deliver a BPMN message (e.g. reclassify, void) to a case; supervisors only."""
    body = json_body()
    name, data = body.get("name"), body.get("data", {})
    if not isinstance(name, str) or not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请发送 {\"name\": \"<消息名>\", \"data\": {...}} "
                                           "(send the message name and its data)")
    result = cases.send_message(runtime, current_actor(), case_id, name, data)
    return {"case": case_result(result)}


@bp.post("/incidents/<int:incident_id>/retry")
@login_required
def retry(incident_id: int) -> dict[str, Any]:
    result = cases.retry_incident(runtime, current_actor(), incident_id)
    return {"case": case_result(result), "resolved": result.status != "incident"}
