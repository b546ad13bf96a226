"""Higher duty levels (提级值班): periods the city declares (春节, 国庆, 汛期, a major event) in
which every roster must have at least so many leaders (带班领导) and staff (值班人员) on duty
each day.

A day of a roster that falls short is flagged (:func:`shortfall_of`) on the roster page and
on ``/duty/today``; its keepers (``policy.roster_keepers``) get an in-app notification
(``duty_level``), once per level and unit, when the level is declared or when they save a
roster that still falls short. Which rosters are looked at: every roster of the period's
months, and the commissions' (县区卫健委, 开发区卫健办, 市卫健委) whether or not they have one,
since a commission always keeps 值班.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

from . import policy
from .notifications import add_notification
from .phrases import phrase
from .roles import COMMISSION_KINDS
from .schema import notification, unit
from .schema_duty import duty_assignment, duty_level, duty_roster

MAX_PEOPLE = 20
MAX_DAYS = 366


@dataclass(frozen=True)
class Level:
    id: int
    name: str
    starts_on: date
    ends_on: date
    min_leaders: int
    min_staff: int
    declared_by: str
    declared_at: datetime

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Shortfall:
    """What a day lacks under the levels declared for it (the strictest of each)."""

    names: tuple[str, ...]
    min_leaders: int
    min_staff: int
    leaders: int
    staff: int


def new_id(result: CursorResult[Any]) -> int:
    """The primary key a single-row insert gave."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _level(row: Any) -> Level:
    return Level(int(row.id), str(row.name), date.fromisoformat(row.starts_on),
                 date.fromisoformat(row.ends_on), int(row.min_leaders), int(row.min_staff),
                 str(row.declared_by), row.declared_at)


def levels_between(conn: Connection, first: date, last: date) -> list[Level]:
    """The levels declared for any day from ``first`` to ``last``, earliest first."""
    rows = conn.execute(sa.select(duty_level).where(
        duty_level.c.starts_on <= last.isoformat(), duty_level.c.ends_on >= first.isoformat())
        .order_by(duty_level.c.starts_on, duty_level.c.id))
    return [_level(r) for r in rows]


def all_levels(conn: Connection) -> list[Level]:
    return [_level(r) for r in conn.execute(
        sa.select(duty_level).order_by(duty_level.c.starts_on.desc(), duty_level.c.id))]


def shortfall_of(levels: Iterable[Level], day: date, leaders: int,
                 staff: int) -> Shortfall | None:
    """What ``day`` lacks with ``leaders`` and ``staff`` on duty; None when it meets every
    level declared for it (or none is)."""
    covering = [lv for lv in levels if lv.covers(day)]
    if not covering:
        return None
    need_leaders = max(lv.min_leaders for lv in covering)
    need_staff = max(lv.min_staff for lv in covering)
    if leaders >= need_leaders and staff >= need_staff:
        return None
    return Shortfall(tuple(lv.name for lv in covering), need_leaders, need_staff, leaders,
                     staff)


def declare(conn: Connection, *, name: str, starts_on: date, ends_on: date,
            min_leaders: int, min_staff: int, by: str, now: datetime) -> Level:
    """Store a declared level; the caller checks who may and validates the input."""
    level_id = new_id(conn.execute(duty_level.insert().values(
        name=name, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(),
        min_leaders=min_leaders, min_staff=min_staff, declared_by=by, declared_at=now)))
    return _level(conn.execute(sa.select(duty_level).where(duty_level.c.id == level_id)).one())


def watched(unit_kind: str, rostered: bool) -> bool:
    """Whether a unit's month is held to the declared levels: one it keeps a roster for,
    and a commission's always (a unit that keeps no roster is only shown as 未排班)."""
    return rostered or unit_kind in COMMISSION_KINDS


