"""Duty rosters (值班备勤): read and keep a unit's monthly roster, today's duty officers of
every unit in scope, swaps, and the city's declared higher levels (``workflows/duty*.py``).

Who reads a roster: whoever the unit is in scope of, as for the ledger (the unit itself and
its supervising county and city: ``policy.require_unit_in_scope``); who keeps it and
approves its swaps: ``policy.require_may_keep_roster``; who declares a level:
``duty.level``. Each change is journaled (``duty.*``) in its unit of work, with the
notifications it sends, so a refused request changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, NotFound, journal
from hazardflow.engine.journal import system_event

from .. import duty, duty_levels, duty_swaps, policy
from ..duty import Person, Roster, UnitDuty
from ..duty_export import roster_xlsx
from ..duty_levels import Level
from ..duty_swaps import Swap
from ..runtime import Runtime
from ..schema import unit
from ..units import Unit, get_unit_by_code, unit_names
from ..uow import reading, unit_of_work
from ..users import get_user


@dataclass(frozen=True)
class Change:
    """One journaled change of a roster: when, who, what (``duty.roster_saved``…), and the
    day it concerns or how many places it added and removed."""

    at: datetime
    actor: str
    action: str
    day: str | None
    added: int
    removed: int


@dataclass(frozen=True)
class RosterView:
    roster: Roster
    people: list[Person]  # who may be on it: the unit's own staff
    may_keep: bool
    swaps: list[Swap]
    today: date
    me: int | None  # the viewer's user id
    rest_days: frozenset[date] = frozenset()  # weekends and holidays (调休 counted)
    history: tuple[Change, ...] = ()  # the journal's records of this month, newest first

    @property
    def my_days(self) -> list[date]:
        """The viewer's duty days from today on (those they may ask a swap for)."""
        return [d.day for d in self.roster.days if d.day >= self.today
                and any(p.user_id == self.me for p in d.leaders + d.staff)]


@dataclass(frozen=True)
class CountyDuty:
    code: str
    name: str
    units: list[UnitDuty]


@dataclass(frozen=True)
class TodayView:
    day: date
    counties: list[CountyDuty]

    @property
    def short(self) -> int:
        return sum(1 for c in self.counties for u in c.units if u.shortfall is not None)


@dataclass(frozen=True)
class Export:
    body: bytes
    filename: str


def _visible_unit(conn: Connection, actor: Actor, code: str) -> Unit:
    found = get_unit_by_code(conn, code)
    if found is None:
        raise NotFound(f"单位 {code} 不存在 (unit {code} does not exist)")
    policy.require_unit_in_scope(conn, actor, code, "查看其值班表")
    return found


def _user_id(conn: Connection, actor: Actor) -> int | None:
    found = get_user(conn, actor.id)
    return found.id if found is not None else None


def _journal(conn: Connection, rt: Runtime, actor: Actor, action: str, code: str,
             payload: Mapping[str, Any]) -> None:
    journal.record(conn, actor=actor.id, action=action, payload=payload, at=rt.now(),
                   subject=f"unit:{code}")


def roster(rt: Runtime, actor: Actor, unit_code: str, month: str) -> RosterView:
    """The unit's roster of ``YYYY-MM``, the people it may name, and its swaps."""
    duty.parse_month(month)
    with reading(rt) as conn:
        target = _visible_unit(conn, actor, unit_code)
        found = duty.load_roster(conn, target, month)
        row = duty.roster_row(conn, target.id, month)
        return RosterView(found, duty.unit_people(conn, target.id),
                          policy.may_keep_roster(actor, target.code, target.kind),
                          duty_swaps.swaps_of(conn, int(row.id)) if row else [],
                          rt.calendar.today(rt.now()), _user_id(conn, actor),
                          frozenset(d.day for d in found.days
                                    if not rt.calendar.is_workday(d.day)),
                          _history(conn, target.code, month))


