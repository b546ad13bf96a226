"""Administration (系统管理): the unit tree, users, their roles at units, and the journal of
those changes.

Every function changes the database in the caller's transaction and records the change in
the system journal (``hazardflow.engine.journal``) in that same transaction, so a change
and its record commit or roll back together. ``by`` is the administrator doing it. Refusals
raise the engine's errors (InvalidInput, NotFound, and LockedOut, a Forbidden) with plain
messages; passwords never reach the journal. Who may call these is the use-cases' business
(``usecases.admin``, the ``admin`` permission).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, Forbidden, InvalidInput, NotFound, journal
from hazardflow.engine.journal import system_event
from hazardflow.engine.services import Grant

from . import units as org
from . import users
from .roles import COUNTY_LEVEL_KINDS, ROLES, kind_name, parent_problem, role_name
from .schema import app_user, hazard, unit, user_role
from .units import Unit
from .users import User

ADMIN_PREFIXES = ("user.", "role.", "unit.")
MAX_NAME = 128
MAX_UNIT_NAME = 255
MAX_SHORT_NAME = 64
# kinds whose place is fixed: the root, and the bodies directly under the city
FIXED_KINDS = COUNTY_LEVEL_KINDS | {"city_commission", "city_direct"}


class LockedOut(Forbidden):
    """A change that would lock administration out: an administrator disabling themselves
    or dropping their own admin role, or the last active administrator losing theirs. A
    refusal of the change, not of the person asking (they are an administrator)."""


def _invalid(message: str, field_name: str | None = None) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field_name)])


def _record(conn: Connection, by: User, action: str, subject: str, payload: Mapping[str, Any],
            now: datetime) -> None:
    journal.record(conn, actor=by.username, action=action, subject=subject,
                   payload=dict(payload), at=now)


# -- units --------------------------------------------------------------------------------

def require_unit(conn: Connection, code: str) -> Unit:
    found = org.get_unit_by_code(conn, code)
    if found is None:
        raise NotFound(f"没有这个单位：{code}")
    return found


def _text(value: str | None, what: str, limit: int, field_name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid(f"{what}不能为空", field_name)
    if len(text) > limit:
        raise _invalid(f"{what}最多 {limit} 个字符", field_name)
    return text


def create_unit(conn: Connection, by: User, *, code: str, name: str, kind: str,
                parent_code: str | None, short_name: str | None, now: datetime) -> Unit:
    code = _text(code, "单位编码", 64, "code").upper()
    name = _text(name, "单位名称", MAX_UNIT_NAME, "name")
    short = (short_name or "").strip() or None
    try:
        made = org.create_unit(conn, code, name, kind, parent_code or None, short_name=short)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    _record(conn, by, "unit.created", f"unit:{code}",
            {"name": name, "kind": kind, "parent": parent_code or None, "short_name": short},
            now)
    return made


def _update_unit(conn: Connection, found: Unit, **values: Any) -> Unit:
    conn.execute(sa.update(unit).where(unit.c.id == found.id).values(**values))
    changed = org.get_unit(conn, found.id)
    assert changed is not None
    return changed


def rename_unit(conn: Connection, by: User, code: str, name: str, now: datetime) -> Unit:
    found = require_unit(conn, code)
    name = _text(name, "单位名称", MAX_UNIT_NAME, "name")
    if name == found.name:
        return found
    _record(conn, by, "unit.renamed", f"unit:{code}", {"from": found.name, "to": name}, now)
    return _update_unit(conn, found, name=name)


def set_short_name(conn: Connection, by: User, code: str, short_name: str | None,
                   now: datetime) -> Unit:
    found = require_unit(conn, code)
    short = (short_name or "").strip() or None
    if short is not None and len(short) > MAX_SHORT_NAME:
        raise _invalid(f"简称最多 {MAX_SHORT_NAME} 个字符", "short_name")
    if short == found.short_name:
        return found
    _record(conn, by, "unit.short_name_set", f"unit:{code}",
            {"from": found.short_name, "to": short}, now)
    return _update_unit(conn, found, short_name=short)


def set_unit_active(conn: Connection, by: User, code: str, active: bool,
                    now: datetime) -> Unit:
    """Deactivate or reactivate a unit; roles held there count only while it is active."""
    found = require_unit(conn, code)
    if found.active == active:
        return found
    if not active and found.parent_id is None:
        raise _invalid("不能停用根单位（市卫健委）")
    _record(conn, by, "unit.activated" if active else "unit.deactivated", f"unit:{code}",
            {}, now)
    return _update_unit(conn, found, active=active)


def move_unit(conn: Connection, by: User, code: str, parent_code: str,
              now: datetime) -> Unit:
    """Put a unit under another parent, where its kind may sit (``roles.PARENT_KINDS``: a
    村卫生室 under a 乡镇卫生院…). Its supervising county (and that of every unit below it,
    and of their open hazards) follows the new parent. The city, county-level bodies and
    city-direct units stay where they are: directly under the city."""
    found = require_unit(conn, code)
    parent = require_unit(conn, parent_code)
    if found.kind in FIXED_KINDS:
        raise _invalid(f"{kind_name(found.kind)}不能调整上级单位；县区卫健委、开发区卫健办和"
                       "市直单位直属市卫健委", "parent")
    if parent.id == found.parent_id:
        return found
    below = org.descendant_ids(conn, code)
    if parent.id in below:
        raise _invalid(f"不能把 {found.name} 放到它自己的下级单位之下", "parent")
    problem = parent_problem(found.kind, parent.kind)
    if problem is not None:
        raise _invalid(problem, "parent")
    county = org.county_code_under(parent, found.kind, found.code)
    old_parent = org.get_unit(conn, found.parent_id) if found.parent_id else None
    conn.execute(sa.update(unit).where(unit.c.id.in_(sorted(below))).values(
        county_code=county))
    conn.execute(sa.update(hazard).where(hazard.c.unit_id.in_(sorted(below)),
                                         hazard.c.status == "open").values(county_code=county))
    _record(conn, by, "unit.moved", f"unit:{code}",
            {"from": old_parent.code if old_parent else None, "to": parent.code,
             "county": county, "units": len(below)}, now)
    return _update_unit(conn, found, parent_id=parent.id)


# -- users --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UserRow:
    user: User
    grants: list[Grant] = field(default_factory=list)


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def grants_with_units(conn: Connection, user_ids: list[int]) -> dict[int, list[Grant]]:
    """Every grant of these users, inactive units included, sorted."""
    out: dict[int, list[Grant]] = {i: [] for i in user_ids}
    rows = conn.execute(
        sa.select(user_role.c.user_id, user_role.c.role, unit.c.code)
        .select_from(user_role.outerjoin(unit, unit.c.id == user_role.c.unit_id))
        .where(user_role.c.user_id.in_(user_ids))
        .order_by(user_role.c.role, unit.c.code))
    for r in rows:
        out[int(r.user_id)].append((r.role, r.code))
    return out


def list_users(conn: Connection, search: str | None = None, page: int = 1,
               per_page: int = 50) -> UserPage:
    """Users by username, with their grants; ``search`` matches username or display name."""
    page, per_page = max(1, page), min(max(1, per_page), 200)
    where: list[sa.ColumnElement[bool]] = []
    if search and search.strip():
        needle = search.strip()
        where.append(sa.or_(app_user.c.username.icontains(needle, autoescape=True),
                            app_user.c.display_name.icontains(needle, autoescape=True)))
    total = conn.execute(sa.select(sa.func.count()).select_from(app_user)
                         .where(*where)).scalar_one()
    found = [User.from_row(r) for r in conn.execute(
        sa.select(app_user.c.id, app_user.c.username, app_user.c.display_name,
                  app_user.c.active).where(*where).order_by(app_user.c.username)
        .limit(per_page).offset((page - 1) * per_page))]
    grants = grants_with_units(conn, [u.id for u in found])
    return UserPage([UserRow(u, grants[u.id]) for u in found], int(total), page, per_page)


def require_user(conn: Connection, user_id: int) -> User:
    found = users.get_user(conn, user_id)
    if found is None:
        raise NotFound(f"没有这个用户：{user_id}")
    return found


def generate_password() -> str:
    """A one-time password to hand over: 12 characters, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def create_user(conn: Connection, by: User, *, username: str, display_name: str,
                grants: list[Grant], now: datetime) -> tuple[User, str]:
    """A new active user with a generated password, returned once to show the admin."""
    username = _text(username, "用户名", 64, "username")
    display_name = _text(display_name or username, "姓名", MAX_NAME, "display_name")
    password = generate_password()
    for role, code in grants:
        _check_grant(conn, role, code)
    try:
        made = users.create_user(conn, username, password, display_name, grants, now=now)
    except ValueError as exc:
        raise _invalid(str(exc), "username") from None
    users.set_password(conn, made.id, password, now, temporary=True)
    _record(conn, by, "user.created", f"user:{username}",
            {"display_name": display_name,
             "roles": [f"{r}@{c}" if c else r for r, c in grants]}, now)
    return made, password


