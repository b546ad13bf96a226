"""A duty roster as an Excel workbook (``workflows/exports.py``'s style): one row per day with
its leader and staff on duty and their phones (rest days, holidays and 调休 counted, marked
（休）), and what a declared higher level finds missing; a second sheet says whose roster
it is."""

from __future__ import annotations

from .calendar import BusinessCalendar
from .duty import Person, Roster
from .duty_levels import Shortfall
from .exports import Sheet, to_xlsx

WEEKDAYS = "一二三四五六日"
HEADERS = ("日期", "星期", "带班领导", "带班领导电话", "值班人员", "值班人员电话", "提级值班")


def names(people: list[Person]) -> str:
    return "、".join(p.name for p in people)


def phones_of(people: list[Person]) -> str:
    return "、".join(p.phone or "" for p in people if p.phone)


def shortfall_text(short: Shortfall | None) -> str:
    """What a day lacks, in one Chinese line (empty when nothing)."""
    if short is None:
        return ""
    return (f"{'、'.join(short.names)}：须带班领导 {short.min_leaders} 人（现 {short.leaders}）、"
            f"值班人员 {short.min_staff} 人（现 {short.staff}）")


def roster_xlsx(roster: Roster, calendar: BusinessCalendar) -> bytes:
    rows = [(d.day, f"星期{WEEKDAYS[d.day.weekday()]}"
             f"{'' if calendar.is_workday(d.day) else '（休）'}", names(d.leaders),
             phones_of(d.leaders),
             names(d.staff), phones_of(d.staff), shortfall_text(d.shortfall))
            for d in roster.days]
    about = [("单位", roster.unit.name), ("月份", roster.month),
             ("值班电话", roster.duty_phone or ""), ("更新时间", roster.updated_at)]
    return to_xlsx([Sheet(f"{roster.month} 值班表", HEADERS, rows),
                    Sheet("说明", ("项目", "内容"), about)], calendar)
