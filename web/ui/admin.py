"""Pages: administration (admin role) — users and their roles, the unit tree, and the journal
of administrative changes. Each route calls one use-case of
``hazardflow.workflows.usecases.admin``, which checks the ``admin`` permission (403 for
anyone else) and records every change in the system journal in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, InvalidInput, NotFound, PayloadTooLarge
from hazardflow.workflows.admin import LockedOut
from hazardflow.workflows.exports import Sheet, to_xlsx
from hazardflow.workflows.roles import ROLES, UNIT_KINDS, UNITLESS_ROLES
from hazardflow.workflows.unit_import import RowsRefused
from hazardflow.workflows.usecases import admin as uc

from ..extensions import runtime
from . import bp, current_actor, login_required

# What the journal's actions mean, for the pages (Chinese first; the catalog translates).
ACTIONS = {
    "user.created": lazy_gettext("创建用户"), "user.renamed": lazy_gettext("修改姓名"),
    "user.disabled": lazy_gettext("停用账号"), "user.enabled": lazy_gettext("启用账号"),
    "user.password_reset": lazy_gettext("重置密码"),
    "user.password_changed": lazy_gettext("本人修改密码"), "role.granted": lazy_gettext("授予角色"),
    "role.revoked": lazy_gettext("撤销角色"), "unit.created": lazy_gettext("创建单位"),
    "unit.renamed": lazy_gettext("修改单位名称"),
    "unit.short_name_set": lazy_gettext("修改单位简称"), "unit.activated": lazy_gettext("启用单位"),
    "unit.deactivated": lazy_gettext("停用单位"), "unit.moved": lazy_gettext("调整上级单位"),
    "unit.imported": lazy_gettext("批量导入单位"),
    "user.certificate_set": lazy_gettext("设置执法证号"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


UNIT_CHANGED = {"name": lazy_gettext("名称已修改。"), "short_name": lazy_gettext("简称已修改。"),
                "active": lazy_gettext("单位状态已修改。"),
                "parent": lazy_gettext("上级单位已调整。")}

# A refused change is said on the page it came from; a user who is not an administrator
# (policy's Forbidden) gets the 403 page instead.
SAID = (InvalidInput, NotFound, Conflict, LockedOut)


def _render(template: str, **context: Any) -> str:
    return render_template(template, actions=ACTIONS, **context)


def _int(name: str, default: int = 1) -> int:
    value = request.args.get(name, "")
    return max(1, int(value)) if value.isdigit() else default


def _change(action: Callable[[], object], success: str, back: str) -> Response:
    """Run one administrative change (a use-case); flash its outcome."""
    try:
        action()
        flash(success, "info")
    except SAID as exc:
        flash(exc.message, "error")
    return redirect(back)


def _unit(name: str) -> str | None:
    return request.form.get(name) or None


# -- users --------------------------------------------------------------------------------

@bp.get("/admin/users")
@login_required
def admin_users() -> str:
    q = (request.args.get("q") or "").strip()
    view = uc.users(runtime, current_actor(), q or None, _int("page"), 50)
    return _render("admin/users.html", page=view.page, q=q, units=view.units,
                   roles=ROLES, unitless=UNITLESS_ROLES)


def _user_page(user_id: int, password: str | None = None) -> str:
    view = uc.user(runtime, current_actor(), user_id)
    return _render("admin/user.html", user=view.user, grants=view.grants, events=view.events,
                   units=view.units, roles=ROLES, unitless=UNITLESS_ROLES, password=password)


@bp.get("/admin/users/<int:user_id>")
@login_required
def admin_user(user_id: int) -> str:
    return _user_page(user_id)


@bp.post("/admin/users")
@login_required
def admin_create_user() -> str | Response:
    """Create a user; the generated password is shown on this response only."""
    form = request.form
    grants = [(form["role"], _unit("unit"))] if form.get("role") else []
    try:
        user, password = uc.create_user(runtime, current_actor(), form.get("username", ""),
                                        form.get("display_name", ""), grants)
    except SAID as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.admin_users"))
    flash(_("已创建用户 %(u)s。", u=user.username), "info")
    return _user_page(user.id, password)


@bp.post("/admin/users/<int:user_id>/name")
@login_required
def admin_rename_user(user_id: int) -> Response:
    name = request.form.get("display_name", "")
    return _change(lambda: uc.rename_user(runtime, current_actor(), user_id, name),
                   _("姓名已修改。"), url_for("ui.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def admin_user_active(user_id: int) -> Response:
    """Disable (their page sessions and API tokens end now) or enable."""
    active = request.form.get("active") == "1"
    done = _("账号已启用。") if active else _("账号已停用，登录会话和接口令牌已失效。")
    return _change(lambda: uc.set_user_active(runtime, current_actor(), user_id, active),
                   done, url_for("ui.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
@login_required
def admin_reset_password(user_id: int) -> str | Response:
    """A new generated password, shown once; the user's sessions and API tokens end."""
    try:
        password = uc.reset_password(runtime, current_actor(), user_id)
    except SAID as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.admin_user", user_id=user_id))
    flash(_("密码已重置，请把新密码交给本人；它只显示这一次。"), "info")
    return _user_page(user_id, password)


