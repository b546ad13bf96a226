"""One's own account: signing in (a page session or an API token), signing out, changing
one's own password, and who a session key or a token belongs to.

Secrets (a session key, a token) are handed out here once and stored only hashed
(``workflows.sessions``). A wrong username or password is not an error but an answer:
:func:`sign_in` and :func:`issue_token` return None, and the caller counts the failure
(the sign-in throttle lives with the web, in ``web/signin.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hazardflow.engine import Actor, Detail, Forbidden, InvalidInput, NotFound, journal

from .. import sessions
from ..runtime import Runtime
from ..units import unit_names
from ..uow import reading, unit_of_work
from ..users import (
    MIN_PASSWORD_LENGTH,
    User,
    actor_of,
    authenticate,
    check_password,
    display_names,
    get_user,
    must_change_password,
    set_password,
)


class PasswordChangeRequired(Forbidden):
    """The password is one an administrator set (new user, reset): no API token until the
    user has chosen their own in the pages."""

    def __init__(self) -> None:
        super().__init__("此密码由管理员设置，请先登录网页设置自己的密码 (an administrator set "
                         "this password: sign in to the web pages and choose your own first)")
        self.code = "password_change_required"


@dataclass(frozen=True)
class Opened:
    """A credential just opened: its secret is shown only here."""

    user: User
    secret: str  # the page session's key (for the cookie) or the API bearer token
    expires_at: datetime


@dataclass(frozen=True)
class Identity:
    """Who a live session or token belongs to."""

    user: User
    actor: Actor
    session_id: int | None = None  # the page session (None for an API token)
    must_change_password: bool = False


def sign_in(rt: Runtime, username: str, password: str, *,
            replacing: str | None = None) -> Opened | None:
    """A page session for the right username and password (None otherwise). ``replacing``
    is the key of the session the browser had: it ends, signing in over it."""
    now = rt.now()
    with unit_of_work(rt) as conn:
        user = authenticate(conn, username, password, now)
        if user is None:
            return None
        if replacing is not None:
            sessions.end_session(conn, replacing, now)
        key, opened = sessions.open_session(conn, user.id, now, rt.settings.token_ttl_seconds)
    return Opened(user, key, opened.expires_at)


def issue_token(rt: Runtime, username: str, password: str) -> Opened | None:
    """An API bearer token for the right username and password (None otherwise);
    :class:`PasswordChangeRequired` while the password is one an administrator set."""
    now = rt.now()
    with unit_of_work(rt) as conn:
        user = authenticate(conn, username, password, now)
        if user is None:
            return None
        if must_change_password(conn, user.id):
            raise PasswordChangeRequired()
        token, expires = sessions.issue_token(conn, user.id, now, rt.settings.token_ttl_seconds)
    return Opened(user, token, expires)


def sign_out(rt: Runtime, key: str) -> bool:
    """End the page session with this key for every copy of the cookie; False if it was not
    live."""
    with unit_of_work(rt) as conn:
        return sessions.end_session(conn, key, rt.now())


def revoke_token(rt: Runtime, token: str) -> bool:
    with unit_of_work(rt) as conn:
        return sessions.revoke_token(conn, token, rt.now())


def change_password(rt: Runtime, actor: Actor, current: str, new: str, *,
                    keep_session: int | None = None) -> None:
    """The user's own new password, after their current one. Every other page session and
    API token of theirs ends; ``keep_session`` (the session they did it in) goes on.
    InvalidInput names the field: ``new`` (too short) or ``current`` (wrong)."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("新密码太短 (password too short)", [Detail(
            f"新密码至少需要 {MIN_PASSWORD_LENGTH} 个字符 (a password needs at least "
            f"{MIN_PASSWORD_LENGTH} characters)", field="new")])
    now = rt.now()
    with unit_of_work(rt) as conn:
        user = get_user(conn, actor.id)
        if user is None or not user.active:
            raise NotFound(f"没有这个用户：{actor.id} (no such user)")
        if not check_password(conn, user.id, current):
            raise InvalidInput("wrong password", [Detail(
                "当前密码不正确 (the current password is wrong)", field="current")])
        set_password(conn, user.id, new, now, keep_session=keep_session)
        journal.record(conn, actor=user.username, action="user.password_changed",
                       subject=f"user:{user.username}", payload={}, at=now)


def session_identity(rt: Runtime, key: str) -> Identity | None:
    """Who the page session with this key is: None for a key signed out, revoked (new
    password, disabled, role withdrawn), expired or unknown, and for a disabled user. The
    session's last-seen time is written at most once a minute."""
    now = rt.now()
    with reading(rt) as conn:
        found = sessions.find_session(conn, key, now)
        holder = found.holder if found is not None else None
        if found is None or holder is None or not holder.active:
            return None
        user = _user(holder)
        identity = Identity(user, actor_of(conn, user), found.id, holder.must_change_password)
    if sessions.needs_touch(found, now):
        with unit_of_work(rt) as conn:
            sessions.touch(conn, found.id, now)
    return identity


def token_identity(rt: Runtime, token: str) -> Identity | None:
    """Who the API token is: None for one revoked, expired or unknown, or a disabled user."""
    with reading(rt) as conn:
        holder = sessions.token_user(conn, token, rt.now())
        if holder is None or not holder.active:
            return None
        user = _user(holder)
        return Identity(user, actor_of(conn, user))


def _user(holder: sessions.Holder) -> User:
    return User(holder.user_id, holder.username, holder.display_name, holder.active)


def unit_names_of(rt: Runtime, codes: list[str]) -> dict[str, str]:
    """Each known unit code among ``codes`` to the unit's name (what a page shows for a
    unit; unknown ones are left out)."""
    with reading(rt) as conn:
        return unit_names(conn, codes)


def names_of(rt: Runtime, usernames: list[str]) -> dict[str, str]:
    """Each known username among ``usernames`` to its display name (what a page shows
    for a person; unknown ones are left out)."""
    with reading(rt) as conn:
        return display_names(conn, usernames)
