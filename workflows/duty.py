"""Duty rosters (值班备勤): who is on duty at a unit on a business day.

A roster is a unit's month (``YYYY-MM``); each business day has its leader on duty (带班领导)
and its staff on duty (值班人员). We keep no shifts (白班/夜班): a day's duty covers the whole
calendar day in business time (``workflows/calendar.py``), 00:00 to 24:00, which is how the
notice's 24-hour 值班 is held, and "today" is the business day of the moment asked. People on
a roster are the unit's own: users holding a role at that very unit. Their phone, shown
beside their name, is the duty phone kept on the roster (``duty_contact``), else the mobile
on their own record (``user_contact``, the notices' contacts).

:func:`duty_today` is the one read other features reuse (the map): the people on duty at
each of a set of units on one day, with whatever a declared higher level finds missing.
Who may read or keep a roster is ``policy``'s; the use-cases ask it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput

from .duty_levels import Level, Shortfall, levels_between, new_id, shortfall_of, watched
from .schema import app_user, unit, user_role
from .schema_delivery import user_contact
from .schema_duty import duty_assignment, duty_contact, duty_roster
from .units import Unit

POSTS: dict[str, str] = {"leader": "带班领导", "staff": "值班人员"}
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{3,32}$")


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    name: str
    phone: str | None = None


@dataclass(frozen=True)
class DayDuty:
    day: date
    leaders: list[Person]
    staff: list[Person]
    shortfall: Shortfall | None = None

    def people(self, post: str) -> list[Person]:
        return self.leaders if post == "leader" else self.staff


@dataclass(frozen=True)
class Roster:
    unit: Unit
    month: str
    days: list[DayDuty]
    duty_phone: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    levels: list[Level] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.updated_at is not None

    @property
    def short_days(self) -> list[DayDuty]:
        return [d for d in self.days if d.shortfall is not None]


@dataclass(frozen=True)
class UnitDuty:
    """Who is on duty at one unit on one day (:func:`duty_today`)."""

    unit_id: int
    code: str
    name: str
    county_code: str | None
    day: date
    leaders: list[Person]
    staff: list[Person]
    duty_phone: str | None
    rostered: bool  # the unit has a roster for the month
    shortfall: Shortfall | None


def invalid(message: str, field_name: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field_name)])


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of ``YYYY-MM``; a 422 naming the month otherwise."""
    found = MONTH_PATTERN.match(text or "")
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise invalid(f"月份须为 YYYY-MM，如 2026-12：{text} (the month must be YYYY-MM)",
                      "month")
    return int(found.group(1)), int(found.group(2))


def month_days(month: str) -> list[date]:
    """Every day of ``YYYY-MM``."""
    year, number = parse_month(month)
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return [first + timedelta(days=i) for i in range((following - first).days)]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def rotation(month: str, leaders: Sequence[str], staff: Sequence[str],
             staff_per_day: int = 1) -> dict[str, dict[str, list[str]]]:
    """A month's plan taking ``leaders`` and ``staff`` in turn (轮班), one leader and
    ``staff_per_day`` staff a day, starting with the first of each on the 1st; someone in
    both lists leads on a day they would also staff (a person holds one post a day)."""
    if not leaders and not staff:
        raise invalid("请至少选择一位带班领导或值班人员 (choose at least one person)", "leaders")
    if not 1 <= staff_per_day <= max(1, len(staff)):
        raise invalid(f"每天值班人员须在 1 到 {max(1, len(staff))} 人之间 (staff per day "
                      f"between 1 and the staff chosen)", "staff_per_day")
    plan: dict[str, dict[str, list[str]]] = {}
    turn = 0
    for i, day in enumerate(month_days(month)):
        leader = [leaders[i % len(leaders)]] if leaders else []
        on_staff: list[str] = []
        while staff and len(on_staff) < min(staff_per_day, len(set(staff) - set(leader))):
            person = staff[turn % len(staff)]
            turn += 1
            if person not in leader and person not in on_staff:
                on_staff.append(person)
        plan[day.isoformat()] = {"leader": leader, "staff": on_staff}
    return plan


