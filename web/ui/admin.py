"""Pages: administration (admin role) — users and their roles, the unit tree, and the journal
of administrative changes. Every change goes through ``hazardflow.workflows.admin``, which
records it in the system journal in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.errors import EngineError
from hazardflow.workflows import admin as domain
from hazardflow.workflows.roles import ROLES, UNIT_KINDS, UNITLESS_ROLES
from hazardflow.workflows.units import list_units

from ..extensions import runtime
from . import bp, login_required, require_role

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
}


def _render(template: str, **context: Any) -> str:
    return render_template(template, actions=ACTIONS, **context)


def _int(name: str, default: int = 1) -> int:
    value = request.args.get(name, "")
    return max(1, int(value)) if value.isdigit() else default


def _change(action: Callable[[Any], Any], success: str, back: str) -> Response:
    """Run one administrative change in a write transaction; flash its outcome."""
    try:
        with write_transaction(runtime.db) as conn:
            action(conn)
        flash(success, "info")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(back)


def _units() -> list[tuple[int, Any]]:
    with read_transaction(runtime.db) as conn:
        return list_units(conn)


# -- users --------------------------------------------------------------------------------

@bp.get("/admin/users")
@login_required
def admin_users() -> str:
    require_role("admin")
    q = (request.args.get("q") or "").strip()
    with read_transaction(runtime.db) as conn:
        page = domain.list_users(conn, q or None, _int("page"), 50)
    return _render("admin/users.html", page=page, q=q, units=_units(),
                           roles=ROLES, unitless=UNITLESS_ROLES)


def _user_page(user_id: int, password: str | None = None) -> str:
    with read_transaction(runtime.db) as conn:
        user = domain.require_user(conn, user_id)
        grants = domain.grants_with_units(conn, [user_id])[user_id]
        events = domain.admin_events(conn, subject=f"user:{user.username}", limit=50)
    return _render("admin/user.html", user=user, grants=grants, events=events,
                           units=_units(), roles=ROLES, unitless=UNITLESS_ROLES,
                           password=password)


@bp.get("/admin/users/<int:user_id>")
@login_required
def admin_user(user_id: int) -> str:
    require_role("admin")
    return _user_page(user_id)


@bp.post("/admin/users")
@login_required
def admin_create_user() -> str | Response:
    """Create a user; the generated password is shown on this response only."""
    require_role("admin")
    form = request.form
    grants = []
    if form.get("role"):
        grants.append((form["role"], form.get("unit") or None))
    try:
        with write_transaction(runtime.db) as conn:
            user, password = domain.create_user(
                conn, g.user, username=form.get("username", ""),
                display_name=form.get("display_name", ""), grants=grants, now=runtime.now())
    except EngineError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.admin_users"))
    flash(_("已创建用户 %(u)s。", u=user.username), "info")
    return _user_page(user.id, password)


@bp.post("/admin/users/<int:user_id>/name")
@login_required
def admin_rename_user(user_id: int) -> Response:
    require_role("admin")
    name = request.form.get("display_name", "")
    return _change(lambda conn: domain.set_display_name(conn, g.user, user_id, name, runtime.now()),
                   _("姓名已修改。"), url_for("ui.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def admin_user_active(user_id: int) -> Response:
    """Disable (their page sessions and API tokens end now) or enable."""
    require_role("admin")
    active = request.form.get("active") == "1"

    def change(conn: Any) -> None:
        domain.set_user_active(conn, g.user, user_id, active, runtime.now())

    done = _("账号已启用。") if active else _("账号已停用，登录会话和接口令牌已失效。")
    return _change(change, done, url_for("ui.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
@login_required
def admin_reset_password(user_id: int) -> str | Response:
    """A new generated password, shown once; the user's sessions and API tokens end."""
    require_role("admin")
    try:
        with write_transaction(runtime.db) as conn:
            password = domain.reset_password(conn, g.user, user_id, runtime.now())
    except EngineError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.admin_user", user_id=user_id))
    flash(_("密码已重置，请把新密码交给本人；它只显示这一次。"), "info")
    return _user_page(user_id, password)


@bp.post("/admin/users/<int:user_id>/roles")
@login_required
def admin_grant_role(user_id: int) -> Response:
    require_role("admin")
    role, unit = request.form.get("role", ""), request.form.get("unit") or None
    if role in UNITLESS_ROLES:
        unit = None
    return _change(lambda conn: domain.grant_role(conn, g.user, user_id, role, unit, runtime.now()),
                   _("角色已授予。"), url_for("ui.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/roles/revoke")
@login_required
def admin_revoke_role(user_id: int) -> Response:
    require_role("admin")
    role, unit = request.form.get("role", ""), request.form.get("unit") or None
    return _change(lambda conn: domain.revoke_role(conn, g.user, user_id, role, unit,
                                                   runtime.now()),
                   _("角色已撤销。"), url_for("ui.admin_user", user_id=user_id))


# -- units --------------------------------------------------------------------------------

@bp.get("/admin/units")
@login_required
def admin_units() -> str:
    require_role("admin")
    return _render("admin/units.html", units=_units(), kinds=UNIT_KINDS)


@bp.get("/admin/units/<code>")
@login_required
def admin_unit(code: str) -> str:
    require_role("admin")
    with read_transaction(runtime.db) as conn:
        unit = domain.require_unit(conn, code)
        events = domain.admin_events(conn, subject=f"unit:{code}", limit=50)
    parents = [(d, u) for d, u in _units() if u.kind != "institution" or u.id != unit.id]
    return _render("admin/unit.html", unit=unit, events=events, parents=parents,
                           kinds=UNIT_KINDS)


@bp.post("/admin/units")
@login_required
def admin_create_unit() -> Response:
    require_role("admin")
    form = request.form

    def create(conn: Any) -> None:
        domain.create_unit(conn, g.user, code=form.get("code", ""), name=form.get("name", ""),
                           kind=form.get("kind", ""), parent_code=form.get("parent") or None,
                           short_name=form.get("short_name"), now=runtime.now())

    return _change(create, _("单位已创建。"), url_for("ui.admin_units"))


@bp.post("/admin/units/<code>")
@login_required
def admin_change_unit(code: str) -> Response:
    """One form per change: ``what`` is name, short_name, active or parent."""
    require_role("admin")
    form, by, now = request.form, g.user, runtime.now()
    what = form.get("what")
    changes: dict[str, tuple[Callable[[Any], Any], str]] = {
        "name": (lambda c: domain.rename_unit(c, by, code, form.get("name", ""), now),
                 _("名称已修改。")),
        "short_name": (lambda c: domain.set_short_name(c, by, code, form.get("short_name"), now),
                       _("简称已修改。")),
        "active": (lambda c: domain.set_unit_active(c, by, code, form.get("active") == "1", now),
                   _("单位状态已修改。")),
        "parent": (lambda c: domain.move_unit(c, by, code, form.get("parent", ""), now),
                   _("上级单位已调整。")),
    }
    if what not in changes:
        flash(_("未知的操作。"), "error")
        return redirect(url_for("ui.admin_unit", code=code))
    action, message = changes[what]
    return _change(action, message, url_for("ui.admin_unit", code=code))


# -- the journal --------------------------------------------------------------------------

@bp.get("/admin/journal")
@login_required
def admin_journal() -> str:
    require_role("admin")
    before = request.args.get("before", "")
    with read_transaction(runtime.db) as conn:
        events = domain.admin_events(conn, limit=100,
                                     before_seq=int(before) if before.isdigit() else None)
    return _render("admin/journal.html", events=events)