def set_display_name(conn: Connection, by: User, user_id: int, display_name: str,
                     now: datetime) -> User:
    found = require_user(conn, user_id)
    name = _text(display_name, "姓名", MAX_NAME, "display_name")
    if name != found.display_name:
        conn.execute(sa.update(app_user).where(app_user.c.id == user_id).values(
            display_name=name, updated_at=now))
        _record(conn, by, "user.renamed", f"user:{found.username}",
                {"from": found.display_name, "to": name}, now)
    return require_user(conn, user_id)


def _active_admins(conn: Connection) -> set[int]:
    return {int(i) for i in conn.execute(
        sa.select(user_role.c.user_id).join(app_user, app_user.c.id == user_role.c.user_id)
        .where(user_role.c.role == "admin", app_user.c.active.is_(True))).scalars()}


def set_user_active(conn: Connection, by: User, user_id: int, active: bool,
                    now: datetime) -> User:
    """Disable or re-enable an account. A disabled user cannot sign in, and their page
    sessions and API tokens end now (``users.set_active``)."""
    found = require_user(conn, user_id)
    if not active and found.id == by.id:
        raise LockedOut("不能停用自己的账号")
    if found.active == active:
        return found
    if not active and _active_admins(conn) == {found.id}:
        raise LockedOut("不能停用最后一个可用的系统管理员")
    users.set_active(conn, user_id, active, now)
    _record(conn, by, "user.enabled" if active else "user.disabled",
            f"user:{found.username}", {}, now)
    return require_user(conn, user_id)


