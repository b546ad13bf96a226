"""The inbox: tabs with live counts, sort, filters, saved filters, bulk claim and assign."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError, InvalidInput
from hazardflow.workflows import inbox as domain
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.usecases import inbox as inbox_uc
from hazardflow.workflows.usecases import tasks

from ..extensions import runtime
from . import bp, current_actor, local_path, login_required

TABS = [("mine", lazy_gettext("我的待办")), ("groups", lazy_gettext("待认领")),
        ("overdue", lazy_gettext("已超期")), ("due_soon", lazy_gettext("即将到期")),
        ("done", lazy_gettext("已办"))]


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if isinstance(v, str)}


@bp.get("/inbox")
@login_required
def inbox() -> str | tuple[str, int]:
    actor = current_actor()
    try:
        query = domain.query_from_args(_args())
    except EngineError as exc:
        flash(exc.message + "：" + "；".join(d.message for d in exc.details), "error")
        query = domain.TaskQuery()
    page = inbox_uc.inbox_page(runtime, actor, g.user.id, query,
                               tab_chosen=bool(request.args.get("tab")))
    query = page["query"]  # without a tab asked for: the tab with work
    result = page["result"]
    pages = max(1, -(-result["total"] // query.per_page))

    def link(**changes: Any) -> str:
        args = {"tab": query.view, **query.filters(), "page": query.page, **changes}
        return url_for("ui.inbox") + "?" + urlencode({k: v for k, v in args.items() if v})

    return render_template("ui/inbox.html", query=query, result=result, tabs=TABS,
                           pages=pages, link=link, saved=page["saved"], units=page["units"],
                           unit_names=page["unit_names"],
                           campaigns=page["campaigns"],
                           categories=CATEGORIES, levels=LEVELS, sorts=domain.SORTS,
                           roles=sorted(actor.roles))


@bp.get("/counts")
@login_required
def counts() -> dict[str, Any]:
    """The header badge and the inbox tab counts, polled by app.js."""
    return inbox_uc.counts(runtime, current_actor(), g.user.id)


@bp.post("/inbox/bulk")
@login_required
def bulk() -> Response:
    """Claim, or assign to one person, every selected task; each task on its own, so one
    refusal (taken by someone else meanwhile) does not stop the rest."""
    ids = [int(x) for x in request.form.getlist("task") if x.isdigit()]
    back = local_path(request.form.get("back"), url_for("ui.inbox"))
    try:
        outcome = tasks.bulk(runtime, current_actor(), request.form.get("action", ""), ids,
                             (request.form.get("assignee") or "").strip())
    except InvalidInput as exc:
        flash("；".join(d.message for d in exc.details) or exc.message, "error")
        return redirect(back)
    if outcome.done:
        flash(_("已处理 %(n)d 个任务。", n=outcome.done), "info")
    if outcome.refused:
        flash(_("未能处理：") + "；".join(f"#{i}: {why}" for i, why in outcome.refused), "error")
    return redirect(back)


@bp.post("/inbox/filters")
@login_required
def save_filter() -> Response:
    args = dict(request.form.items())
    try:
        inbox_uc.save_filter(runtime, current_actor(), g.user.id, args)
        flash(_("筛选条件已保存。"), "info")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.inbox", tab=args.get("tab", "mine")))


@bp.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int) -> Response:
    try:
        inbox_uc.delete_filter(runtime, g.user.id, filter_id)
        flash(_("已删除筛选条件。"), "info")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.inbox"))
