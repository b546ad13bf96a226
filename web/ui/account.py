"""Sign in, sign out, and change one's own password."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import InvalidInput
from hazardflow.workflows.usecases import accounts
from hazardflow.workflows.users import MIN_PASSWORD_LENGTH

from .. import signin
from ..extensions import runtime
from . import SESSION_KEY, bp, current_actor, local_path, login_required, notices


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
    guard, address = signin.policy(), signin.client_address()
    wait = guard.wait_seconds(username, address)
    if wait:
        flash(_("登录失败次数过多，请 %(n)d 秒后再试。", n=wait), "error")
        page = render_template("ui/login.html", next=request.form.get("next", ""),
                               username=username)
        return Response(page, status=429, headers={"Retry-After": str(wait)})
    old = session.get(SESSION_KEY)  # signing in over a session: the old one ends
    opened = accounts.sign_in(runtime, username, password,
                              replacing=old if isinstance(old, str) else None)
    if opened is None:
        guard.failed(username, address)
        flash(_("用户名或密码错误。"), "error")
        return render_template("ui/login.html", next=request.form.get("next", ""),
                               username=username), 401
    guard.succeeded(username, address)
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = opened.secret
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign out: the session ends on the server, so a copy of the cookie is worth nothing."""
    key = session.get(SESSION_KEY)
    if isinstance(key, str):
        accounts.sign_out(runtime, key)
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
        return notices.account_page()  # the password form, then the notice settings
    current = request.form.get("current", "")
    new = request.form.get("new", "")
    repeat = request.form.get("repeat", "")
    if new != repeat:
        return _refuse(_("两次输入的新密码不一致。"))
    try:  # every other session and API token of the user ends
        accounts.change_password(runtime, current_actor(), current, new,
                                 keep_session=g.session_id)
    except InvalidInput as exc:
        fields = {d.field for d in exc.details}
        if "new" in fields:
            return _refuse(_("新密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH))
        return _refuse(_("当前密码不正确。"))
    flash(_("密码已修改。"), "info")
    return redirect(url_for("ui.inbox"))


def _refuse(problem: str) -> tuple[str, int]:
    flash(problem, "error")
    return notices.account_page(422)