def reset_password(conn: Connection, by: User, user_id: int, now: datetime) -> str:
    """Give the user a generated password (returned once); their page sessions and API
    tokens end (``users.set_password``)."""
    found = require_user(conn, user_id)
    password = generate_password()
    users.set_password(conn, user_id, password, now, temporary=True)
    _record(conn, by, "user.password_reset", f"user:{found.username}", {}, now)
    return password


# -- roles --------------------------------------------------------------------------------

def _check_grant(conn: Connection, role: str, code: str | None) -> None:
    if role not in ROLES:
        raise _invalid(f"未知的角色：{role}", "role")
    try:
        users.parse_role_spec(conn, f"{role}@{code}" if code else role)
    except ValueError as exc:
        raise _invalid(str(exc), "unit") from None


def grant_role(conn: Connection, by: User, user_id: int, role: str, unit_code: str | None,
               now: datetime) -> bool:
    """Grant ``role`` at ``unit_code`` (None for admin and designer); False if held."""
    found = require_user(conn, user_id)
    code = (unit_code or "").strip() or None
    _check_grant(conn, role, code)
    if not users.add_role(conn, user_id, role, code):
        return False
    _record(conn, by, "role.granted", f"user:{found.username}",
            {"role": role, "unit": code, "role_name": role_name(role)}, now)
    return True


def revoke_role(conn: Connection, by: User, user_id: int, role: str, unit_code: str | None,
                now: datetime) -> bool:
    """Withdraw a grant; False if the user did not hold it. An admin keeps their own admin
    role, and the last active admin keeps theirs. The user's page sessions and API tokens
    end (``users.remove_role``)."""
    found = require_user(conn, user_id)
    code = (unit_code or "").strip() or None
    if role == "admin" and found.id == by.id:
        raise LockedOut("不能撤销自己的系统管理员角色")
    if role == "admin" and _active_admins(conn) == {found.id}:
        raise LockedOut("不能撤销最后一个可用的系统管理员")
    if not users.remove_role(conn, user_id, role, code, now):
        return False
    _record(conn, by, "role.revoked", f"user:{found.username}",
            {"role": role, "unit": code, "role_name": role_name(role)}, now)
    return True


# -- the journal of administration ---------------------------------------------------------

def admin_events(conn: Connection, *, subject: str | None = None, limit: int = 100,
                 before_seq: int | None = None) -> list[dict[str, Any]]:
    """Journal records of user, role and unit changes, newest first."""
    query = (sa.select(system_event)
             .where(sa.or_(*(system_event.c.action.startswith(p) for p in ADMIN_PREFIXES)))
             .order_by(system_event.c.seq.desc()).limit(limit))
    if subject is not None:
        query = query.where(system_event.c.subject == subject)
    if before_seq is not None:
        query = query.where(system_event.c.seq < before_seq)
    return [{"seq": r.seq, "actor": r.actor, "action": r.action, "subject": r.subject,
             "at": r.at, "payload": json.loads(r.payload)} for r in conn.execute(query)]
