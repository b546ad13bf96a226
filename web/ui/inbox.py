"""The inbox: tabs with live counts, sort, filters, saved filters, bulk claim and assign."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.workflows import campaigns
from hazardflow.workflows import inbox as domain
from hazardflow.workflows.cases import units_in_scope
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.notifications import unread_count
from hazardflow.workflows.users import actor_for, get_user

from ..extensions import runtime
from . import bp, current_actor, local_path, login_required
from .tasks import require_visible_task

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
    result = domain.list_tasks(runtime.engine, actor, query)
    with read_transaction(runtime.db) as conn:
        saved = domain.filters_for(conn, g.user.id, actor)
        units = sorted(units_in_scope(conn, actor))
        campaign_list = campaigns.list_campaigns(conn)
    pages = max(1, -(-result["total"] // query.per_page))

    def link(**changes: Any) -> str:
        args = {"tab": query.view, **query.filters(), "page": query.page, **changes}
        return url_for("ui.inbox") + "?" + urlencode({k: v for k, v in args.items() if v})

    return render_template("ui/inbox.html", query=query, result=result, tabs=TABS,
                           pages=pages, link=link, saved=saved, units=units,
                           campaigns=campaign_list,
                           categories=CATEGORIES, levels=LEVELS, sorts=domain.SORTS,
                           roles=sorted(actor.roles))


@bp.get("/counts")
@login_required
def counts() -> dict[str, Any]:
    """The header badge and the inbox tab counts, polled by app.js."""
    actor = current_actor()
    with read_transaction(runtime.db) as conn:
        tabs = domain.tab_counts(conn, actor, runtime.engine.clock.now())
        unread = unread_count(conn, g.user.id, actor.grants)
    return {"unread": unread, "tabs": tabs}


@bp.post("/inbox/bulk")
@login_required
def bulk() -> Response:
    """Claim, or assign to one person, every selected task; each task on its own, so one
    refusal (taken by someone else meanwhile) does not stop the rest."""
    actor = current_actor()
    action = request.form.get("action")
    ids = [int(x) for x in request.form.getlist("task") if x.isdigit()][:200]
    back = local_path(request.form.get("back"), url_for("ui.inbox"))
    if not ids:
        flash(_("请先勾选任务。"), "error")
        return redirect(back)
    assignee = None
    if action == "assign":
        username = (request.form.get("assignee") or "").strip()
        with read_transaction(runtime.db) as conn:
            user = get_user(conn, username) if username else None
            assignee = actor_for(conn, user.id) if user and user.active else None
        if assignee is None:
            flash(_("找不到可用的用户：%(u)s", u=username), "error")
            return redirect(back)
    elif action != "claim":
        flash(_("未知的操作。"), "error")
        return redirect(back)
    done, failed = 0, []
    for task_id in ids:
        try:
            require_visible_task(task_id)
            if assignee is not None:
                runtime.engine.assign(task_id, actor, assignee)
            else:
                runtime.engine.claim(task_id, actor)
            done += 1
        except EngineError as exc:
            failed.append(f"#{task_id}: {exc.message}")
    if done:
        flash(_("已处理 %(n)d 个任务。", n=done), "info")
    if failed:
        flash(_("未能处理：") + "；".join(failed), "error")
    return redirect(back)


@bp.post("/inbox/filters")
@login_required
def save_filter() -> Response:
    actor = current_actor()
    args = dict(request.form.items())
    try:
        query = domain.query_from_args(args)
        with write_transaction(runtime.db) as conn:
            domain.save_filter(conn, g.user.id, args.get("name", ""), query,
                               args.get("shared_role") or None, runtime.engine.clock.now(),
                               actor)
        flash(_("筛选条件已保存。"), "info")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.inbox", tab=args.get("tab", "mine")))


@bp.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int) -> Response:
    try:
        with write_transaction(runtime.db) as conn:
            domain.delete_filter(conn, filter_id, g.user.id)
        flash(_("已删除筛选条件。"), "info")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.inbox"))
