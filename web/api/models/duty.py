"""Duty rosters (值班备勤): a unit's month, today's officers, the roster a keeper sends."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from .common import Envelope, Row

Username = Annotated[str, Field(min_length=1, max_length=64)]


class DutyPerson(Row):
    """值班的人：姓名、登录名、值班电话 (a person on duty: name, username, duty phone)."""

    name: str
    username: str
    phone: str | None


class DutyShortfall(Row):
    """提级值班要求与实际人数 (what a declared higher level asks, and who is on duty)."""

    names: list[str] = Field(description="提级值班时段名称 (the levels' names)")
    min_leaders: int
    min_staff: int
    leaders: int
    staff: int


class DutyDay(Row):
    day: date
    leaders: list[DutyPerson] = Field(description="带班领导 (leaders on duty)")
    staff: list[DutyPerson] = Field(description="值班人员 (staff on duty)")
    shortfall: DutyShortfall | None


class DutyLevel(Row):
    id: int
    name: str
    starts_on: date
    ends_on: date
    min_leaders: int
    min_staff: int


class DutyRoster(Envelope):
    """一个单位一个月的值班表，每天全天 24 小时 (a unit's roster of a month; each day's duty
    covers the whole day in business time)."""

    unit_code: str
    unit_name: str
    month: str = Field(examples=["2026-12"])
    exists: bool = Field(description="是否已编排 (whether it was ever saved)")
    duty_phone: str | None
    updated_at: datetime | None
    may_keep: bool = Field(description="调用者可否编排 (whether the caller keeps it)")
    days: list[DutyDay]
    levels: list[DutyLevel]


class DutyDayPlan(Envelope):
    leader: list[Username] = Field(default_factory=list, max_length=20,
                                   description="带班领导的登录名 (leaders' usernames)")
    staff: list[Username] = Field(default_factory=list, max_length=20,
                                  description="值班人员的登录名 (staff usernames)")


class DutyRosterRequest(Envelope):
    """整月替换：未列出的日期为空 (replaces the whole month; a day left out is empty)."""

    days: dict[str, DutyDayPlan] = Field(
        max_length=31, description="日期 YYYY-MM-DD → 岗位 (day → posts)",
        examples=[{"2026-12-01": {"leader": ["principal"], "staff": ["safety"]}}])
    duty_phone: str | None = Field(None, max_length=32, description="值班电话 (duty line)")
    phones: dict[str, str] | None = Field(
        None, max_length=200, description="登录名 → 值班电话 (username → duty phone)")


class UnitOnDuty(Row):
    code: str
    name: str
    leaders: list[DutyPerson]
    staff: list[DutyPerson]
    duty_phone: str | None
    rostered: bool = Field(description="本月是否有值班表 (whether the month has a roster)")
    shortfall: DutyShortfall | None


class CountyOnDuty(Row):
    code: str
    name: str
    units: list[UnitOnDuty]


class DutyToday(Envelope):
    """今日（业务时区）各单位值班，按县区分组 (today's officers in business time, by county)."""

    day: date
    counties: list[CountyOnDuty]


class DutySwap(Row):
    """换班申请：申请人请同事代其某日值班（或与同事某日互换），同事确认后由值班表管理人员
    审批 (a swap: asked of a colleague, accepted, then approved by the roster's keeper)."""

    id: int
    unit_code: str
    month: str
    day: date
    other_day: date | None
    post: str = Field(description="leader 或 staff (the post)")
    requester: str
    colleague: str
    reason: str
    status: str = Field(description="requested, accepted, approved, declined, rejected")
    decided_by: str | None
    decision_note: str | None


class DutySwapRequest(Envelope):
    day: date
    colleague: Username
    reason: str = Field(min_length=1, max_length=200)
    other_day: date | None = Field(None, description="换班：同事的值班日 (the colleague's day "
                                                     "taken in exchange)")


class DutySwapAnswer(Envelope):
    accept: bool


class DutySwapDecision(Envelope):
    approve: bool
    note: str = Field("", max_length=200)


class DutyLevelRequest(Envelope):
    name: str = Field(min_length=1, max_length=128, examples=["春节"])
    starts_on: date
    ends_on: date
    min_leaders: int = Field(ge=0, le=20)
    min_staff: int = Field(ge=0, le=20)


class DutyLevels(Envelope):
    items: list[DutyLevel]


class DutyLevelDeclared(Envelope):
    level: DutyLevel
    units_told: int = Field(description="收到人员不足通知的单位数 (units told they fall "
                                        "short)")
