"""The task page: the hazard, the task's form, claim/unclaim/complete, comments.

A completion carries the case revision the page was rendered at; if someone else acted on
the case meanwhile, the engine refuses it (Conflict) and the page says so in plain words,
keeping what the user typed, instead of overwriting.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, EngineError, Forbidden, InvalidInput, NotFound
from hazardflow.engine.errors import ProcessFailed
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.task_holders import Refusal
from hazardflow.workflows.usecases import tasks

from ..extensions import runtime
from . import bp, current_actor, login_required
from .forms import errors_by_field, parse_form, render_form
from .holders import who_holds


def refusal_text(found: Refusal | None) -> str | None:
    """One sentence: who may act on the task, and why the reader may not."""
    if found is None:
        return None
    task = _(found.holders.task)
    if found.reason == "excluded":
        return _("%(task)s须由非%(done)s人完成：您办理了本案的“%(done)s”。", task=task,
                 done=_(found.done))
    if found.reason == "held_by_other":
        return _("“%(task)s”已由%(who)s认领办理。", task=task, who=who_holds(found.holders))
    return _("“%(task)s”由%(who)s办理，您不在办理人之列。", task=task,
             who=who_holds(found.holders))


def _page(task_id: int, data: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, revision: int | None = None,
          status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    page = tasks.task_page(runtime, actor, task_id)
    task = page["task"]
    form_html = None
    refusal = refusal_text(page["refusal"])
    if task["form"] and task["state"] == "open" and refusal is None:
        form_html = render_form(task["form"], data or {}, errors, page["people"])
    return render_template(
        "ui/task.html", task=task, hazard=page["hazard"], values=page["values"],
        form_html=form_html,
        revision=revision if revision is not None else task["case_revision"],
        comments=page["comments"], record=page["record"], refusal=refusal,
        report=page["report"],
        categories=CATEGORIES, levels=LEVELS,
        mine=task["assignee"] == actor.id), status


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> tuple[str, int]:
    return _page(task_id)


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Response | tuple[str, int]:
    detail = tasks.task(runtime, current_actor(), task_id)
    data = parse_form(detail["form"] or {"type": "object", "properties": {}}, request.form)
    try:
        revision: int | None = int(request.form.get("revision", ""))
    except ValueError:
        revision = None
    try:
        tasks.complete(runtime, current_actor(), task_id, data, expected_revision=revision)
    except InvalidInput as exc:
        flash(_("请检查表单中标出的内容。"), "error")
        return _page(task_id, data, errors_by_field(exc.details), revision, 422)
    except Conflict as exc:
        flash(_("提交未保存：该任务已被他人处理或案件已发生变化（%(m)s）。请查看最新情况后再操作。",
                m=exc.message), "error")
        return _page(task_id, data, None, None, 409)
    except Forbidden as exc:  # the page says who may act, and why
        flash(exc.message, "error")
        return _page(task_id, None, None, None, 403)
    except ProcessFailed as exc:
        flash(_("已提交，但后续步骤出错，已生成异常事件 #%(i)s，监管人员会处理。",
                i=exc.incident_id), "error")
        return redirect(url_for("ui.case", case_id=detail["case_id"]))
    flash(_("已提交：%(name)s", name=detail["name"]), "info")
    return redirect(url_for("ui.inbox"))


@bp.post("/tasks/<int:task_id>/<any(claim, unclaim):action>")
@login_required
def claim(task_id: int, action: str) -> Response:
    try:
        if action == "claim":
            tasks.claim(runtime, current_actor(), task_id)
            flash(_("已认领。"), "info")
        else:
            tasks.unclaim(runtime, current_actor(), task_id)
            flash(_("已退回待认领。"), "info")
    except NotFound:
        raise
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/comments")
@login_required
def comment(task_id: int) -> Response:
    try:
        tasks.comment(runtime, current_actor(), task_id, request.form.get("body", ""))
    except NotFound:
        raise
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.task", task_id=task_id) + "#comments")