def _counts(conn: Connection, unit_ids: list[int], first: date,
            last: date) -> dict[tuple[int, str, str], int]:
    rows = conn.execute(
        sa.select(duty_roster.c.unit_id, duty_assignment.c.day, duty_assignment.c.post,
                  sa.func.count())
        .join(duty_roster, duty_roster.c.id == duty_assignment.c.roster_id)
        .where(duty_roster.c.unit_id.in_(unit_ids),
               duty_assignment.c.day >= first.isoformat(),
               duty_assignment.c.day <= last.isoformat())
        .group_by(duty_roster.c.unit_id, duty_assignment.c.day, duty_assignment.c.post))
    return {(int(u), str(d), str(p)): int(n) for u, d, p, n in rows}


def _watched_units(conn: Connection, first: date, last: date,
                   only: Iterable[int] | None) -> list[Any]:
    months = {f"{first.year:04d}-{first.month:02d}", f"{last.year:04d}-{last.month:02d}"}
    day = first
    while day <= last:
        months.add(f"{day.year:04d}-{day.month:02d}")
        day += timedelta(days=28)
    rostered = sa.select(duty_roster.c.unit_id).where(duty_roster.c.month.in_(sorted(months)))
    query = sa.select(unit.c.id, unit.c.code, unit.c.kind).where(
        unit.c.active.is_(True),
        sa.or_(unit.c.id.in_(rostered), unit.c.kind.in_(sorted(COMMISSION_KINDS))))
    if only is not None:
        query = query.where(unit.c.id.in_(sorted(set(only)) or [-1]))
    return list(conn.execute(query.order_by(unit.c.code)))


def notify_shortfalls(conn: Connection, levels: Iterable[Level], now: datetime,
                      unit_ids: Iterable[int] | None = None) -> int:
    """Tell the keepers of each watched roster (of ``unit_ids``, or all) that falls short of
    one of ``levels`` on some day, once per level and unit; returns how many units were
    told now."""
    told = 0
    for level in levels:
        units = _watched_units(conn, level.starts_on, level.ends_on, unit_ids)
        counts = _counts(conn, [int(u.id) for u in units], level.starts_on, level.ends_on)
        days = [level.starts_on + timedelta(days=i)
                for i in range((level.ends_on - level.starts_on).days + 1)]
        for u in units:
            short = [d for d in days if shortfall_of(
                [level], d, counts.get((int(u.id), d.isoformat(), "leader"), 0),
                counts.get((int(u.id), d.isoformat(), "staff"), 0)) is not None]
            if short and _notify_keepers(conn, level, u, short, now):
                told += 1
    return told


# what a roster's keepers are told (workflows/phrases.py)
LEVEL_TEXTS: dict[str, str] = {
    "title": "%(level)s提级值班：值班表人员不足",
    "body": "%(starts)s 至 %(ends)s 须每天带班领导 %(leaders)s 人、值班人员 %(staff)s 人；本单位 "
            "%(days)s未达到，请在值班表中补充。",
    "more": "%(days)s等 %(n)s 天",
}


def _notify_keepers(conn: Connection, level: Level, target: Any, short: list[date],
                    now: datetime) -> bool:
    first_days = "、".join(d.strftime("%m-%d") for d in short[:5])
    days = phrase(LEVEL_TEXTS["more"], days=first_days, n=str(len(short))) \
        if len(short) > 5 else first_days
    title = phrase(LEVEL_TEXTS["title"], level=level.name)
    body = phrase(LEVEL_TEXTS["body"], starts=level.starts_on.isoformat(),
                  ends=level.ends_on.isoformat(), leaders=str(level.min_leaders),
                  staff=str(level.min_staff), days=days)
    sent = False
    for role in sorted(policy.roster_keepers(str(target.kind))):
        key = f"duty_level:{level.id}:{target.id}:{role}"
        if conn.execute(sa.select(notification.c.id)
                        .where(notification.c.once_key == key)).first():
            continue
        notice = add_notification(conn, kind="duty_level", title=title, body=body, now=now,
                                  grant=(role, str(target.code)))
        conn.execute(notification.update().where(notification.c.id == notice)
                     .values(once_key=key))
        sent = True
    return sent
