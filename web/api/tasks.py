"""Tasks: inbox views, one task with its form, claim / unclaim / assign / complete."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hazardflow.engine.db import read_transaction
from hazardflow.workflows import cases
from hazardflow.workflows.inbox import MAX_TEXT, SORTS
from hazardflow.workflows.users import actor_for, get_user

from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, evidence, json_body, login_required, page_args
from .serialize import case_result, jsonable


@bp.get("/tasks")
@login_required
def list_tasks() -> dict[str, Any]:
    page, per_page = page_args()
    view = request.args.get("view", "mine")
    if view not in cases.VIEWS:
        raise ApiError(400, "bad_request", f"view must be one of {', '.join(cases.VIEWS)}",
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
    query = cases.TaskQuery(view=view, page=page, per_page=per_page, sort=sort, **text)
    result: dict[str, Any] = jsonable(cases.list_tasks(runtime.engine, current_actor(), query))
    return result


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> dict[str, Any]:
    return {"task": jsonable(cases.task_detail(runtime.engine, current_actor(), task_id))}


def _require_visible(task_id: int) -> None:
    """404, as for GET, when the task's case is outside what the user may see: acting on a
    task must not reveal (by a 403 or a validation message) that it exists."""
    with read_transaction(runtime.db) as conn:
        if cases.visible_case_of_task(conn, current_actor(), task_id) is None:
            raise ApiError(404, "not_found", f"task {task_id} does not exist")


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    _require_visible(task_id)
    runtime.engine.claim(task_id, current_actor())
    return Response(status=204)


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    _require_visible(task_id)
    runtime.engine.unclaim(task_id, current_actor())
    return Response(status=204)


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Response:
    _require_visible(task_id)
    username = json_body().get("assignee")
    if not isinstance(username, str) or not username:
        raise ApiError(400, "bad_request", "send {\"assignee\": \"<username>\"}")
    with read_transaction(runtime.db) as conn:
        user = get_user(conn, username)
        if user is None or not user.active:
            raise ApiError(422, "invalid_input", f"no active user {username!r}",
                           [{"field": "assignee", "message": "unknown user"}])
        assignee = actor_for(conn, user.id)
    runtime.engine.assign(task_id, current_actor(), assignee)
    return Response(status=204)


def _if_match() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    try:
        return int(raw.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise ApiError(400, "bad_request", "If-Match must be the case revision you saw") from None


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> dict[str, Any]:
    _require_visible(task_id)
    body = json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "\"data\" must be a JSON object of form fields")
    task = cases.task_detail(runtime.engine, current_actor(), task_id)
    evidence.check(task["form"], data, task["case_id"])
    result = cases.complete_task(runtime.engine, task_id, current_actor(), data,
                                 expected_revision=_if_match())
    evidence.attach(task["form"], data, task["case_id"], task_id)
    return {"case": case_result(result)}
