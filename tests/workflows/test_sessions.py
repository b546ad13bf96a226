"""Page sessions and API tokens: stored hashed, expiring, and all ended by one function,
revoke_credentials, on every path that changes a password, disables a user or withdraws a
role. The last test reads the source to find those paths, so a new one cannot skip it."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from hazardflow.workflows import admin, sessions, users
from hazardflow.workflows.schema import app_user
from hazardflow.workflows.sessions import api_token, user_session
from hazardflow.workflows.users import User, create_user

from ..statements import recorded

TTL = 3600
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def boss(conn: Connection, now: datetime) -> User:
    return create_user(conn, "boss", "boss-password", "管理员", [("admin", None)], now=now)


@pytest.fixture
def wang(conn: Connection, now: datetime) -> User:
    return create_user(conn, "wang", "wangs-password", "王医生",
                       [("rectifier", "LA-JA-H01"), ("verifier", "LA-JA-H01")], now=now)


def credentials(conn: Connection, user: User, now: datetime) -> tuple[str, str]:
    """A page session key and an API token for the user."""
    key, _ = sessions.open_session(conn, user.id, now, TTL)
    token, _ = sessions.issue_token(conn, user.id, now, TTL)
    return key, token


def alive(conn: Connection, key: str, token: str, now: datetime) -> tuple[bool, bool]:
    return (sessions.find_session(conn, key, now) is not None,
            sessions.token_user(conn, token, now) is not None)


def test_a_session_key_is_stored_only_as_its_hash_and_expires(conn: Connection, wang: User,
                                                              now: datetime) -> None:
    key, row = sessions.open_session(conn, wang.id, now, TTL)
    stored = conn.execute(sa.select(user_session.c.key_hash)).scalars().all()
    assert stored == [sessions.digest(key)] and key not in stored
    assert row.expires_at == now + timedelta(seconds=TTL)
    found = sessions.find_session(conn, key, now + timedelta(seconds=TTL - 1))
    assert found is not None and found.user_id == wang.id
    assert sessions.find_session(conn, key, now + timedelta(seconds=TTL)) is None
    assert sessions.find_session(conn, key + "x", now) is None


def test_ending_a_session_ends_only_that_one(conn: Connection, wang: User,
                                             now: datetime) -> None:
    first, _ = sessions.open_session(conn, wang.id, now, TTL)
    second, _ = sessions.open_session(conn, wang.id, now, TTL)
    assert sessions.end_session(conn, first, now) is True
    assert sessions.end_session(conn, first, now) is False
    assert sessions.find_session(conn, first, now) is None
    assert sessions.find_session(conn, second, now) is not None


def test_last_seen_is_written_at_most_once_a_minute(conn: Connection, wang: User,
                                                    now: datetime) -> None:
    key, row = sessions.open_session(conn, wang.id, now, TTL)
    assert not sessions.needs_touch(row, now + timedelta(seconds=59))
    later = now + timedelta(seconds=60)
    found = sessions.find_session(conn, key, later)
    assert found is not None and sessions.needs_touch(found, later)
    sessions.touch(conn, row.id, later)
    found = sessions.find_session(conn, key, later)
    assert found is not None and not sessions.needs_touch(found, later)


def test_a_session_and_a_token_are_read_with_their_holder_in_one_statement(
        conn: Connection, wang: User, now: datetime) -> None:
    """Who a request is: the credential and its user in one read (the grants are one more)."""
    key, token = credentials(conn, wang, now)
    with recorded(conn.engine) as seen:
        found = sessions.find_session(conn, key, now)
        holder = sessions.token_user(conn, token, now)
    assert len(seen) == 2, seen
    assert found is not None and found.holder == holder
    assert holder == sessions.Holder(wang.id, "wang", "王医生", True, False)
    conn.execute(sa.update(app_user).where(app_user.c.id == wang.id).values(
        active=False, must_change_password=True))
    found = sessions.find_session(conn, key, now)
    assert found is not None and found.holder is not None
    assert (found.holder.active, found.holder.must_change_password) == (False, True)


def test_revoke_credentials_ends_tokens_and_sessions_but_the_kept_one(
        conn: Connection, wang: User, boss: User, now: datetime) -> None:
    key, token = credentials(conn, wang, now)
    kept, row = sessions.open_session(conn, wang.id, now, TTL)
    boss_key, boss_token = credentials(conn, boss, now)
    assert sessions.revoke_credentials(conn, wang.id, now, keep_session=row.id) == 2
    assert alive(conn, key, token, now) == (False, False)
    assert sessions.find_session(conn, kept, now) is not None
    assert alive(conn, boss_key, boss_token, now) == (True, True)  # someone else's: kept
    assert sessions.revoke_credentials(conn, wang.id, now) == 1  # now the kept one too


def test_a_new_password_ends_everything_but_the_session_that_changed_it(
        conn: Connection, wang: User, now: datetime) -> None:
    key, token = credentials(conn, wang, now)
    own, row = sessions.open_session(conn, wang.id, now, TTL)
    users.set_password(conn, wang.id, "a-new-password", now, keep_session=row.id)
    assert alive(conn, key, token, now) == (False, False)
    assert sessions.find_session(conn, own, now) is not None


def test_a_rehash_on_sign_in_is_not_a_new_password(conn: Connection, wang: User, now: datetime,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    key, token = credentials(conn, wang, now)
    stronger = PasswordHasher(time_cost=2, memory_cost=256, parallelism=1)
    monkeypatch.setattr(users, "_hasher", stronger)  # the stored hash is now out of date
    before = conn.execute(sa.select(app_user.c.password_hash)
                          .where(app_user.c.id == wang.id)).scalar_one()
    assert users.authenticate(conn, "wang", "wangs-password", now) is not None
    after = conn.execute(sa.select(app_user.c.password_hash)
                         .where(app_user.c.id == wang.id)).scalar_one()
    assert after != before  # rehashed
    assert alive(conn, key, token, now) == (True, True)


def test_disabling_ends_everything_and_enabling_brings_nothing_back(
        conn: Connection, wang: User, now: datetime) -> None:
    key, token = credentials(conn, wang, now)
    users.set_active(conn, wang.id, True, now)  # already active: nothing ends
    assert alive(conn, key, token, now) == (True, True)
    users.set_active(conn, wang.id, False, now)
    assert alive(conn, key, token, now) == (False, False)
    users.set_active(conn, wang.id, True, now)
    assert alive(conn, key, token, now) == (False, False)


def test_withdrawing_a_role_ends_everything_and_a_missing_one_changes_nothing(
        conn: Connection, wang: User, now: datetime) -> None:
    key, token = credentials(conn, wang, now)
    assert users.remove_role(conn, wang.id, "verifier", "LA-JA-H02", now) is False
    assert alive(conn, key, token, now) == (True, True)
    assert users.remove_role(conn, wang.id, "verifier", "LA-JA-H01", now) is True
    assert alive(conn, key, token, now) == (False, False)


ADMIN_PATHS = {
    "reset_password": lambda conn, by, user, now: admin.reset_password(conn, by, user.id, now),
    "set_user_active": lambda conn, by, user, now: admin.set_user_active(
        conn, by, user.id, False, now),
    "revoke_role": lambda conn, by, user, now: admin.revoke_role(
        conn, by, user.id, "rectifier", "LA-JA-H01", now),
}


@pytest.mark.parametrize("path", sorted(ADMIN_PATHS))
def test_every_administrative_path_ends_the_users_credentials(
        conn: Connection, boss: User, wang: User, now: datetime, path: str) -> None:
    key, token = credentials(conn, wang, now)
    boss_key, boss_token = credentials(conn, boss, now)
    ADMIN_PATHS[path](conn, boss, wang, now)
    assert alive(conn, key, token, now) == (False, False)
    assert alive(conn, boss_key, boss_token, now) == (True, True)
    revoked = conn.execute(sa.select(sa.func.count()).select_from(api_token)
                           .where(api_token.c.revoked_at.is_not(None))).scalar()
    assert revoked == 1


# -- every path, found in the source ------------------------------------------------------

# The functions that end credentials, each tested above, and every caller of them. A new
# caller must be added here with a test that its credentials end (in this file for the
# domain, tests/web/test_sessions.py for the pages and the API).
CHANGERS = {"set_password", "set_active", "remove_role"}
KNOWN_CALLERS = {
    ("workflows/admin.py", "create_user"): "a new user has no credentials yet",
    ("workflows/admin.py", "reset_password"): "test_every_administrative_path_...",
    ("workflows/admin.py", "set_user_active"): "test_every_administrative_path_...",
    ("workflows/admin.py", "revoke_role"): "test_every_administrative_path_...",
    ("workflows/usecases/accounts.py", "change_password"):
        "tests/workflows/usecases/test_accounts.py, tests/web/test_sessions.py",
}
SOURCES = ("engine", "workflows", "web", "src/hazardflow")


def _functions(tree: ast.AST) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _called(node: ast.AST) -> set[str]:
    names = set()
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        func = call.func
        names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _updates_app_user(receiver: ast.expr) -> bool:
    """Whether a chain such as ``update(app_user).where(...)`` starts with update(app_user)."""
    while isinstance(receiver, ast.Call):
        func = receiver.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "update":
            return bool(receiver.args) and "app_user" in ast.unparse(receiver.args[0])
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
    return False


def _writes_user_columns(node: ast.AST) -> bool:
    """An UPDATE of app_user setting password_hash or active (``...values(active=...)``)."""
    return any(isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
               and call.func.attr == "values"
               and {k.arg for k in call.keywords} & {"password_hash", "active"}
               and _updates_app_user(call.func.value)
               for call in ast.walk(node))


def test_every_path_that_changes_a_password_or_access_ends_the_credentials() -> None:
    callers: set[tuple[str, str]] = set()
    writers: set[tuple[str, str]] = set()
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            for function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
                if relative != "workflows/users.py" and _called(function) & CHANGERS:
                    callers.add((relative, function.name))
                if _writes_user_columns(function):
                    writers.add((relative, function.name))
    # only workflows.users writes a password or the active flag, and each of its writers
    # but the rehash on sign-in (the same password) ends the user's credentials
    assert writers == {("workflows/users.py", "set_password"),
                       ("workflows/users.py", "set_active"),
                       ("workflows/users.py", "authenticate")}
    tree = ast.parse((ROOT / "workflows/users.py").read_text(encoding="utf-8"))
    for function in _functions(tree):
        if function.name in CHANGERS:
            assert "revoke_credentials" in _called(function), function.name
    assert callers == set(KNOWN_CALLERS), "a new path: test it and add it to KNOWN_CALLERS"
