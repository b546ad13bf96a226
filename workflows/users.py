"""Users, passwords (argon2id) and the roles they hold, turned into engine actors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from hazardflow.engine.services import Actor, Grant

from .roles import DELEGATE_KINDS, DELEGATED_ROLES, ROLES, check_role_at
from .schema import app_user, unit, user_role
from .sessions import revoke_credentials
from .units import get_unit_by_code

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("hazardflow-no-such-user")

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    active: bool

    @classmethod
    def from_row(cls, row: Any) -> User:
        m = row._mapping
        return cls(id=m["id"], username=m["username"], display_name=m["display_name"],
                   active=bool(m["active"]))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def parse_role_spec(conn: Connection, spec: str) -> Grant:
    """``"safety_officer@LA-JA-H01"`` or ``"admin"`` → (role, unit code or None).

    Raises ValueError for an unknown role or unit, a missing unit where the role needs one,
    and a unit given to a role held without one.
    """
    role, sep, code = spec.strip().partition("@")
    role, code = role.strip(), code.strip()
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} in {spec!r}; known roles: {', '.join(ROLES)}")
    if sep and not code:
        raise ValueError(f"missing unit code after @ in {spec!r}")
    found = None
    if code:
        found = get_unit_by_code(conn, code)
        if found is None:
            raise ValueError(f"unknown unit code {code!r} in {spec!r}")
    check_role_at(role, code or None, found.kind if found else None)
    return role, code or None


# built once: asked on every request that carries a session or a token
_USER_COLUMNS = (app_user.c.id, app_user.c.username, app_user.c.display_name,
                 app_user.c.active)
_USER_BY_ID = select(*_USER_COLUMNS).where(app_user.c.id == bindparam("user"))
_USER_BY_NAME = select(*_USER_COLUMNS).where(app_user.c.username == bindparam("user"))
_held_unit = unit.alias("held_unit")
_held_parent = unit.alias("held_unit_parent")
_GRANTS = (select(user_role.c.role, _held_unit.c.code, _held_unit.c.active, _held_unit.c.kind,
                  _held_parent.c.code.label("parent_code"))
           .select_from(user_role.outerjoin(_held_unit, _held_unit.c.id == user_role.c.unit_id)
                        .outerjoin(_held_parent, _held_parent.c.id == _held_unit.c.parent_id))
           .where(user_role.c.user_id == bindparam("user_id")))


def get_user(conn: Connection, user: int | str) -> User | None:
    """A user by id (int) or username (str)."""
    query = _USER_BY_ID if isinstance(user, int) else _USER_BY_NAME
    row = conn.execute(query, {"user": user}).first()
    return User.from_row(row) if row else None


def display_names(conn: Connection, usernames: Iterable[Any]) -> dict[str, str]:
    """Each known username among ``usernames`` to its display name (unknown ones, a system
    or a removed account, are left out: show the username for those)."""
    wanted = sorted({u for u in usernames if isinstance(u, str) and u})
    if not wanted:
        return {}
    rows = conn.execute(select(app_user.c.username, app_user.c.display_name)
                        .where(app_user.c.username.in_(wanted)))
    return {str(name): str(shown) for name, shown in rows if shown}


def add_role(conn: Connection, user_id: int, role: str, unit_code: str | None) -> bool:
    """Grant ``role`` at ``unit_code``; False when the user already holds it."""
    found = get_unit_by_code(conn, unit_code) if unit_code is not None else None
    if unit_code is not None and found is None:
        raise ValueError(f"unknown unit code {unit_code!r}")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known roles: {', '.join(ROLES)}")
    check_role_at(role, unit_code, found.kind if found else None)
    unit_id = found.id if found else None
    unit_match = user_role.c.unit_id.is_(None) if unit_id is None else (
        user_role.c.unit_id == unit_id)
    exists = conn.execute(select(user_role.c.id).where(
        user_role.c.user_id == user_id, user_role.c.role == role, unit_match)).first()
    if exists:
        return False
    conn.execute(user_role.insert().values(user_id=user_id, role=role, unit_id=unit_id))
    return True


def remove_role(conn: Connection, user_id: int, role: str, unit_code: str | None,
                now: datetime | None = None) -> bool:
    """Withdraw a grant; False when the user did not hold it. Access is withdrawn: the
    user's API tokens and page sessions end (they sign in again with what is left)."""
    query = user_role.delete().where(user_role.c.user_id == user_id, user_role.c.role == role)
    if unit_code is None:
        query = query.where(user_role.c.unit_id.is_(None))
    else:
        query = query.where(user_role.c.unit_id == select(unit.c.id).where(
            unit.c.code == unit_code).scalar_subquery())
    removed = bool(conn.execute(query).rowcount)
    if removed:
        revoke_credentials(conn, user_id, _now(now))
    return removed