def _history(conn: Connection, code: str, month: str, limit: int = 200) -> tuple[Change, ...]:
    """The journal's duty records of the unit's ``month`` (of its last ``limit`` ones)."""
    rows = conn.execute(sa.select(system_event.c.at, system_event.c.actor,
                                  system_event.c.action, system_event.c.payload).where(
        system_event.c.subject == f"unit:{code}", system_event.c.action.startswith("duty."))
        .order_by(system_event.c.seq.desc()).limit(limit))
    found = []
    for row in rows:
        payload = json.loads(row.payload)
        if payload.get("month") == month:
            found.append(Change(row.at, row.actor, row.action, payload.get("day"),
                                len(payload.get("added", [])), len(payload.get("removed", []))))
    return tuple(found)


def save_roster(rt: Runtime, actor: Actor, unit_code: str, month: str,
                plan: Mapping[str, Mapping[str, Sequence[str]]], duty_phone: str | None = None,
                phones: Mapping[str, str] | None = None) -> Roster:
    """Replace the unit's roster of ``month`` (day → post → usernames) and, when given, the
    duty phones of its people (username → phone); tell the keepers when a declared level
    is still not met."""
    duty.parse_month(month)
    with unit_of_work(rt) as conn:
        target = _visible_unit(conn, actor, unit_code)
        policy.require_may_keep_roster(actor, target.code, target.kind)
        now = rt.now()
        people = {p.username: p for p in duty.unit_people(conn, target.id)}
        for username, phone in (phones or {}).items():
            if username not in people:
                raise duty.invalid(f"{username} 不是本单位人员 (not the unit's)", "phones")
            if (people[username].phone or "") != phone.strip():
                duty.set_phone(conn, people[username].user_id, phone, now)
        change = duty.save_roster(conn, target, month, plan, duty_phone, actor.id, now)
        _journal(conn, rt, actor, "duty.roster_saved", target.code, change)
        days = duty.month_days(month)
        duty_levels.notify_shortfalls(conn, duty_levels.levels_between(conn, days[0], days[-1]),
                                      now, [target.id])
        return duty.load_roster(conn, target, month)


def rotate_roster(rt: Runtime, actor: Actor, unit_code: str, month: str,
                  leaders: Sequence[str], staff: Sequence[str],
                  staff_per_day: int = 1) -> Roster:
    """Fill the whole month by taking ``leaders`` and ``staff`` (usernames) in turn
    (:func:`duty.rotation`); the keeper then adjusts single days. Replaces the month."""
    plan = duty.rotation(month, list(leaders), list(staff), staff_per_day)
    return save_roster(rt, actor, unit_code, month, plan,
                       roster(rt, actor, unit_code, month).roster.duty_phone)


def export_roster(rt: Runtime, actor: Actor, unit_code: str, month: str) -> Export:
    view = roster(rt, actor, unit_code, month)
    return Export(roster_xlsx(view.roster, rt.calendar),
                  f"duty-{view.roster.unit.code}-{month}.xlsx")


def today(rt: Runtime, actor: Actor, day: date | None = None) -> TodayView:
    """Who is on duty today (business time) at every active unit ``actor`` oversees or works
    at, grouped by county (the city's own and its direct units first)."""
    with reading(rt) as conn:
        the_day = day or rt.calendar.today(rt.now())
        ids = conn.execute(sa.select(unit.c.id).where(
            unit.c.active.is_(True), policy.unit_scope_clause(unit.c.id, actor))).scalars()
        found = duty.duty_today(conn, ids, the_day)
        groups: dict[str, list[UnitDuty]] = {}
        for u in found:
            groups.setdefault(u.county_code or u.code, []).append(u)
        named = unit_names(conn, groups)
        counties = [CountyDuty(code, named.get(code, code), units)
                    for code, units in sorted(groups.items(), key=lambda g: (len(g[0]), g[0]))]
        return TodayView(the_day, counties)


def index(rt: Runtime, actor: Actor) -> TodayView:
    """The units whose rosters ``actor`` may read, with today's people (the /duty page)."""
    return today(rt, actor)


