"""Administration (系统管理): the unit tree, users, their roles at units, password resets,
disabling, and the journal of those changes.

Every function here is for the ``admin`` permission and asks ``policy`` itself before it
opens a transaction. A change runs in one unit of work with its journal record
(``workflows.admin``): a refused change leaves neither. Refusals are the engine's errors:
``Forbidden`` for a user who is not an administrator, ``admin.LockedOut`` (a ``Forbidden``)
for a change that would lock administration out, ``InvalidInput`` and ``NotFound`` for the
rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, Forbidden, InvalidInput
from hazardflow.engine.services import Grant

from .. import admin, policy, unit_import
from ..roles import UNITLESS_ROLES, parent_problem
from ..runtime import Runtime
from ..units import Unit, list_units
from ..uow import reading, unit_of_work
from ..users import User, get_user

ADMIN = "admin"
Tree = list[tuple[int, Unit]]  # (depth, unit) in tree order


def _by(conn: Connection, actor: Actor) -> User:
    """The administrator acting, as a user (the journal names them, the rules compare)."""
    found = get_user(conn, actor.id)
    if found is None:
        raise Forbidden(f"没有这个用户：{actor.id} (no such user)")
    return found


# -- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class UsersView:
    page: admin.UserPage
    units: Tree  # for the new user form


@dataclass(frozen=True)
class UserView:
    user: User
    grants: list[Grant]
    events: list[dict[str, Any]]  # the journal about this user, newest first
    units: Tree


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    events: list[dict[str, Any]]
    parents: Tree  # where its kind may sit (it may be moved there)
    movable: bool  # whether its place may change (not the city, counties, city-direct)


def users(rt: Runtime, actor: Actor, search: str | None = None, page: int = 1,
          per_page: int = 50) -> UsersView:
    """A page of users (``search`` matches username or name) with their grants."""
    policy.require(actor, ADMIN)
    with reading(rt) as conn:
        return UsersView(admin.list_users(conn, search or None, page, per_page),
                         list_units(conn))


def user(rt: Runtime, actor: Actor, user_id: int) -> UserView:
    policy.require(actor, ADMIN)
    with reading(rt) as conn:
        found = admin.require_user(conn, user_id)
        return UserView(found, admin.grants_with_units(conn, [user_id])[user_id],
                        admin.admin_events(conn, subject=f"user:{found.username}", limit=50),
                        list_units(conn))


def units(rt: Runtime, actor: Actor) -> Tree:
    policy.require(actor, ADMIN)
    with reading(rt) as conn:
        return list_units(conn)


def unit(rt: Runtime, actor: Actor, code: str) -> UnitView:
    policy.require(actor, ADMIN)
    with reading(rt) as conn:
        found = admin.require_unit(conn, code)
        parents = [(depth, u) for depth, u in list_units(conn)
                   if u.id != found.id and parent_problem(found.kind, u.kind) is None]
        return UnitView(found, admin.admin_events(conn, subject=f"unit:{code}", limit=50),
                        parents, found.kind not in admin.FIXED_KINDS)


def journal(rt: Runtime, actor: Actor, before_seq: int | None = None,
            limit: int = 100) -> list[dict[str, Any]]:
    """The journal of user, role and unit changes, newest first, before ``before_seq``."""
    policy.require(actor, ADMIN)
    with reading(rt) as conn:
        return admin.admin_events(conn, limit=limit, before_seq=before_seq)


# -- users -----------------------------------------------------------------------------------

def create_user(rt: Runtime, actor: Actor, username: str, display_name: str,
                grants: list[Grant]) -> tuple[User, str]:
    """A new user and their generated one-time password (shown to the admin only now)."""
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.create_user(conn, _by(conn, actor), username=username,
                                 display_name=display_name, grants=grants, now=rt.now())


def rename_user(rt: Runtime, actor: Actor, user_id: int, display_name: str) -> User:
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.set_display_name(conn, _by(conn, actor), user_id, display_name, rt.now())


def set_user_active(rt: Runtime, actor: Actor, user_id: int, active: bool) -> User:
    """Disable (the user's page sessions and API tokens end now) or enable."""
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.set_user_active(conn, _by(conn, actor), user_id, active, rt.now())


def reset_password(rt: Runtime, actor: Actor, user_id: int) -> str:
    """A new generated password, returned once; the user's sessions and API tokens end and
    they must choose their own at the next sign-in."""
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.reset_password(conn, _by(conn, actor), user_id, rt.now())


def grant_role(rt: Runtime, actor: Actor, user_id: int, role: str,
               unit_code: str | None) -> bool:
    """Grant ``role`` at ``unit_code`` (ignored for roles held without a unit); False if
    the user already holds it."""
    policy.require(actor, ADMIN)
    code = None if role in UNITLESS_ROLES else unit_code
    with unit_of_work(rt) as conn:
        return admin.grant_role(conn, _by(conn, actor), user_id, role, code, rt.now())


def revoke_role(rt: Runtime, actor: Actor, user_id: int, role: str,
                unit_code: str | None) -> bool:
    """Withdraw a grant (the user's sessions and API tokens end); False if not held."""
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.revoke_role(conn, _by(conn, actor), user_id, role, unit_code, rt.now())


# -- units -----------------------------------------------------------------------------------

def create_unit(rt: Runtime, actor: Actor, *, code: str, name: str, kind: str,
                parent_code: str | None, short_name: str | None) -> Unit:
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.create_unit(conn, _by(conn, actor), code=code, name=name, kind=kind,
                                 parent_code=parent_code, short_name=short_name, now=rt.now())


def rename_unit(rt: Runtime, actor: Actor, code: str, name: str) -> Unit:
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.rename_unit(conn, _by(conn, actor), code, name, rt.now())


def set_unit_short_name(rt: Runtime, actor: Actor, code: str, short_name: str | None) -> Unit:
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.set_short_name(conn, _by(conn, actor), code, short_name, rt.now())


def set_unit_active(rt: Runtime, actor: Actor, code: str, active: bool) -> Unit:
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.set_unit_active(conn, _by(conn, actor), code, active, rt.now())


def move_unit(rt: Runtime, actor: Actor, code: str, parent_code: str) -> Unit:
    """Put a unit under another parent its kind may sit under; its county (and its open
    hazards') follow."""
    policy.require(actor, ADMIN)
    with unit_of_work(rt) as conn:
        return admin.move_unit(conn, _by(conn, actor), code, parent_code, rt.now())


UNIT_CHANGES = ("name", "short_name", "active", "parent")


def change_unit(rt: Runtime, actor: Actor, code: str, what: str, value: str | None) -> Unit:
    """One field of a unit, as the unit page's forms send it: ``what`` is name, short_name,
    active ("1" or not) or parent (a unit code)."""
    policy.require(actor, ADMIN)
    if what == "name":
        return rename_unit(rt, actor, code, value or "")
    if what == "short_name":
        return set_unit_short_name(rt, actor, code, value)
    if what == "active":
        return set_unit_active(rt, actor, code, value == "1")
    if what == "parent":
        return move_unit(rt, actor, code, value or "")
    raise InvalidInput("unknown change", [Detail(
        f"未知的操作：{what} (unknown change; one of: {', '.join(UNIT_CHANGES)})",
        field="what")])


# -- importing units ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    dry_run: bool
    rows: list[dict[str, Any]]  # each row with its problems (SheetRow.as_dict)
    created: int  # units written (0 in a dry run)

    @property
    def ok(self) -> bool:
        return not any(r["problems"] for r in self.rows)

    @classmethod
    def refused(cls, refusal: unit_import.RowsRefused) -> ImportResult:
        """What a refused import says of each row (nothing was written)."""
        return cls(False, [r.as_dict() for r in refusal.rows], 0)


def import_units(rt: Runtime, actor: Actor, data: bytes, *, dry_run: bool) -> ImportResult:
    """Units from an Excel sheet. The dry run lists each row's problems and writes nothing;
    the import writes every row (each journaled) or, when any row has a problem, none
    (``unit_import.RowsRefused``, an InvalidInput naming each row's problems)."""
    policy.require(actor, ADMIN)
    if dry_run:
        with reading(rt) as conn:
            rows = unit_import.check_sheet(conn, data)
        return ImportResult(True, [r.as_dict() for r in rows], 0)
    with unit_of_work(rt) as conn:
        rows = unit_import.import_sheet(conn, _by(conn, actor), data, rt.now())
    return ImportResult(False, [r.as_dict() for r in rows], len(rows))



def import_template(rt: Runtime, actor: Actor) -> list[list[str]]:
    """The sheet to fill in: its header and example rows."""
    policy.require(actor, ADMIN)
    return unit_import.template_rows()
