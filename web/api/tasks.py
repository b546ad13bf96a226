"""Tasks: inbox views, one task with its form, its form's JSON Schema, claim / unclaim /
assign / complete."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hazardflow.workflows import inbox
from hazardflow.workflows.usecases import tasks

from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import StepAnswer, task_form_url
from .models.core import (
    AssignRequest,
    CompleteRequest,
    FormSchema,
    TaskAnswer,
    TaskPage,
    TaskQuery,
)
from .serialize import case_result, form_for_clients, jsonable
from .spec import endpoint

TAG = "tasks"
EMPTY_FORM: dict[str, Any] = {"type": "object", "properties": {}}


def linked(task: dict[str, Any]) -> dict[str, Any]:
    """A task as the API answers it: JSON-safe, with the link to its form's JSON Schema."""
    out: dict[str, Any] = jsonable(task)
    out["form_url"] = task_form_url(task["id"])
    if out.get("form") is not None:
        out["form"] = form_for_clients(out["form"])
    return out


@bp.get("/tasks")
@login_required
@endpoint("list_tasks", TAG, {200: TaskPage}, query=TaskQuery)
def list_tasks(query: TaskQuery) -> dict[str, Any]:
    """我的待办：我的、我组待认领、已超期、即将到期、已办 (my tasks: mine, my groups'
    unclaimed, overdue, due soon, done by me)"""
    text = {k: (getattr(query, k) or "").strip() or None
            for k in ("category", "level", "unit", "campaign", "q")}
    found = tasks.list_tasks(runtime, current_actor(), inbox.TaskQuery(
        view=query.view, page=query.page, per_page=query.per_page, sort=query.sort, **text))
    result: dict[str, Any] = jsonable(found)
    result["items"] = [linked(t) for t in found["items"]]
    return result


@bp.get("/tasks/<int:task_id>")
@login_required
@endpoint("get_task", TAG, {200: TaskAnswer}, errors=(404,))
def task(task_id: int) -> dict[str, Any]:
    """一个任务及其表单 (one task with its form)"""
    return {"task": linked(tasks.task(runtime, current_actor(), task_id))}


@bp.get("/tasks/<int:task_id>/form")
@login_required
@endpoint("get_task_form", TAG, {200: FormSchema}, errors=(404,))
def task_form(task_id: int) -> dict[str, Any]:
    """任务表单的 JSON Schema：完成任务时 data 须符合它 (the JSON Schema the task's data must
    match; a task without a form takes an empty object)

    证据字段的条目是 ev-… 引用，人员字段是用户名 (an evidence field's items are ev-…
    references, marked x-widget: evidence; a person field, x-widget: user, a username)."""
    return form_for_clients(tasks.task(runtime, current_actor(), task_id)["form"] or EMPTY_FORM)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
@endpoint("claim_task", TAG, {204: None}, errors=(403, 404, 409))
def claim(task_id: int) -> Response:
    """认领本组的任务 (claim a task of my group)"""
    tasks.claim(runtime, current_actor(), task_id)
    return Response(status=204)


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
@endpoint("unclaim_task", TAG, {204: None}, errors=(403, 404, 409))
def unclaim(task_id: int) -> Response:
    """退回本组 (give a claimed task back to the group)"""
    tasks.unclaim(runtime, current_actor(), task_id)
    return Response(status=204)


@bp.post("/tasks/<int:task_id>/assign")
@login_required
@endpoint("assign_task", TAG, {204: None}, errors=(403, 404, 409, 422), json=AssignRequest)
def assign(task_id: int, json: AssignRequest) -> Response:
    """转交给另一位候选人 (assign a task to a co-candidate)"""
    tasks.assign(runtime, current_actor(), task_id, json.assignee)
    return Response(status=204)


def _if_match() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    try:
        return int(raw.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise ApiError(400, "bad_request", "If-Match 须为您看到的案件版本号 "
                                           "(If-Match must be the case revision you saw)") from None


@bp.post("/tasks/<int:task_id>/complete")
@login_required
@endpoint("complete_task", TAG, {200: StepAnswer}, errors=(403, 404, 409, 422),
          json=CompleteRequest, headers={"If-Match": "您看到的案件版本 case_revision，过时则 409 "
                                                    "(the case revision you saw; stale: 409)"})
def complete(task_id: int, json: CompleteRequest) -> StepAnswer:
    """以表单数据完成任务 (complete a task with its form data)"""
    result = tasks.complete(runtime, current_actor(), task_id, json.data,
                            expected_revision=_if_match())
    return StepAnswer(case=case_result(result))
