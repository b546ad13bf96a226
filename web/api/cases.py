"""Cases: start any process the user may start, see one, send it a message, retry incidents."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.usecases import cases

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import StepAnswer
from .models.core import CaseAnswer, MessageRequest, RetryAnswer, StartAnswer, StartRequest
from .serialize import case_result, jsonable
from .spec import endpoint
from .tasks import linked

TAG = "cases"


@bp.post("/cases")
@login_required
@endpoint("start_case", TAG, {201: StartAnswer}, errors=(403, 404, 422), json=StartRequest)
def start(json: StartRequest) -> tuple[dict[str, Any], int]:
    """发起您可以发起的任一流程；data 须符合其开始表单 (start a case of any process you may
    start; data must match its start form: GET /api/v1/definitions, start_form_url)"""
    out = cases.start(runtime, current_actor(), json.definition, json.data,
                      version=json.version)
    answer = {"case": case_result(out["case"]).model_dump(mode="json")}
    if out["hazard"] is not None:  # dates as every answer writes them (jsonable)
        answer["hazard"] = jsonable(out["hazard"])
    return answer, 201


@bp.get("/cases/<int:case_id>")
@login_required
@endpoint("get_case", TAG, {200: CaseAnswer}, errors=(404,))
def case(case_id: int) -> dict[str, Any]:
    """一个案件：状态、版本、修订号、待办、历史、异常 (a case: status, version, revision,
    open tasks, history, incidents)"""
    found = jsonable(cases.case(runtime, current_actor(), case_id))
    found["active_tasks"] = [linked(t) for t in found["active_tasks"]]
    found["tasks"] = [linked(t) for t in found["tasks"]]
    return {"case": found}


@bp.post("/cases/<int:case_id>/messages")
@login_required
@endpoint("send_message", TAG, {200: StepAnswer}, errors=(403, 404, 409, 422),
          json=MessageRequest)
def message(case_id: int, json: MessageRequest) -> StepAnswer:
    """向案件发送 BPMN 消息（改定等级、作废）：监管人员 (deliver a BPMN message, e.g.
    reclassify or void, to a case: supervisors)"""
    result = cases.send_message(runtime, current_actor(), case_id, json.name, json.data)
    return StepAnswer(case=case_result(result))


@bp.post("/incidents/<int:incident_id>/retry")
@login_required
@endpoint("retry_incident", TAG, {200: RetryAnswer}, errors=(403, 404, 409))
def retry(incident_id: int) -> RetryAnswer:
    """重试失败的步骤；再次失败会如实说明 (retry a failed step; says honestly if it failed
    again)"""
    result = cases.retry_incident(runtime, current_actor(), incident_id)
    return RetryAnswer(case=case_result(result), resolved=result.status != "incident")
