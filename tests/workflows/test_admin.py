"""Administration: units, users and roles change through workflows.admin, each change in the
system journal of the same transaction, and an admin cannot lock themselves out."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Forbidden, InvalidInput, NotFound, journal
from hazardflow.workflows import admin
from hazardflow.workflows.schema import app_user, hazard
from hazardflow.workflows.units import get_unit_by_code
from hazardflow.workflows.users import (
    User,
    actor_for,
    authenticate,
    create_user,
    get_user,
    grants_of,
    set_password,
)

from .conftest import HazardFactory


@pytest.fixture
def boss(conn: Connection, now: datetime) -> User:
    return create_user(conn, "boss", "boss-password", "管理员", [("admin", None)], now=now)


def actions(conn: Connection) -> list[tuple[str, str | None, str]]:
    return [(e["action"], e["subject"], e["actor"]) for e in reversed(admin.admin_events(conn))]


def test_units_are_created_renamed_shortened_and_deactivated_with_a_record_each(
        conn: Connection, boss: User, now: datetime) -> None:
    made = admin.create_unit(conn, boss, code="la-ja-h09", name="金安区康复医院",
                             kind="institution", parent_code="LA-JA", short_name=None, now=now)
    assert (made.code, made.county_code, made.active) == ("LA-JA-H09", "LA-JA", True)
    admin.rename_unit(conn, boss, "LA-JA-H09", "金安区康复医院（新院区）", now)
    admin.set_short_name(conn, boss, "LA-JA-H09", "金安康复", now)
    admin.set_unit_active(conn, boss, "LA-JA-H09", False, now)
    admin.set_unit_active(conn, boss, "LA-JA-H09", False, now)  # no change, no record
    found = get_unit_by_code(conn, "LA-JA-H09")
    assert found is not None
    assert (found.name, found.short_name, found.active) == ("金安区康复医院（新院区）",
                                                           "金安康复", False)
    assert actions(conn) == [(a, "unit:LA-JA-H09", "boss") for a in (
        "unit.created", "unit.renamed", "unit.short_name_set", "unit.deactivated")]
    assert admin.admin_events(conn)[2]["payload"] == {"from": "金安区康复医院",
                                                      "to": "金安区康复医院（新院区）"}
    assert list(journal.verify(conn)) == []


def test_unit_rules_of_the_tree_are_refused_plainly(conn: Connection, boss: User,
                                                   now: datetime) -> None:
    with pytest.raises(InvalidInput, match="must sit under city_commission"):
        admin.create_unit(conn, boss, code="LA-X", name="某县卫健委", kind="county_commission",
                          parent_code="LA-JA", short_name=None, now=now)
    with pytest.raises(InvalidInput, match="单位名称不能为空"):
        admin.rename_unit(conn, boss, "LA-JA-H01", "  ", now)
    with pytest.raises(InvalidInput, match="根单位"):
        admin.set_unit_active(conn, boss, "LA", False, now)
    with pytest.raises(InvalidInput, match="直属市卫健委"):
        admin.move_unit(conn, boss, "LA-JA", "LA-YA", now)
    with pytest.raises(NotFound):
        admin.rename_unit(conn, boss, "NOPE", "x", now)
    assert actions(conn) == []


def test_moving_an_institution_moves_its_county_and_its_open_hazards(
        conn: Connection, boss: User, now: datetime, make_hazard: HazardFactory) -> None:
    admin.create_unit(conn, boss, code="LA-JA-H01-C1", name="金安区人民医院东院",
                      kind="institution", parent_code="LA-JA-H01", short_name=None, now=now)
    case_id, _ = make_hazard(conn, "LA-JA-H01-C1")
    admin.move_unit(conn, boss, "LA-JA-H01", "LA-YA", now)
    assert {u.code: u.county_code for u in (get_unit_by_code(conn, "LA-JA-H01"),
                                            get_unit_by_code(conn, "LA-JA-H01-C1")) if u} == \
        {"LA-JA-H01": "LA-YA", "LA-JA-H01-C1": "LA-YA"}
    county = conn.execute(sa.select(hazard.c.county_code)
                          .where(hazard.c.case_id == case_id)).scalar_one()
    assert county == "LA-YA"
    with pytest.raises(InvalidInput, match="下级单位"):
        admin.move_unit(conn, boss, "LA-JA-H01", "LA-JA-H01-C1", now)
    assert admin.admin_events(conn)[0]["payload"] == {"from": "LA-JA", "to": "LA-YA",
                                                      "county": "LA-YA", "units": 2}


def test_a_created_user_gets_a_one_time_password_that_signs_in(conn: Connection, boss: User,
                                                               now: datetime) -> None:
    user, password = admin.create_user(conn, boss, username="wang", display_name="王医生",
                                       grants=[("safety_officer", "LA-JA-H02")], now=now)
    assert len(password) == 12
    assert authenticate(conn, "wang", password) == user
    must_change = sa.select(app_user.c.must_change_password).where(app_user.c.id == user.id)
    assert conn.execute(must_change).scalar_one() is True  # the admin knows this one
    assert grants_of(conn, user.id) == [("safety_officer", "LA-JA-H02")]
    [event] = admin.admin_events(conn, subject="user:wang")
    assert event["payload"] == {"display_name": "王医生", "roles": ["safety_officer@LA-JA-H02"]}
    assert password not in str(event)
    set_password(conn, user.id, "wangs-own-pass", now)
    assert conn.execute(must_change).scalar_one() is False
    password = admin.reset_password(conn, boss, user.id, now)
    assert conn.execute(must_change).scalar_one() is True
    with pytest.raises(InvalidInput, match="already taken"):
        admin.create_user(conn, boss, username="wang", display_name="", grants=[], now=now)
    with pytest.raises(InvalidInput):
        admin.create_user(conn, boss, username="li", display_name="李", now=now,
                          grants=[("city_supervisor", "LA-JA")])
    assert get_user(conn, "li") is None


def test_users_are_listed_with_search_and_their_grants(conn: Connection, boss: User,
                                                       now: datetime) -> None:
    admin.create_user(conn, boss, username="zhang", display_name="张三",
                      grants=[("rectifier", "LA-JA-H01"), ("verifier", "LA-JA-H01")], now=now)
    admin.create_user(conn, boss, username="li", display_name="李四", grants=[], now=now)
    page = admin.list_users(conn, "张")
    assert page.total == 1
    assert page.rows[0].grants == [("rectifier", "LA-JA-H01"), ("verifier", "LA-JA-H01")]
    assert [r.user.username for r in admin.list_users(conn).rows] == ["boss", "li", "zhang"]
    assert admin.list_users(conn, per_page=2, page=2).rows[0].user.username == "zhang"


def test_disable_enable_rename_and_reset_password(conn: Connection, boss: User,
                                                  now: datetime) -> None:
    user, first = admin.create_user(conn, boss, username="wang", display_name="王",
                                    grants=[("inspector", "LA-JA")], now=now)
    admin.set_display_name(conn, boss, user.id, "王检查员", now)
    admin.set_user_active(conn, boss, user.id, False, now)
    assert authenticate(conn, "wang", first) is None
    assert actor_for(conn, user.id).grants == frozenset()
    admin.set_user_active(conn, boss, user.id, True, now)
    second = admin.reset_password(conn, boss, user.id, now)
    assert second != first and authenticate(conn, "wang", first) is None
    assert authenticate(conn, "wang", second) is not None
    assert [a for a, _, _ in actions(conn)] == [
        "user.created", "user.renamed", "user.disabled", "user.enabled", "user.password_reset"]


def test_roles_are_granted_and_revoked_by_the_rules_of_roles(conn: Connection, boss: User,
                                                             now: datetime) -> None:
    user, _ = admin.create_user(conn, boss, username="wang", display_name="王", grants=[],
                                now=now)
    assert admin.grant_role(conn, boss, user.id, "county_supervisor", "LA-JA", now) is True
    assert admin.grant_role(conn, boss, user.id, "county_supervisor", "LA-JA", now) is False
    with pytest.raises(InvalidInput, match="can only be held at"):
        admin.grant_role(conn, boss, user.id, "city_supervisor", "LA-JA", now)
    with pytest.raises(InvalidInput, match="is not held at a unit"):
        admin.grant_role(conn, boss, user.id, "designer", "LA", now)
    with pytest.raises(InvalidInput, match="未知的角色"):
        admin.grant_role(conn, boss, user.id, "king", None, now)
    assert admin.revoke_role(conn, boss, user.id, "county_supervisor", "LA-JA", now) is True
    assert admin.revoke_role(conn, boss, user.id, "county_supervisor", "LA-JA", now) is False
    assert grants_of(conn, user.id) == []
    events = admin.admin_events(conn, subject="user:wang")
    assert [e["action"] for e in events] == ["role.revoked", "role.granted", "user.created"]
    assert events[0]["payload"]["role_name"] == "县区卫健委监管人员"


def test_an_admin_cannot_disable_themselves_or_drop_their_own_admin_role(
        conn: Connection, boss: User, now: datetime) -> None:
    with pytest.raises(Forbidden, match="不能停用自己的账号"):
        admin.set_user_active(conn, boss, boss.id, False, now)
    with pytest.raises(Forbidden, match="不能撤销自己的系统管理员角色"):
        admin.revoke_role(conn, boss, boss.id, "admin", None, now)
    other, _ = admin.create_user(conn, boss, username="root2", display_name="第二管理员",
                                 grants=[("admin", None)], now=now)
    assert admin.revoke_role(conn, boss, other.id, "admin", None, now) is True
    with pytest.raises(Forbidden, match="最后一个"):
        admin.revoke_role(conn, other, boss.id, "admin", None, now)
    assert get_user(conn, boss.id) == boss and ("admin", None) in grants_of(conn, boss.id)


def test_a_refused_change_records_nothing(conn: Connection, boss: User, now: datetime) -> None:
    with pytest.raises(Forbidden):
        admin.set_user_active(conn, boss, boss.id, False, now)
    with pytest.raises(NotFound):
        admin.reset_password(conn, boss, 9999, now)
    assert admin.admin_events(conn) == []
