"""Sign in, sign out, and change one's own password."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from hazardflow.engine import journal
from hazardflow.engine.db import write_transaction
from hazardflow.workflows import sessions
from hazardflow.workflows.schema import app_user
from hazardflow.workflows.users import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    set_password,
    verify_password,
)

from .. import signin
from ..extensions import runtime
from . import SESSION_KEY, bp, local_path, login_required


def _safe_next(target: str | None) -> str:
    return local_path(target, url_for("ui.inbox"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        if getattr(g, "user", None) is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("ui/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    settings = runtime.settings
    guard, address = signin.policy(), signin.client_address()
    wait = guard.wait_seconds(username, address)
    if wait:
        flash(_("登录失败次数过多，请 %(n)d 秒后再试。", n=wait), "error")
        page = render_template("ui/login.html", next=request.form.get("next", ""),
                               username=username)
        return Response(page, status=429, headers={"Retry-After": str(wait)})
    now = runtime.engine.clock.now()
    with write_transaction(runtime.db) as conn:
        user = authenticate(conn, username, password, now)
        if user is not None:
            old = session.get(SESSION_KEY)
            if isinstance(old, str):  # signing in over a session: the old one ends
                sessions.end_session(conn, old, now)
            new_key, _row = sessions.open_session(conn, user.id, now,
                                                  settings.token_ttl_seconds)
    if user is None:
        guard.failed(username, address)
        flash(_("用户名或密码错误。"), "error")
        return render_template("ui/login.html", next=request.form.get("next", ""),
                               username=username), 401
    guard.succeeded(username, address)
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = new_key
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign out: the session ends on the server, so a copy of the cookie is worth nothing."""
    key = session.get(SESSION_KEY)
    if isinstance(key, str):
        with write_transaction(runtime.db) as conn:
            sessions.end_session(conn, key, runtime.now())
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录。"), "info")
    return redirect(url_for("ui.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("ui/password.html")
    current = request.form.get("current", "")
    new = request.form.get("new", "")
    repeat = request.form.get("repeat", "")
    problem = None
    if new != repeat:
        problem = _("两次输入的新密码不一致。")
    elif len(new) < MIN_PASSWORD_LENGTH:
        problem = _("新密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH)
    now = runtime.engine.clock.now()
    with write_transaction(runtime.db) as conn:
        stored = conn.execute(select(app_user.c.password_hash)
                              .where(app_user.c.id == g.user.id)).scalar_one()
        if problem is None and not verify_password(stored, current):
            problem = _("当前密码不正确。")
        if problem is None:  # every other session and API token of the user ends
            set_password(conn, g.user.id, new, now, keep_session=g.session_id)
            journal.record(conn, actor=g.user.username, action="user.password_changed",
                           subject=f"user:{g.user.username}", payload={}, at=now)
    if problem is not None:
        flash(problem, "error")
        return render_template("ui/password.html"), 422
    flash(_("密码已修改。"), "info")
    return redirect(url_for("ui.inbox"))