def request_swap(rt: Runtime, actor: Actor, unit_code: str, month: str, day: str,
                 colleague: str, reason: str, other_day: str | None = None) -> Swap:
    """Ask a colleague to take one's duty on ``day`` (or to exchange it for ``other_day``)."""
    duty.parse_month(month)
    with unit_of_work(rt) as conn:
        target = _visible_unit(conn, actor, unit_code)
        row = duty.roster_row(conn, target.id, month)
        me = _user_id(conn, actor)
        if row is None or me is None:
            raise NotFound(f"{target.name} 没有 {month} 的值班表 (no roster for {month})")
        swap = duty_swaps.request(conn, roster=row, unit_code=target.code, requester_id=me,
                                  colleague=colleague, day=day, other_day=other_day or None,
                                  reason=reason, today=rt.calendar.today(rt.now()),
                                  now=rt.now())
        _journal(conn, rt, actor, "duty.swap_requested", target.code, _swap_record(swap))
        return swap


def _swap_record(swap: Swap) -> dict[str, Any]:
    return {"swap": swap.id, "month": swap.month, "day": swap.day, "post": swap.post,
            "requester": swap.requester, "colleague": swap.colleague,
            "other_day": swap.other_day, "status": swap.status}


def answer_swap(rt: Runtime, actor: Actor, swap_id: int, accept: bool) -> Swap:
    """The colleague accepts or declines."""
    with unit_of_work(rt) as conn:
        swap = duty_swaps.get_swap(conn, swap_id)
        _visible_unit(conn, actor, swap.unit_code)
        me = _user_id(conn, actor)
        swap = duty_swaps.answer(conn, swap, me or -1, accept, rt.now())
        _journal(conn, rt, actor, f"duty.swap_{swap.status}", swap.unit_code,
                 _swap_record(swap))
        return swap


def decide_swap(rt: Runtime, actor: Actor, swap_id: int, approve: bool,
                note: str = "") -> Swap:
    """The roster's keeper approves (the roster changes) or rejects an accepted swap."""
    with unit_of_work(rt) as conn:
        swap = duty_swaps.get_swap(conn, swap_id)
        _visible_unit(conn, actor, swap.unit_code)
        policy.require_may_keep_roster(actor, swap.unit_code, swap.unit_kind)
        swap = duty_swaps.decide(conn, swap, actor.id, approve, note, rt.now())
        _journal(conn, rt, actor, f"duty.swap_{swap.status}", swap.unit_code,
                 {**_swap_record(swap), "note": swap.decision_note})
        return swap


def levels(rt: Runtime, actor: Actor) -> list[Level]:
    """Every declared level, latest first (everyone signed in may read them)."""
    with reading(rt) as conn:
        return duty_levels.all_levels(conn)


def declare_level(rt: Runtime, actor: Actor, name: str, starts_on: str, ends_on: str,
                  min_leaders: int, min_staff: int) -> tuple[Level, int]:
    """The city declares a period of higher duty; returns it and how many units' keepers
    were told their rosters fall short."""
    policy.require(actor, "duty.level")
    first, last = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if last < first or (last - first).days >= duty_levels.MAX_DAYS:
        raise duty.invalid("结束日期须不早于开始日期，且不超过一年 (the end must not be before "
                           "the start, within a year)", "ends_on")
    if not name.strip() or len(name.strip()) > 128:
        raise duty.invalid("请填写时段名称（128 字以内）(a name, at most 128 characters)", "name")
    for field_name, n in (("min_leaders", min_leaders), ("min_staff", min_staff)):
        if not 0 <= n <= duty_levels.MAX_PEOPLE:
            raise duty.invalid(f"人数须在 0 到 {duty_levels.MAX_PEOPLE} 之间 (between 0 and "
                               f"{duty_levels.MAX_PEOPLE})", field_name)
    with unit_of_work(rt) as conn:
        level = duty_levels.declare(conn, name=name.strip(), starts_on=first, ends_on=last,
                                    min_leaders=min_leaders, min_staff=min_staff,
                                    by=actor.id, now=rt.now())
        told = duty_levels.notify_shortfalls(conn, [level], rt.now())
        journal.record(conn, actor=actor.id, action="duty.level_declared",
                       subject=f"duty_level:{level.id}", at=rt.now(), payload={
                           "name": level.name, "starts_on": first.isoformat(),
                           "ends_on": last.isoformat(), "min_leaders": min_leaders,
                           "min_staff": min_staff, "units_told": told})
        return level, told


def _day(text: str, field_name: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise duty.invalid(f"日期格式须为 YYYY-MM-DD：{text} (a date YYYY-MM-DD)",
                           field_name) from None