def create_user(conn: Connection, username: str, password: str, display_name: str,
                roles: Iterable[Grant] = (), now: datetime | None = None) -> User:
    """Add a user with (role, unit code) grants, e.g. ``[("safety_officer", "LA-JA-H01")]``."""
    username = username.strip()
    if not username:
        raise ValueError("a username is required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if get_user(conn, username) is not None:
        raise ValueError(f"username {username!r} is already taken")
    at = _now(now)
    result = conn.execute(app_user.insert().values(
        username=username, display_name=display_name or username,
        password_hash=hash_password(password), active=True, created_at=at, updated_at=at))
    user_id = int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0
    for role, unit_code in roles:
        add_role(conn, user_id, role, unit_code)
    return User(id=user_id, username=username, display_name=display_name or username,
                active=True)


def set_password(conn: Connection, user_id: int, password: str,
                 now: datetime | None = None, *, temporary: bool = False,
                 keep_session: int | None = None) -> None:
    """A new password; ``temporary`` (chosen by an administrator) must be changed by its
    user at the next sign-in, and a user's own change clears that. Every API token and page
    session of the user ends, except ``keep_session`` (the page session of a user changing
    their own password)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(
        password_hash=hash_password(password), must_change_password=temporary,
        updated_at=_now(now)))
    revoke_credentials(conn, user_id, _now(now), keep_session=keep_session)


def set_active(conn: Connection, user_id: int, active: bool,
               now: datetime | None = None) -> None:
    """Enable or disable an account; disabling ends its API tokens and page sessions."""
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(
        active=active, updated_at=_now(now)))
    if not active:
        revoke_credentials(conn, user_id, _now(now))


def must_change_password(conn: Connection, user_id: int) -> bool:
    """Whether the user still holds a password an administrator chose for them."""
    return bool(conn.execute(select(app_user.c.must_change_password)
                             .where(app_user.c.id == user_id)).scalar())


def check_password(conn: Connection, user_id: int, password: str) -> bool:
    """Whether ``password`` is the user's current one (a user confirming who they are)."""
    stored = conn.execute(select(app_user.c.password_hash)
                          .where(app_user.c.id == user_id)).scalar()
    return stored is not None and verify_password(stored, password)


def authenticate(conn: Connection, username: str, password: str,
                 now: datetime | None = None) -> User | None:
    """The active user with this username and password, else None.

    An unknown username still costs one argon2 verification. A hash made with older
    parameters is replaced on a successful login.
    """
    row = conn.execute(select(app_user.c.id, app_user.c.username, app_user.c.display_name,
                              app_user.c.active, app_user.c.password_hash)
                       .where(app_user.c.username == username.strip())).first()
    if row is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(row.password_hash, password) or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(
            password_hash=hash_password(password), updated_at=_now(now)))
    return User.from_row(row)


def grants_of(conn: Connection, user_id: int) -> list[Grant]:
    """The (role, unit code) pairs a user holds at active units, sorted. A role of
    ``roles.DELEGATED_ROLES`` held at a 卫生监督所 also counts as held at the commission it
    acts for (``units.delegating_bodies``): its inspectors inspect and re-check as that
    commission's, for candidate resolution and scope alike."""
    rows = conn.execute(_GRANTS, {"user_id": user_id}).all()  # with each unit's parent
    live = [r for r in rows if r.code is None or r.active]
    held: set[Grant] = {(r.role, r.code) for r in live}
    held |= {(r.role, r.parent_code) for r in live  # units.delegating_bodies, in the same read
             if r.code and r.role in DELEGATED_ROLES and r.kind in DELEGATE_KINDS
             and r.parent_code is not None}
    return sorted(held, key=lambda g: (g[0], g[1] or ""))


def actor_for(conn: Connection, user: int | str) -> Actor:
    """The engine actor for a user (id or username): id = username, grants = (role, unit code).

    An inactive user becomes an actor without grants. LookupError for an unknown user.
    """
    found = get_user(conn, user)
    if found is None:
        raise LookupError(f"unknown user {user!r}")
    return actor_of(conn, found)


def actor_of(conn: Connection, user: User) -> Actor:
    """:func:`actor_for` a user already read."""
    if not user.active:
        return Actor(user.username)
    grants = frozenset(grants_of(conn, user.id))
    return Actor(user.username, grants, admin=any(r == "admin" for r, _ in grants))
