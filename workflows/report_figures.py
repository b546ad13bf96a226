"""The ledger's counts behind a report's figures, for some units or for a whole round.

A report's figures (``reports.figures``) are sums over the units it covers. Asked once in a
transaction, they are read for those units alone. Asked a second time for the same period
and moment in the same transaction, as the month's round does for every reporter, they are
read once for every unit, grouped by unit, and each report sums its own units from that:
four statements for the round instead of four per report. The per-unit counts are forgotten
when the transaction writes ``hazard`` or ``inspection`` rows (``engine.memo``). On PostgreSQL
(read committed) the reports after the second are summed from that one read: a hazard
another transaction commits while the round runs is in none of them or, had it committed
before, in all of them, as the round's one snapshot of the ledger.

Both ways give the same rows in the same order: counts by (level, category), open major
hazards by code, inspections by kind, hazards found in a campaign by campaign, each sorted
in Python so that no database's collation decides the order a report's JSON keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.memo import TransactionMemo

from .schema import hazard
from .schema_campaigns import inspection

COUNTS = ("new", "rectified", "overdue", "public_received", "public_closed")
_BULK = TransactionMemo("report_figures", [hazard, inspection])
_ASKED = object()  # the period was asked for once in this transaction: the next ask reads all


@dataclass(frozen=True)
class Window:
    """What a report counts: business days [start, end), instants [since, until) and the
    business day ``as_of`` that judges deadlines."""

    start: date
    end: date
    since: datetime
    until: datetime
    as_of: str


@dataclass
class Counts:
    """The ledger's counts over some units: ``splits`` maps (level, category) to the five
    :data:`COUNTS`; ``majors`` the open major hazards; ``inspections`` and ``campaign_found``
    counts by inspection kind and by campaign."""

    splits: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    majors: list[dict[str, Any]] = field(default_factory=list)
    inspections: dict[str, int] = field(default_factory=dict)
    campaign_found: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        for key, numbers in other.splits.items():
            mine = self.splits.setdefault(key, [0] * len(COUNTS))
            for i, n in enumerate(numbers):
                mine[i] += n
        self.majors.extend(dict(m) for m in other.majors)  # the memo keeps its own
        for kind, n in other.inspections.items():
            self.inspections[kind] = self.inspections.get(kind, 0) + n
        for code, n in other.campaign_found.items():
            self.campaign_found[code] = self.campaign_found.get(code, 0) + n

    def sorted(self) -> Counts:
        return Counts(dict(sorted(self.splits.items())),
                      sorted(self.majors, key=lambda m: m["code"]),
                      dict(sorted(self.inspections.items())),
                      dict(sorted(self.campaign_found.items())))


def open_at(moment: datetime) -> sa.ColumnElement[bool]:
    """Hazards registered before ``moment`` and not closed by then (voided ones left out)."""
    return sa.and_(hazard.c.reported_at < moment, sa.or_(
        hazard.c.status == "open",
        sa.and_(hazard.c.status == "closed", hazard.c.closed_at >= moment)))


def counts(conn: Connection, unit_ids: Sequence[int], w: Window) -> Counts:
    """The counts over ``unit_ids`` (see the module's docstring for when all units are read
    at once)."""
    units = sorted(set(unit_ids))
    memo = _BULK.of(conn)  # keyed by the window: every bound the counts depend on
    if memo is None or memo.get(w) is None:  # the first ask: these units' rows alone
        if memo is not None:
            memo[w] = _ASKED
        return _read(conn, hazard.c.unit_id.in_(units), inspection.c.unit_id.in_(units),
                     w).get(None, Counts()).sorted()
    if memo[w] is _ASKED:
        memo[w] = _read(conn, sa.true(), sa.true(), w, by_unit=True)
    kept = memo[w]
    out = Counts()
    for unit_id in units:
        found = kept.get(unit_id)
        if found is not None:
            out.add(found)
    return out.sorted()


def _read(conn: Connection, mine: Any, inspected: Any, w: Window,
          by_unit: bool = False) -> dict[int | None, Counts]:
    """The counts of the units ``mine`` and ``inspected`` select, by unit id when ``by_unit``
    (else all under None)."""
    out: dict[int | None, Counts] = {}

    def of(row: Any) -> Counts:
        return out.setdefault(row.unit_id if by_unit else None, Counts())

    def grouped(unit_id: Any, *columns: Any) -> list[Any]:
        return [unit_id, *columns] if by_unit else list(columns)

    seen = sa.and_(mine, hazard.c.visible_to_unit.is_(True))
    reported = sa.and_(hazard.c.reported_at >= w.since, hazard.c.reported_at < w.until)
    closed = sa.and_(hazard.c.status == "closed", hazard.c.closed_at >= w.since,
                     hazard.c.closed_at < w.until)
    still_open = open_at(w.until)  # as the period ended, whatever happened since
    overdue = sa.and_(still_open, hazard.c.deadline.is_not(None), hazard.c.deadline < w.as_of)
    public = sa.and_(reported, hazard.c.source == "public_report")
    when = {"new": reported, "rectified": closed, "overdue": overdue,
            "public_received": public,
            "public_closed": sa.and_(public, hazard.c.status == "closed")}
    group = grouped(hazard.c.unit_id, hazard.c.level, hazard.c.category)
    for row in conn.execute(sa.select(*group, *(
            sa.func.sum(sa.case((when[name], 1), else_=0)).label(name) for name in COUNTS))
            .where(seen, sa.or_(reported, closed, overdue)).group_by(*group)):
        of(row).splits[(row.level, row.category)] = [int(getattr(row, n) or 0)
                                                     for n in COUNTS]
    for row in conn.execute(sa.select(hazard.c.unit_id, hazard.c.code, hazard.c.stage,
                                      hazard.c.deadline, hazard.c.location,
                                      hazard.c.category)
                            .where(seen, hazard.c.level == "major", still_open)):
        of(row).majors.append({"code": row.code, "stage": row.stage, "deadline": row.deadline,
                               "location": row.location, "category": row.category})
    group = grouped(inspection.c.unit_id, inspection.c.kind)
    for row in conn.execute(sa.select(*group, sa.func.count().label("n")).where(
            inspected, inspection.c.visible_to_unit.is_(True),
            inspection.c.inspected_on >= w.start.isoformat(),
            inspection.c.inspected_on < w.end.isoformat()).group_by(*group)):
        of(row).inspections[str(row.kind)] = int(row.n)
    group = grouped(hazard.c.unit_id, hazard.c.campaign)
    for row in conn.execute(sa.select(*group, sa.func.count().label("n")).where(
            seen, reported, hazard.c.campaign.is_not(None)).group_by(*group)):
        of(row).campaign_found[str(row.campaign)] = int(row.n)
    return out


def splits(found: Counts, levels: Iterable[str]) -> tuple[dict[str, dict[str, Any]],
                                                           dict[str, int]]:
    """The new, rectified and overdue splits (total, by level, by category) and the public
    reports' counts, from :func:`counts`."""
    out: dict[str, dict[str, Any]] = {
        name: {"total": 0, "by_level": {k: 0 for k in levels}, "by_category": {}}
        for name in ("new", "rectified", "overdue")}
    public = {"received": 0, "closed": 0}
    for (level, category), numbers in found.splits.items():
        named: Mapping[str, int] = dict(zip(COUNTS, numbers, strict=True))
        for name, split in out.items():
            count = named[name]
            if count:
                split["total"] += count
                split["by_level"][level] = split["by_level"].get(level, 0) + count
                split["by_category"][category] = split["by_category"].get(category, 0) + count
        public["received"] += named["public_received"]
        public["closed"] += named["public_closed"]
    return out, public
