"""The reporting chain of the founding notice: who reports to whom, and what a report covers.

The notice is addressed to 各县区卫健委、开发区卫健办、市直卫健单位: each of them reports its
progress to the city's 综合监督科 before the 24th of every month, and is assessed and
spot-checked by the city. The medical institutions work under their county.

- A **county-level body** (县区卫健委 or 开发区卫健办: a unit that is its own supervising
  county, ``county_code == code``) reports to the city. Its report covers its whole area
  (every unit at or below it), consolidates the reports of the units that report to it and
  adds its own supervision work (:mod:`~hazardflow.workflows.supervision_work`).
- A **reporting unit** (``campaigns.reporting_units``: the institutions, the city-direct units…)
  reports to its supervising body (``unit.county_code``): its county-level body, by an
  earlier day (the 20th by default), or the city itself for a unit directly under the city
  (a 市直 unit), by the city's day. Its report covers the unit and the units below it that do
  not report themselves (a 村卫生室 in its 乡镇卫生院's).
- The **addressees** are the reporters that report to the city: the bodies the city's annual
  assessment scores and ranks. The others are ranked by their county in its own view.

Everything here reads the organisation tree as it is now; a report keeps the body it was
made to (``unit_report.reports_to``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.memo import TransactionMemo

from . import reports, supervision_work
from .calendar import BusinessCalendar
from .campaigns import reporting_units
from .schema import unit
from .schema_campaigns import campaign, campaign_unit
from .units import city_unit


@dataclass(frozen=True)
class Reporter:
    """A unit that reports, and to whom."""

    id: int
    code: str
    name: str
    county_code: str | None
    reports_to: str  # the code of the body its report goes to
    body: bool  # a county-level body: its report covers its area and consolidates


# The chain and the tree are read once per transaction: a month's round fills one report per
# reporter, and each fill asks who reports and what it covers (read again for every report,
# the round's cost grew with the square of the units). Forgotten on any write to ``unit``.
_CHAIN = TransactionMemo("report_chain", [unit])


def reporters(conn: Connection, kinds: Collection[str] | None = None, *,
              bodies: bool = True) -> list[Reporter]:
    """Every active unit that reports, by code: the county-level bodies (unless ``bodies`` is
    false) and the reporting units (only those of ``kinds``, when given)."""
    key = ("reporters", tuple(sorted(kinds)) if kinds else None, bodies)
    found = _CHAIN.read(conn, key, lambda: tuple(_reporters(conn, kinds, bodies)))
    return list(found or ())


def _reporters(conn: Connection, kinds: Collection[str] | None,
               bodies: bool) -> list[Reporter]:
    city = city_unit(conn)
    out: dict[str, Reporter] = {}
    if bodies:
        for row in conn.execute(sa.select(unit).where(
                unit.c.active.is_(True), unit.c.county_code == unit.c.code)):
            out[row.code] = Reporter(row.id, row.code, row.name, row.county_code, city.code,
                                     True)
    for row in reporting_units(conn):
        if row.code in out or row.county_code == row.code or (kinds and row.kind not in kinds):
            continue
        out[row.code] = Reporter(row.id, row.code, row.name, row.county_code,
                                 row.county_code or city.code, False)
    return [out[code] for code in sorted(out)]


def reporter(conn: Connection, code: str) -> Reporter | None:
    """The unit ``code`` as a reporter (None when it does not report)."""
    return next((r for r in reporters(conn) if r.code == code), None)


def addressees(conn: Connection) -> list[Reporter]:
    """The reporters that report to the city: its county-level bodies and the units it
    supervises directly (市直). The city's assessment ranks them."""
    city = city_unit(conn).code
    return [r for r in reporters(conn) if r.reports_to == city]


def reporting_to(conn: Connection, body_code: str) -> list[Reporter]:
    """The reporters whose report goes to ``body_code`` (a county's institutions)."""
    return [r for r in reporters(conn) if r.reports_to == body_code]


def covered_ids(conn: Connection, who: Reporter) -> list[int]:
    """The ids of the units a reporter's report covers: a body's whole area; a unit itself
    and the units below it that do not report themselves."""
    found = _CHAIN.read(conn, ("covered", who), lambda: tuple(_covered(conn, who)))
    return list(found or ())


def _children(conn: Connection) -> Mapping[int | None, tuple[tuple[int, str], ...]]:
    """Each unit's children (id, code), by parent id: the whole tree in one read."""
    def load() -> Mapping[int | None, tuple[tuple[int, str], ...]]:
        children: dict[int | None, list[tuple[int, str]]] = {}
        for row in conn.execute(sa.select(unit.c.id, unit.c.parent_id, unit.c.code)):
            children.setdefault(row.parent_id, []).append((row.id, row.code))
        return MappingProxyType({parent: tuple(kids) for parent, kids in children.items()})
    return _CHAIN.read(conn, ("children",), load) or MappingProxyType({})


def _covered(conn: Connection, who: Reporter) -> list[int]:
    children = _children(conn)
    reporting = set() if who.body else {r.code for r in reporters(conn)}
    out, todo = [who.id], [who.id]
    while todo:
        for child, code in children.get(todo.pop(), []):
            if code not in reporting:
                out.append(child)
                todo.append(child)
    return sorted(out)


def campaign_starts(conn: Connection, first_day: date, last_day: date) -> list[date]:
    """The start days of the campaigns running at some time from ``first_day`` to
    ``last_day`` (the rounds reach back to the earliest)."""
    rows = conn.execute(sa.select(campaign.c.starts_on).where(
        campaign.c.starts_on <= last_day.isoformat(),
        campaign.c.ends_on >= first_day.isoformat()))
    return sorted(date.fromisoformat(str(r)) for r in rows.scalars())


def campaign_of(conn: Connection, unit_ids: Iterable[int], day: date) -> str | None:
    """The code of a campaign running on ``day`` that one of the units takes part in."""
    found = conn.execute(
        sa.select(campaign.c.code).join(campaign_unit,
                                        campaign_unit.c.campaign_id == campaign.c.id)
        .where(campaign_unit.c.unit_id.in_(sorted(set(unit_ids))),
               campaign.c.starts_on <= day.isoformat(), campaign.c.ends_on >= day.isoformat())
        .order_by(campaign.c.starts_on.desc(), campaign.c.code).limit(1)).scalar()
    return str(found) if found else None


def contents(conn: Connection, who: Reporter, kind: str, period: str, now: datetime,
             calendar: BusinessCalendar) -> dict[str, Any]:
    """What a report says, from the ledger as of the period's end: the figures of the units
    it covers; for a county-level body also the reports made to it (``units``: which are
    submitted, late or missing) and its own supervision work (``supervision``)."""
    out = reports.figures(conn, covered_ids(conn, who), kind, period, now, calendar)
    if who.body:
        start, end = reports.window(kind, period)
        until = min(calendar.start_of(end), now)
        out["units"] = reports.made_to(conn, who.code, kind, period, now, calendar)
        out["supervision"] = supervision_work.summary(conn, who.code, start, end, until,
                                                      calendar)
    return out
