"""Duty rosters (值班备勤): keeping a roster in and out of scope, today's officers in business
time, swaps that need the colleague and the keeper, declared higher levels, the Excel
export."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hazardflow.engine import Actor, Conflict, Forbidden, InvalidInput
from hazardflow.engine.clock import FixedClock
from hazardflow.engine.journal import system_event
from hazardflow.workflows.demo import DEMO_PASSWORD, USERS
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.schema import app_user, notification
from hazardflow.workflows.schema_delivery import user_contact
from hazardflow.workflows.schema_duty import duty_assignment
from hazardflow.workflows.usecases import duty as uc
from hazardflow.workflows.users import actor_for, create_user

from ..factories import make_runtime

MONTH = "2026-12"
# 2026-12-01 00:30 in Asia/Shanghai is 2026-11-30 16:30 UTC
JUST_AFTER_MIDNIGHT = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


@dataclass
class World:
    rt: Runtime
    clock: FixedClock
    db: sa.Engine

    def actor(self, username: str) -> Actor:
        with self.db.connect() as conn:
            return actor_for(conn, username)

    def count(self, query: sa.Select[tuple[int]]) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(query).scalar_one())


PEOPLE = {"safety", "principal", "rectifier", "verifier", "jinan", "jinan_head", "safety2",
          "yuan", "city"}


@pytest.fixture
def world(org: sa.Engine) -> World:
    """The demo's units and the people these tests need (not the whole demo)."""
    clock = FixedClock(JUST_AFTER_MIDNIGHT)
    rt = make_runtime(org, clock)
    with org.begin() as conn:
        for username, name, specs in USERS:
            if username in PEOPLE:
                grants = [(role, code or None) for role, _, code in
                          (spec.partition("@") for spec in specs)]
                create_user(conn, username, DEMO_PASSWORD, name, grants, now=clock.now())
    return World(rt, clock, org)


def hospital_plan() -> dict[str, dict[str, list[str]]]:
    """金安区人民医院: 院长 leads on the 1st with two staff, the safety officer leads on the
    2nd with the rectifier."""
    return {"2026-12-01": {"leader": ["principal"], "staff": ["safety", "verifier"]},
            "2026-12-02": {"leader": ["safety"], "staff": ["rectifier"]}}


def assignments(w: World) -> int:
    return w.count(sa.select(sa.func.count()).select_from(duty_assignment))


def test_the_keeper_saves_a_roster_and_a_refused_edit_changes_nothing(world: World) -> None:
    with world.db.begin() as conn:
        verifier = conn.execute(sa.select(app_user.c.id).where(
            app_user.c.username == "verifier")).scalar_one()
        conn.execute(user_contact.insert().values(user_id=verifier, mobile="13700000003",
                                                  updated_at=world.clock.now()))
    saved = uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH,
                           hospital_plan(), duty_phone="0564-3331234",
                           phones={"principal": "13800000001"})
    first = saved.days[0]
    assert [p.name for p in first.leaders] == ["金安区人民医院院长"]
    assert first.leaders[0].phone == "13800000001"
    assert {p.username for p in first.staff} == {"safety", "verifier"}
    assert first.staff[[p.username for p in first.staff].index("verifier")].phone \
        == "13700000003"  # no duty phone: the mobile on the person's record
    assert saved.duty_phone == "0564-3331234" and len(saved.days) == 31
    before = assignments(world)
    journal = world.count(sa.select(sa.func.count()).select_from(system_event))
    emptied: dict[str, dict[str, list[str]]] = {}
    # the county oversees the hospital but does not keep its roster; another county's
    # keeper is out of scope; a hospital's staff cannot name someone from elsewhere
    for who, unit in (("jinan", "LA-JA-H01"), ("safety2", "LA-JA-H01"),
                      ("safety", "LA-JA")):
        with pytest.raises(Forbidden):
            uc.save_roster(world.rt, world.actor(who), unit, MONTH, emptied)
    with pytest.raises(InvalidInput, match="不是本单位人员"):
        uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH,
                       {"2026-12-03": {"leader": ["jinan"]}})
    with pytest.raises(InvalidInput, match="只能排一个岗位"):
        uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH,
                       {"2026-12-03": {"leader": ["safety"], "staff": ["safety"]}})
    assert assignments(world) == before
    assert world.count(sa.select(sa.func.count()).select_from(system_event)) == journal
    # the county reads it (scope as the ledger's); another county does not
    assert uc.roster(world.rt, world.actor("jinan"), "LA-JA-H01", MONTH).roster.exists
    with pytest.raises(Forbidden):
        uc.roster(world.rt, world.actor("yuan"), "LA-JA-H01", MONTH)


