"""The task page: the hazard, the task's form, claim/unclaim/complete, comments.

A completion carries the case revision the page was rendered at; if someone else acted on
the case meanwhile, the engine refuses it (Conflict) and the page says so in plain words,
keeping what the user typed, instead of overwriting.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, EngineError, InvalidInput, NotFound
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.errors import ProcessFailed
from hazardflow.engine.inspect import case_data
from hazardflow.workflows import cases
from hazardflow.workflows import inbox as domain
from hazardflow.workflows.ledger import CATEGORIES, LEVELS, hazard_for_case

from ..extensions import runtime
from . import bp, current_actor, login_required
from .attach import attach_evidence, check_evidence
from .forms import errors_by_field, parse_form, render_form


def require_visible_task(task_id: int) -> int:
    """The task's case id; NotFound (404) when the case is not the user's to see."""
    with read_transaction(runtime.db) as conn:
        case_id = cases.visible_case_of_task(conn, current_actor(), task_id)
    if case_id is None:
        raise NotFound(f"task {task_id} does not exist", task_id=task_id)
    return case_id


def _page(task_id: int, data: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, revision: int | None = None,
          status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    task = cases.task_detail(runtime.engine, actor, task_id)
    values = case_data(runtime.engine, task["case_id"])
    with read_transaction(runtime.db) as conn:  # task_detail checked that it is visible
        hazard = hazard_for_case(conn, task["case_id"])
        people = domain.people_at(conn, (hazard or {}).get("unit_code"))
        comments = domain.comments_for(conn, task["case_id"])
    form_html = None
    if task["form"] and task["state"] == "open":
        form_html = render_form(task["form"], data or {}, errors, people)
    return render_template(
        "ui/task.html", task=task, hazard=hazard, values=values, form_html=form_html,
        revision=revision if revision is not None else task["case_revision"],
        comments=comments, categories=CATEGORIES, levels=LEVELS,
        mine=task["assignee"] == actor.id), status


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> tuple[str, int]:
    return _page(task_id)


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Response | tuple[str, int]:
    actor = current_actor()
    case_id = require_visible_task(task_id)
    detail = cases.task_detail(runtime.engine, actor, task_id)
    schema = detail["form"] or {"type": "object", "properties": {}}
    data = parse_form(schema, request.form)
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        revision = None
    try:
        check_evidence(schema, data, actor.id, case_id)
        result = cases.complete_task(runtime.engine, task_id, actor, data,
                                     expected_revision=revision)
    except InvalidInput as exc:
        flash(_("请检查表单中标出的内容。"), "error")
        return _page(task_id, data, errors_by_field(exc.details), revision, 422)
    except Conflict as exc:
        flash(_("提交未保存：该任务已被他人处理或案件已发生变化（%(m)s）。请查看最新情况后再操作。",
                m=exc.message), "error")
        return _page(task_id, data, None, None, 409)
    except ProcessFailed as exc:
        flash(_("已提交，但后续步骤出错，已生成异常事件 #%(i)s，监管人员会处理。",
                i=exc.incident_id), "error")
        return redirect(url_for("ui.case", case_id=case_id))
    with write_transaction(runtime.db) as conn:
        attach_evidence(conn, schema, data, case_id, actor.id, task_id)
    runtime.dispatch(result)
    flash(_("已提交：%(name)s", name=detail["name"]), "info")
    return redirect(url_for("ui.inbox"))


@bp.post("/tasks/<int:task_id>/<any(claim, unclaim):action>")
@login_required
def claim(task_id: int, action: str) -> Response:
    require_visible_task(task_id)
    try:
        if action == "claim":
            runtime.engine.claim(task_id, current_actor())
            flash(_("已认领。"), "info")
        else:
            runtime.engine.unclaim(task_id, current_actor())
            flash(_("已退回待认领。"), "info")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/comments")
@login_required
def comment(task_id: int) -> Response:
    case_id = require_visible_task(task_id)
    try:
        with write_transaction(runtime.db) as conn:
            domain.add_comment(conn, case_id, task_id, g.user.username,
                               request.form.get("body", ""), runtime.engine.clock.now())
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.task", task_id=task_id) + "#comments")