def phones(conn: Connection, user_ids: Iterable[int]) -> dict[int, str]:
    """Each person's phone on duty, for those who have one: the duty phone kept on the
    roster (``duty_contact``), else the mobile on their own record (``user_contact``)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    found = {int(uid): str(mobile) for uid, mobile in conn.execute(
        sa.select(user_contact.c.user_id, user_contact.c.mobile)
        .where(user_contact.c.user_id.in_(wanted), user_contact.c.mobile.is_not(None),
               user_contact.c.mobile != ""))}
    found.update({int(uid): str(phone) for uid, phone in conn.execute(
        sa.select(duty_contact.c.user_id, duty_contact.c.phone)
        .where(duty_contact.c.user_id.in_(wanted)))})
    return found


def set_phone(conn: Connection, user_id: int, phone: str, now: datetime) -> None:
    """Record (or, with an empty ``phone``, remove) a person's duty phone."""
    phone = phone.strip()
    conn.execute(duty_contact.delete().where(duty_contact.c.user_id == user_id))
    if not phone:
        return
    if not PHONE_PATTERN.match(phone):
        raise invalid(f"电话号码格式不正确：{phone} (not a phone number)", "phone")
    conn.execute(duty_contact.insert().values(user_id=user_id, phone=phone, updated_at=now))


def unit_people(conn: Connection, unit_id: int) -> list[Person]:
    """The active users holding a role at the unit itself: who may be on its roster."""
    rows = conn.execute(
        sa.select(app_user.c.id, app_user.c.username, app_user.c.display_name).distinct()
        .join(user_role, user_role.c.user_id == app_user.c.id)
        .where(user_role.c.unit_id == unit_id, app_user.c.active.is_(True))
        .order_by(app_user.c.display_name, app_user.c.id))
    found = [(int(r.id), str(r.username), str(r.display_name)) for r in rows]
    known = phones(conn, [uid for uid, _, _ in found])
    return [Person(uid, username, name, known.get(uid)) for uid, username, name in found]


def _assignments(conn: Connection, roster_ids: Sequence[int],
                 days: Sequence[str] | None = None) -> list[Any]:
    if not roster_ids:
        return []
    query = (sa.select(duty_assignment.c.roster_id, duty_assignment.c.day,
                       duty_assignment.c.post, app_user.c.id, app_user.c.username,
                       app_user.c.display_name)
             .join(app_user, app_user.c.id == duty_assignment.c.user_id)
             .where(duty_assignment.c.roster_id.in_(sorted(roster_ids)))
             .order_by(duty_assignment.c.day, duty_assignment.c.id))
    if days is not None:
        query = query.where(duty_assignment.c.day.in_(sorted(days)))
    return list(conn.execute(query))


def _people_by_day(conn: Connection, rows: Sequence[Any]) -> dict[tuple[int, str, str],
                                                                   list[Person]]:
    known = phones(conn, [int(r.id) for r in rows])
    found: dict[tuple[int, str, str], list[Person]] = {}
    for r in rows:
        found.setdefault((int(r.roster_id), str(r.day), str(r.post)), []).append(
            Person(int(r.id), str(r.username), str(r.display_name), known.get(int(r.id))))
    return found


def roster_row(conn: Connection, unit_id: int, month: str) -> Any:
    return conn.execute(sa.select(duty_roster).where(duty_roster.c.unit_id == unit_id,
                                                     duty_roster.c.month == month)).first()


def load_roster(conn: Connection, target: Unit, month: str) -> Roster:
    """The unit's roster of ``month`` (every day, empty ones too), each day checked against
    the declared higher levels."""
    days = month_days(month)
    levels = levels_between(conn, days[0], days[-1])
    row = roster_row(conn, target.id, month)
    people = _people_by_day(conn, _assignments(conn, [row.id])) if row else {}
    checked = levels if watched(target.kind, row is not None) else []
    duties = []
    for day in days:
        key = day.isoformat()
        leaders = people.get((row.id, key, "leader"), []) if row else []
        staff = people.get((row.id, key, "staff"), []) if row else []
        duties.append(DayDuty(day, leaders, staff,
                              shortfall_of(checked, day, len(leaders), len(staff))))
    if row is None:
        return Roster(target, month, duties, levels=levels)
    return Roster(target, month, duties, row.duty_phone, row.updated_at, row.updated_by,
                  levels)


def _checked_plan(conn: Connection, target: Unit, month: str,
                  plan: Mapping[str, Mapping[str, Sequence[str]]]) -> list[tuple[str, str, int]]:
    """(day, post, user id) for every name in ``plan`` (day → post → usernames), refusing
    days outside the month, unknown posts, people who are not the unit's, and anyone named
    twice on one day."""
    days = {d.isoformat() for d in month_days(month)}
    staff = {p.username: p.user_id for p in unit_people(conn, target.id)}
    rows: list[tuple[str, str, int]] = []
    for day, posts in sorted(plan.items()):
        if day not in days:
            raise invalid(f"日期 {day} 不在 {month} 内 (day {day} is not in {month})", day)
        seen: set[str] = set()
        for post, usernames in posts.items():
            if post not in POSTS:
                raise invalid(f"未知的值班岗位：{post} (unknown post; leader or staff)", day)
            for username in usernames:
                if username not in staff:
                    raise invalid(f"{day}：{username} 不是本单位人员，不能排班 "
                                  f"({username} holds no role at {target.code})", day)
                if username in seen:
                    raise invalid(f"{day}：同一人当天只能排一个岗位 (a person is on one "
                                  f"post a day: {username})", day)
                seen.add(username)
                rows.append((day, post, staff[username]))
    return rows


