"""Pages: in-app notifications (站内通知) — unread first, mark one or all read, open the
task or case a notification is about."""

from __future__ import annotations

from typing import Any

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.workflows import notifications as domain

from ..extensions import runtime
from . import bp, current_actor, local_path, login_required

PER_PAGE = 30


def target_of(row: dict[str, Any]) -> str | None:
    """Where a notification leads: its task, else its case."""
    if row.get("task_id"):
        return url_for("ui.task", task_id=row["task_id"])
    if row.get("case_id"):
        return url_for("ui.case", case_id=row["case_id"])
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _answer(message: str) -> Response:
    """JSON with the new unread count for scripts (``hfPost``), else back to the list."""
    if _wants_json():
        with read_transaction(runtime.db) as conn:
            unread = domain.unread_count(conn, g.user.id, current_actor().grants)
        return jsonify({"unread": unread})
    flash(message, "info")
    back = local_path(request.form.get("back"), url_for("ui.notifications"))
    return redirect(back)


@bp.get("/notifications")
@login_required
def notifications() -> str:
    actor = current_actor()
    value = request.args.get("page", "")
    page = max(1, int(value)) if value.isdigit() else 1
    with read_transaction(runtime.db) as conn:
        rows = domain.notifications_for(conn, g.user.id, actor.grants, limit=PER_PAGE,
                                        offset=(page - 1) * PER_PAGE, unread_first=True)
        total = domain.count_for(conn, g.user.id, actor.grants)
        unread = domain.unread_count(conn, g.user.id, actor.grants)
    for row in rows:
        row["target"] = target_of(row)
        row["kind_name"] = domain.KINDS.get(row["kind"], row["kind"])
    pages = max(1, -(-total // PER_PAGE))
    return render_template("ui/notifications.html", rows=rows, unread=unread, total=total,
                           page=page, pages=pages)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int) -> Response:
    with write_transaction(runtime.db) as conn:
        domain.mark_read_for(conn, notification_id, g.user.id, current_actor().grants,
                             runtime.engine.clock.now())
    return _answer(_("已标记为已读。"))


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all() -> Response:
    with write_transaction(runtime.db) as conn:
        count = domain.mark_all_read(conn, g.user.id, current_actor().grants,
                                     runtime.engine.clock.now())
    return _answer(_("已将 %(n)d 条通知标记为已读。", n=count))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def notification_open(notification_id: int) -> Response:
    """Mark it read and go to its task or case (the list when it has neither)."""
    actor = current_actor()
    with write_transaction(runtime.db) as conn:
        row = domain.notification_of(conn, notification_id, g.user.id, actor.grants)
        if row is not None:
            domain.mark_read(conn, notification_id, runtime.engine.clock.now())
    target = target_of(row) if row is not None else None
    return redirect(target or url_for("ui.notifications"))
