from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.engine import Connection

from hazardflow.workflows import users
from hazardflow.workflows.schema import app_user
from hazardflow.workflows.users import (
    actor_for,
    add_role,
    authenticate,
    create_user,
    hash_password,
    parse_role_spec,
    remove_role,
    set_active,
    verify_password,
)


def test_password_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password("not-a-hash", "correct horse")


def test_authenticate_returns_the_user_for_the_right_password(conn: Connection,
                                                              now: datetime) -> None:
    created = create_user(conn, "safety", "s3cret-pass", "安全管理员",
                          [("safety_officer", "LA-JA-H01")], now=now)
    found = authenticate(conn, "safety", "s3cret-pass")
    assert found == created
    assert authenticate(conn, "safety", "wrong-pass") is None


def test_authenticate_an_unknown_user_returns_none(conn: Connection) -> None:
    assert authenticate(conn, "nobody", "whatever-pass") is None


def test_an_inactive_user_cannot_log_in_and_holds_no_grants(conn: Connection,
                                                            now: datetime) -> None:
    user = create_user(conn, "gone", "s3cret-pass", "离职人员", [("verifier", "LA-JA-H01")],
                       now=now)
    set_active(conn, user.id, False, now=now)
    assert authenticate(conn, "gone", "s3cret-pass") is None
    assert actor_for(conn, "gone").grants == frozenset()


def test_a_hash_with_old_parameters_is_replaced_at_login(
        conn: Connection, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    create_user(conn, "old", "s3cret-pass", "老用户", now=now)
    before = conn.execute(select(app_user.c.password_hash)).scalar_one()
    monkeypatch.setattr(users, "_hasher",
                        PasswordHasher(time_cost=2, memory_cost=512, parallelism=1))
    assert authenticate(conn, "old", "s3cret-pass") is not None
    after = conn.execute(select(app_user.c.password_hash)).scalar_one()
    assert after != before and "t=2" in after


def test_actor_id_is_the_username_and_grants_are_role_unit_pairs(conn: Connection,
                                                                 now: datetime) -> None:
    user = create_user(conn, "multi", "s3cret-pass", "多角色", [
        ("safety_officer", "LA-JA-H01"), ("verifier", "LA-JA-H02"), ("designer", None)],
        now=now)
    for key in (user.id, "multi"):
        found = actor_for(conn, key)
        assert found.id == "multi"
        assert found.grants == frozenset({("safety_officer", "LA-JA-H01"),
                                          ("verifier", "LA-JA-H02"), ("designer", None)})
        assert not found.admin


def test_the_admin_role_makes_an_admin_actor(conn: Connection, now: datetime) -> None:
    create_user(conn, "root", "s3cret-pass", "管理员", [("admin", None)], now=now)
    assert actor_for(conn, "root").admin


def test_actor_for_an_unknown_user_raises(conn: Connection) -> None:
    with pytest.raises(LookupError):
        actor_for(conn, "ghost")


def test_duplicate_usernames_and_short_passwords_are_refused(conn: Connection,
                                                            now: datetime) -> None:
    create_user(conn, "dup", "s3cret-pass", "甲", now=now)
    with pytest.raises(ValueError, match="already taken"):
        create_user(conn, "dup", "s3cret-pass", "乙", now=now)
    with pytest.raises(ValueError, match="at least 8"):
        create_user(conn, "short", "1234", "丙", now=now)


def test_granting_the_same_unitless_role_twice_adds_one_row(conn: Connection,
                                                           now: datetime) -> None:
    user = create_user(conn, "d", "s3cret-pass", "设计", [("designer", None)], now=now)
    assert add_role(conn, user.id, "designer", None) is False
    assert add_role(conn, user.id, "principal", "LA-JA-H01") is True
    assert add_role(conn, user.id, "principal", "LA-JA-H01") is False
    assert remove_role(conn, user.id, "principal", "LA-JA-H01") is True
    assert actor_for(conn, "d").grants == frozenset({("designer", None)})


def test_parse_role_spec_reads_role_at_unit(conn: Connection) -> None:
    assert parse_role_spec(conn, "safety_officer@LA-JA-H01") == ("safety_officer", "LA-JA-H01")
    assert parse_role_spec(conn, "admin") == ("admin", None)
    assert parse_role_spec(conn, "county_supervisor@LA-KF") == ("county_supervisor", "LA-KF")


@pytest.mark.parametrize(("spec", "message"), [
    ("boss@LA-JA", "unknown role 'boss'"),
    ("principal@LA-NOPE", "unknown unit code 'LA-NOPE'"),
    ("principal", "must be held at a unit"),
    ("principal@", "missing unit code"),
    ("admin@LA", "not held at a unit"),
    ("county_supervisor@LA-JA-H01", "can only be held at"),
    ("city_supervisor@LA-JA", "can only be held at"),
])
def test_parse_role_spec_explains_bad_specs(conn: Connection, spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_role_spec(conn, spec)