def save_roster(conn: Connection, target: Unit, month: str,
                plan: Mapping[str, Mapping[str, Sequence[str]]], duty_phone: str | None,
                by: str, now: datetime) -> dict[str, Any]:
    """Replace the unit's roster of ``month`` with ``plan`` (day → post → usernames; a day
    left out is empty); returns what changed, for the journal."""
    rows = _checked_plan(conn, target, month, plan)
    phone = (duty_phone or "").strip() or None
    if phone is not None and not PHONE_PATTERN.match(phone):
        raise invalid(f"值班电话格式不正确：{phone} (not a phone number)", "duty_phone")
    existing = roster_row(conn, target.id, month)
    if existing is None:
        roster_id = new_id(conn.execute(duty_roster.insert().values(
            unit_id=target.id, month=month, duty_phone=phone, updated_at=now,
            updated_by=by)))
        before: set[tuple[str, str, int]] = set()
    else:
        roster_id = int(existing.id)
        before = {(str(r.day), str(r.post), int(r.id))
                  for r in _assignments(conn, [roster_id])}
        conn.execute(duty_roster.update().where(duty_roster.c.id == roster_id)
                     .values(duty_phone=phone, updated_at=now, updated_by=by))
        conn.execute(duty_assignment.delete().where(duty_assignment.c.roster_id == roster_id))
    if rows:
        conn.execute(duty_assignment.insert(), [
            {"roster_id": roster_id, "day": day, "post": post, "user_id": uid}
            for day, post, uid in rows])
    after = set(rows)
    return {"unit": target.code, "month": month, "duty_phone": phone,
            "added": sorted(after - before), "removed": sorted(before - after)}


def duty_today(conn: Connection, unit_ids: Iterable[int], day: date) -> list[UnitDuty]:
    """Who is on duty at each of ``unit_ids`` on the business day ``day``, in unit-code
    order; a unit without a roster for the month has nobody (``rostered`` False). Each
    roster, and each commission's day, is checked against the higher levels declared for
    that day (``duty_levels.watched``)."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return []
    units = list(conn.execute(sa.select(unit.c.id, unit.c.code, unit.c.name, unit.c.kind,
                                        unit.c.county_code)
                              .where(unit.c.id.in_(wanted)).order_by(unit.c.code)))
    rosters = {int(r.unit_id): r for r in conn.execute(
        sa.select(duty_roster).where(duty_roster.c.unit_id.in_(wanted),
                                     duty_roster.c.month == month_of(day)))}
    people = _people_by_day(conn, _assignments(conn, [int(r.id) for r in rosters.values()],
                                               [day.isoformat()]))
    levels = levels_between(conn, day, day)
    found = []
    for u in units:
        roster = rosters.get(int(u.id))
        key = int(roster.id) if roster is not None else -1
        leaders = people.get((key, day.isoformat(), "leader"), [])
        staff = people.get((key, day.isoformat(), "staff"), [])
        found.append(UnitDuty(
            int(u.id), str(u.code), str(u.name), u.county_code, day, leaders, staff,
            roster.duty_phone if roster is not None else None, roster is not None,
            shortfall_of(levels, day, len(leaders), len(staff))
            if watched(str(u.kind), roster is not None) else None))
    return found


def on_duty(conn: Connection, roster_id: int, day: str, user_id: int) -> str | None:
    """The post ``user_id`` holds on ``day`` of the roster, if any."""
    post = conn.execute(sa.select(duty_assignment.c.post).where(
        duty_assignment.c.roster_id == roster_id, duty_assignment.c.day == day,
        duty_assignment.c.user_id == user_id)).scalar()
    return None if post is None else str(post)


def move_duty(conn: Connection, roster_id: int, day: str, from_user: int, to_user: int) -> None:
    """Hand ``from_user``'s duty on ``day`` to ``to_user`` (same post)."""
    conn.execute(duty_assignment.update().where(
        duty_assignment.c.roster_id == roster_id, duty_assignment.c.day == day,
        duty_assignment.c.user_id == from_user).values(user_id=to_user))
