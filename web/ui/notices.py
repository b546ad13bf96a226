"""Pages: notices outside the app. On the account page, one's contacts and channel choices
per kind of notice; for admins, the defaults per role and the delivery log (who, what,
channel, attempts, result)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import InvalidInput
from hazardflow.workflows.usecases import notification_preferences as prefs

from ..extensions import runtime
from . import bp, current_actor, login_required


def _grid(choices: dict[str, list[str]]) -> set[str]:
    return {f"{kind}:{channel}" for kind, chosen in choices.items() for channel in chosen}


def _posted_choices() -> dict[str, list[str]]:
    """Every kind of notice, with the channels ticked (a kind with none: in the app only)."""
    ticked = request.form.getlist("choice")
    return {k["code"]: [c["code"] for c in prefs.channels() if f"{k['code']}:{c['code']}" in ticked]
            for k in prefs.kinds()}


def account_page(status: int = 200) -> tuple[str, int]:
    """The account page: the password form, then one's notice settings."""
    found = prefs.my_preferences(runtime, current_actor(), g.user.id)
    return render_template("ui/account_notifications.html", kinds=prefs.kinds(),
                           channels=prefs.channels(), configured=found.configured,
                           contacts=found.contacts, chosen=_grid(found.choices)), status


@bp.post("/account/notifications")
@login_required
def account_notifications() -> Response | tuple[str, int]:
    contacts = {f: request.form.get(f, "") for f in prefs.CONTACT_FIELDS}
    try:
        prefs.set_my_preferences(runtime, current_actor(), g.user.id, contacts,
                                 _posted_choices())
    except InvalidInput as exc:
        for detail in exc.details:
            flash(detail.message, "error")
        return account_page(422)
    flash(_("通知设置已保存。"), "info")
    return redirect(url_for("ui.change_password") + "#notices")


@bp.get("/admin/notices")
@login_required
def admin_notices() -> str:
    status = request.args.get("status") or None
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) < 100_000 else 1
    rows, total = prefs.delivery_log(runtime, current_actor(), number,
                                     status if status in prefs.STATUSES else None)
    defaults = prefs.defaults(runtime, current_actor())
    role = request.args.get("role") or "safety_officer"
    shown = defaults.get(role)
    context: dict[str, Any] = {
        "rows": rows, "total": total, "page": number, "pages": max(1, -(-total // prefs.PER_PAGE)),
        "status": status, "statuses": prefs.STATUSES, "defaults": defaults,
        "roles": prefs.role_names(), "role": role, "kinds": prefs.kinds(),
        "channels": prefs.channels(), "chosen": _grid(shown) if shown else None}
    return render_template("ui/account_notifications_admin.html", **context)


@bp.post("/admin/notices/defaults")
@login_required
def admin_notice_defaults() -> Response:
    role = request.form.get("role", "")
    try:
        prefs.set_role_defaults(runtime, current_actor(), role, _posted_choices())
    except InvalidInput as exc:
        flash(str(exc), "error")
    else:
        flash(_("角色默认通知渠道已保存。"), "info")
    return redirect(url_for("ui.admin_notices", role=role or None))
