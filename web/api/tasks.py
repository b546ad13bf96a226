"""Tasks: inbox views, one task with its form, claim / unclaim / assign / complete."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hazardflow.workflows import inbox
from hazardflow.workflows.inbox import MAX_TEXT, SORTS
from hazardflow.workflows.usecases import tasks

from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, json_body, login_required, page_args
from .serialize import case_result, jsonable


@bp.get("/tasks")
@login_required
def list_tasks() -> dict[str, Any]:
    page, per_page = page_args()
    view = request.args.get("view", "mine")
    if view not in inbox.VIEWS:
        raise ApiError(400, "bad_request", f"view must be one of {', '.join(inbox.VIEWS)}",
                       [{"field": "view", "message": view}])
    sort = request.args.get("sort", "due")
    if sort not in SORTS:
        raise ApiError(400, "bad_request", f"sort must be one of {', '.join(SORTS)}",
                       [{"field": "sort", "message": sort}])
    text = {k: (request.args.get(k) or "").strip() or None
            for k in ("category", "level", "unit", "campaign", "q")}
    if text["q"] is not None and len(text["q"]) > MAX_TEXT:
        raise ApiError(400, "bad_request", f"q is limited to {MAX_TEXT} characters",
                       [{"field": "q", "message": "too long"}])
    query = inbox.TaskQuery(view=view, page=page, per_page=per_page, sort=sort, **text)
    result: dict[str, Any] = jsonable(tasks.list_tasks(runtime, current_actor(), query))
    return result


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> dict[str, Any]:
    return {"task": jsonable(tasks.task(runtime, current_actor(), task_id))}


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    tasks.claim(runtime, current_actor(), task_id)
    return Response(status=204)


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    tasks.unclaim(runtime, current_actor(), task_id)
    return Response(status=204)


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Response:
    username = json_body().get("assignee")
    if not isinstance(username, str) or not username:
        raise ApiError(400, "bad_request", "请发送 {\"assignee\": \"<username>\"} "
                                           "(send the assignee's username)")
    tasks.assign(runtime, current_actor(), task_id, username)
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
def complete(task_id: int) -> dict[str, Any]:
    data = json_body().get("data", {})
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "\"data\" 须为表单字段组成的 JSON 对象 "
                                           "(\"data\" must be a JSON object of form fields)")
    result = tasks.complete(runtime, current_actor(), task_id, data,
                            expected_revision=_if_match())
    return {"case": case_result(result)}