@bp.post("/admin/users/<int:user_id>/roles")
@login_required
def admin_grant_role(user_id: int) -> Response:
    role, unit = request.form.get("role", ""), _unit("unit")
    return _change(lambda: uc.grant_role(runtime, current_actor(), user_id, role, unit),
                   _("角色已授予。"), url_for("ui.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/roles/revoke")
@login_required
def admin_revoke_role(user_id: int) -> Response:
    role, unit = request.form.get("role", ""), _unit("unit")
    return _change(lambda: uc.revoke_role(runtime, current_actor(), user_id, role, unit),
                   _("角色已撤销。"), url_for("ui.admin_user", user_id=user_id))


# -- units --------------------------------------------------------------------------------

@bp.get("/admin/units")
@login_required
def admin_units() -> str:
    return _render("admin/units.html", units=uc.units(runtime, current_actor()),
                   kinds=UNIT_KINDS)


@bp.get("/admin/units/<code>")
@login_required
def admin_unit(code: str) -> str:
    view = uc.unit(runtime, current_actor(), code)
    return _render("admin/unit.html", unit=view.unit, events=view.events,
                   parents=view.parents, movable=view.movable, kinds=UNIT_KINDS)


@bp.post("/admin/units")
@login_required
def admin_create_unit() -> Response:
    form = request.form
    return _change(lambda: uc.create_unit(
        runtime, current_actor(), code=form.get("code", ""), name=form.get("name", ""),
        kind=form.get("kind", ""), parent_code=_unit("parent"),
        short_name=form.get("short_name")), _("单位已创建。"), url_for("ui.admin_units"))


@bp.post("/admin/units/<code>")
@login_required
def admin_change_unit(code: str) -> Response:
    """One form per change: ``what`` is name, short_name, active or parent, and the form's
    field of that name holds the new value."""
    what = request.form.get("what") or ""
    return _change(lambda: uc.change_unit(runtime, current_actor(), code, what,
                                          request.form.get(what)),
                   str(UNIT_CHANGED.get(what, "")), url_for("ui.admin_unit", code=code))


# -- importing units ----------------------------------------------------------------------

@bp.get("/admin/units/import")
@login_required
def admin_import_units() -> str:
    header = uc.import_template(runtime, current_actor())[0]
    return _render("admin/import.html", result=None, kinds=UNIT_KINDS, header=header)


@bp.get("/admin/units/import/template.xlsx")
@login_required
def admin_import_template() -> Response:
    rows = uc.import_template(runtime, current_actor())
    data = to_xlsx([Sheet("单位导入", rows[0], rows[1:])], runtime.calendar)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": "attachment; filename=units-import.xlsx"})


@bp.post("/admin/units/import")
@login_required
def admin_import_units_post() -> tuple[str, int] | Response:
    """``dry_run`` (检查) lists each row's problems; the import writes all rows or none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的 Excel 文件（.xlsx）。"), "error")
        return redirect(url_for("ui.admin_import_units"))
    dry_run = request.form.get("action") != "import"
    data = upload.stream.read(runtime.settings.max_request_bytes)
    try:
        result = uc.import_units(runtime, current_actor(), data, dry_run=dry_run)
    except RowsRefused as exc:
        flash(exc.message, "error")
        refused = uc.ImportResult.refused(exc)
        return _render("admin/import.html", result=refused, kinds=UNIT_KINDS), 422
    except InvalidInput as exc:
        flash(exc.details[0].message if exc.details else exc.message, "error")
        return _render("admin/import.html", result=None, kinds=UNIT_KINDS), 422
    except PayloadTooLarge as exc:
        flash(exc.message, "error")
        return _render("admin/import.html", result=None, kinds=UNIT_KINDS), 413
    if not dry_run:
        flash(_("已导入 %(n)d 个单位。", n=result.created), "info")
        return redirect(url_for("ui.admin_units"))
    return _render("admin/import.html", result=result, kinds=UNIT_KINDS), 200


# -- the journal --------------------------------------------------------------------------

@bp.get("/admin/journal")
@login_required
def admin_journal() -> str:
    before = request.args.get("before", "")
    events = uc.journal(runtime, current_actor(),
                        before_seq=int(before) if before.isdigit() else None)
    return _render("admin/journal.html", events=events)
