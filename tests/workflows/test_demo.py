from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select

from hazardflow.workflows.demo import DEMO_PASSWORD, USERS, seed_demo
from hazardflow.workflows.schema import app_user, unit
from hazardflow.workflows.units import county_of, get_unit_by_code, list_units
from hazardflow.workflows.users import actor_for, authenticate


def test_seed_demo_builds_the_lu_an_tree_and_one_user_per_role(db: sa.Engine,
                                                               now: datetime) -> None:
    with db.begin() as conn:
        result = seed_demo(conn, now)
        assert result["password"] == DEMO_PASSWORD == "demo12345"
        assert result["units_created"] == len(list_units(conn))
        counties = [u for _, u in list_units(conn) if u.kind == "county_commission"]
        assert {u.code for u in counties} == {
            "LA-JA", "LA-YA", "LA-YJ", "LA-HQ", "LA-SC", "LA-JZ", "LA-HS"}
        for county in counties:
            below = [u for _, u in list_units(conn) if u.parent_id == county.id]
            hospitals = [u for u in below if u.kind == "institution"]
            assert 2 <= len(hospitals) <= 3
        ja_units = {u.code: u.kind for _, u in list_units(conn) if u.county_code == "LA-JA"}
        assert {k for c, k in ja_units.items() if c != "LA-JA"} >= {
            "township_hospital", "village_clinic", "community_health_center",
            "private_hospital", "supervision_institute"}
        hospital = get_unit_by_code(conn, "LA-ZS-01")
        assert hospital is not None and hospital.name == "六安市人民医院"
        assert county_of(conn, "LA-JA-H01").name == "金安区卫生健康委员会"
        users = dict(result["users"])
        assert users["jinan"] == ["county_supervisor@LA-JA"]
        assert users["safety2"] == ["safety_officer@LA-YA-H01"]
        assert result["users_created"] == len(users) == len(USERS)


def test_seed_demo_twice_creates_nothing_new(db: sa.Engine, now: datetime) -> None:
    with db.begin() as conn:
        seed_demo(conn, now)
    with db.begin() as conn:
        again = seed_demo(conn, now)
        assert (again["units_created"], again["users_created"]) == (0, 0)
        assert len(again["users"]) == len(USERS)
        assert conn.execute(select(func.count()).select_from(app_user)).scalar_one() == len(USERS)
        assert conn.execute(select(func.count()).select_from(unit).where(
            unit.c.code == "LA")).scalar_one() == 1


def test_demo_users_log_in_with_the_demo_password(db: sa.Engine, now: datetime) -> None:
    with db.begin() as conn:
        seed_demo(conn, now)
        assert authenticate(conn, "safety", "demo12345") is not None
        assert actor_for(conn, "admin").admin
        assert actor_for(conn, "leader").grants == frozenset({("city_leader", "LA")})
        assert actor_for(conn, "designer").grants == frozenset({("designer", None)})