def test_today_is_the_business_day_just_after_midnight(world: World) -> None:
    uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH, hospital_plan())
    uc.save_roster(world.rt, world.actor("jinan"), "LA-JA", MONTH,
                   {"2026-12-01": {"leader": ["jinan_head"], "staff": ["jinan"]}})
    # 00:30 on 1 December in 六安 is still 30 November in UTC: the 1st's people are on duty
    view = uc.today(world.rt, world.actor("jinan"))
    assert view.day.isoformat() == "2026-12-01"
    county = next(c for c in view.counties if c.code == "LA-JA")
    by_code = {u.code: u for u in county.units}
    assert [p.username for p in by_code["LA-JA-H01"].leaders] == ["principal"]
    assert [p.username for p in by_code["LA-JA"].staff] == ["jinan"]
    assert not by_code["LA-JA-H02"].rostered
    assert {c.code for c in view.counties} == {"LA-JA"}  # a county sees its own units
    world.clock.set(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 on the 30th
    earlier = uc.today(world.rt, world.actor("jinan"))
    assert earlier.day.isoformat() == "2026-11-30"


def test_a_swap_needs_the_colleague_and_the_keeper_and_is_journaled(world: World) -> None:
    uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH, hospital_plan())
    swap = uc.request_swap(world.rt, world.actor("rectifier"), "LA-JA-H01", MONTH,
                           "2026-12-02", "verifier", "家中有事")
    with pytest.raises(Conflict):  # the keeper cannot approve before the colleague accepts
        uc.decide_swap(world.rt, world.actor("safety"), swap.id, approve=True)
    with pytest.raises(Forbidden):  # only the colleague asked may accept
        uc.answer_swap(world.rt, world.actor("principal"), swap.id, accept=True)
    accepted = uc.answer_swap(world.rt, world.actor("verifier"), swap.id, accept=True)
    assert accepted.status == "accepted"
    with pytest.raises(Forbidden):  # the colleague is no keeper
        uc.decide_swap(world.rt, world.actor("verifier"), swap.id, approve=True)
    before = uc.roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH).roster
    assert [p.username for p in before.days[1].staff] == ["rectifier"]
    approved = uc.decide_swap(world.rt, world.actor("safety"), swap.id, approve=True)
    assert approved.status == "approved" and approved.decided_by == "safety"
    after = uc.roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH).roster
    assert [p.username for p in after.days[1].staff] == ["verifier"]
    with world.db.connect() as conn:
        actions = list(conn.execute(sa.select(system_event.c.action).where(
            system_event.c.action.like("duty.swap%")).order_by(system_event.c.seq)).scalars())
    assert actions == ["duty.swap_requested", "duty.swap_accepted", "duty.swap_approved"]
    history = uc.roster(world.rt, world.actor("jinan"), "LA-JA-H01", MONTH).history
    assert [(c.action, c.actor, c.day) for c in history[:3]] == [
        ("duty.swap_approved", "safety", "2026-12-02"),
        ("duty.swap_accepted", "verifier", "2026-12-02"),
        ("duty.swap_requested", "rectifier", "2026-12-02")]
    assert history[3].action == "duty.roster_saved" and history[3].added == 5


def test_a_declared_level_flags_short_days_and_tells_the_keepers(world: World) -> None:
    uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH, hospital_plan())
    with pytest.raises(Forbidden):  # a county does not declare levels
        uc.declare_level(world.rt, world.actor("jinan"), "元旦", "2026-12-01", "2026-12-02",
                         1, 2)
    level, told = uc.declare_level(world.rt, world.actor("city"), "元旦前后提级值班",
                                   "2026-12-01", "2026-12-02", 1, 2)
    assert told >= 1
    days = uc.roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH).roster.days
    assert days[0].shortfall is None  # one leader and two staff
    short = days[1].shortfall
    assert short is not None and (short.min_staff, short.staff) == (2, 1)
    assert short.names == (level.name,)
    today = uc.today(world.rt, world.actor("safety"))
    assert today.short == 0  # the 1st meets the level
    county = {u.code: u for u in uc.today(world.rt, world.actor("jinan")).counties[0].units}
    assert county["LA-JA"].shortfall is not None  # a commission always keeps 值班
    assert county["LA-JA-H02"].shortfall is None and not county["LA-JA-H02"].rostered
    with world.db.connect() as conn:
        notices = list(conn.execute(sa.select(notification.c.role, notification.c.title)
                                    .where(notification.c.kind == "duty_level",
                                           notification.c.once_key.like(f"%:{level.id}:%"))))
    roles = {role for role, _ in notices}
    assert {"safety_officer", "principal", "county_supervisor"} <= roles  # 金安区 has no roster yet
    # saving again does not tell them twice
    uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH, hospital_plan())
    with world.db.connect() as conn:
        again = conn.execute(sa.select(sa.func.count()).select_from(notification).where(
            notification.c.kind == "duty_level")).scalar_one()
    assert again == len(notices)


def test_a_rotation_fills_the_month_and_the_export_lists_each_day(world: World) -> None:
    uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH, hospital_plan(),
                   duty_phone="0564-3310000", phones={"safety": "13900000002"})
    with pytest.raises(Forbidden):
        uc.rotate_roster(world.rt, world.actor("jinan"), "LA-JA-H01", MONTH, ["principal"],
                         ["rectifier"])
    rotated = uc.rotate_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH,
                               ["principal", "safety"], ["safety", "rectifier", "verifier"], 2)
    assert rotated.duty_phone == "0564-3310000"  # the duty line stays
    for d in rotated.days:  # one leader, two staff, nobody twice a day
        people = [p.username for p in d.leaders + d.staff]
        assert len(d.leaders) == 1 and len(d.staff) == 2 and len(set(people)) == 3
    assert [p.username for p in rotated.days[1].leaders] == ["safety"]
    assert "safety" not in [p.username for p in rotated.days[1].staff]
    uc.save_roster(world.rt, world.actor("safety"), "LA-JA-H01", MONTH, hospital_plan())
    found = uc.export_roster(world.rt, world.actor("jinan"), "LA-JA-H01", MONTH)
    assert found.filename == "duty-LA-JA-H01-2026-12.xlsx"
    sheet = load_workbook(io.BytesIO(found.body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("日期", "星期", "带班领导", "带班领导电话", "值班人员")
    assert len(rows) == 32
    assert rows[2][1] == "星期三" and rows[2][2] == "金安区人民医院安全管理员"
    assert rows[5][1] == "星期六（休）"  # 5 December 2026, a rest day
    assert rows[2][3] == "13900000002" and rows[2][4] == "金安区人民医院整改责任人"
