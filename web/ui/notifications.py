"""Pages: in-app notifications (站内通知) — unread first, mark one or all read, open the
task or case a notification is about."""

from __future__ import annotations

from typing import Any

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.workflows.usecases import notifications as usecase

from ..extensions import runtime
from . import bp, current_actor, local_path, login_required
from .phrases import notice_texts


def target_of(row: dict[str, Any]) -> str | None:
    """Where a notification leads: its task, else its case."""
    if row.get("task_id"):
        return url_for("ui.task", task_id=row["task_id"])
    if row.get("case_id"):
        return url_for("ui.case", case_id=row["case_id"])
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _answer(message: str, unread: int) -> Response:
    """JSON with the new unread count for scripts (``hfPost``), else back to the list."""
    if _wants_json():
        return jsonify({"unread": unread})
    flash(message, "info")
    back = local_path(request.form.get("back"), url_for("ui.notifications"))
    return redirect(back)


@bp.get("/notifications")
@login_required
def notifications() -> str:
    value = request.args.get("page", "")
    page = min(int(value), 100_000) if value.isdigit() else 1
    found = usecase.notification_page(runtime, current_actor(), g.user.id, page)
    for row in found.rows:
        row["target"] = target_of(row)
        row["title"], row["body"] = notice_texts(row)
    return render_template("ui/notifications.html", rows=found.rows, unread=found.unread,
                           total=found.total, page=found.page, pages=found.pages)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int) -> Response:
    unread = usecase.mark_read(runtime, current_actor(), g.user.id, notification_id)
    return _answer(_("已标记为已读。"), unread)


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all() -> Response:
    count, unread = usecase.mark_all_read(runtime, current_actor(), g.user.id)
    return _answer(_("已将 %(n)d 条通知标记为已读。", n=count), unread)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def notification_open(notification_id: int) -> Response:
    """Mark it read and go to its task or case (the list when it has neither)."""
    row = usecase.open_notification(runtime, current_actor(), g.user.id, notification_id)
    target = target_of(row) if row is not None else None
    return redirect(target or url_for("ui.notifications"))
