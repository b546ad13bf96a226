"""The supervisors' dashboard: found and closed per week, 整改率 and 按期整改率 by level,
overdue by county and by category, average days to close, a ranking of units.

The weekly figures come from ``hazard_stat``, a rollup of the ledger kept in step by
:func:`refresh` (it reads the hazards changed since its last run, subtracts what each one
contributed before and adds what it contributes now), in the caller's transaction:
``usecases.monitor`` refreshes it when :func:`stale` says the ledger moved on, and a
periodic job does too. Its size depends on weeks × counties ×
levels and weeks × units, not on the number of hazards, so the dashboard costs the same at
10,000 and at 1,000,000 hazards. Overdue counts read the open hazards through a partial index.

Definitions: 整改率 = closed / found and 按期整改率 = closed by the deadline / found, both for
the hazards found in the period (voided ones are left out); average days to close counts the
hazards closed in the period. 举报办结率 = the public reports received in the period and
closed / those received, and their average handling time counts the reports closed in the
period from filing to closure; both over the reports the reader may read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor

from .calendar import BusinessCalendar
from .ledger import CATEGORIES, LEVELS
from .policy import allows, counties_overseen, visible_reports
from .public_reports_view import handling
from .schema import hazard, unit
from .schema_monitor import hazard_stat, hazard_stat_state, monitor_mark

MARK = "hazard_stat"
MARGIN = timedelta(minutes=5)  # re-read a little before the mark: clocks of several hosts
BATCH = 2000
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

StatKey = tuple[str, str, str, str, int]  # kind, week, county, level, unit_id


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Contribution:
    unit_id: int
    county_code: str
    level: str
    found_week: str
    closed_week: str | None
    hours: int | None
    on_time: bool

    def keys(self) -> list[tuple[StatKey, int]]:
        """(rollup key, hours) for each row this hazard adds 1 to."""
        county, level, unit_id, found = self.county_code, self.level, self.unit_id, self.found_week
        out: list[tuple[StatKey, int]] = [(("found", found, county, level, 0), 0),
                                          (("found", found, county, "", unit_id), 0)]
        if self.closed_week is not None:
            out += [(("closed", self.closed_week, county, level, 0), self.hours or 0),
                    (("closed_f", found, county, level, 0), 0),
                    (("closed_f", found, county, "", unit_id), 0)]
            if self.on_time:
                out += [(("ontime_f", found, county, level, 0), 0),
                        (("ontime_f", found, county, "", unit_id), 0)]
        return out


def contribution(row: Any, calendar: BusinessCalendar) -> Contribution | None:
    """What a ledger row counts for (weeks of business days); None for a voided hazard."""
    if row.status == "voided":
        return None
    found = week_of(calendar.today(row.reported_at)).isoformat()
    closed_week = hours = None
    on_time = False
    if row.status == "closed" and row.closed_at is not None:
        closed_day = calendar.today(row.closed_at)
        closed_week = week_of(closed_day).isoformat()
        hours = max(0, int((row.closed_at - row.reported_at).total_seconds() // 3600))
        on_time = row.deadline is None or closed_day.isoformat() <= row.deadline
    return Contribution(int(row.unit_id), row.county_code or "", row.level, found, closed_week,
                        hours, on_time)


def _state(row: Any) -> Contribution:
    return Contribution(row.unit_id, row.county_code, row.level, row.found_week, row.closed_week,
                        row.hours, bool(row.on_time))


def _upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]],
            keys: list[str], update: dict[str, Any]) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    values = {k: (v(stmt.excluded) if callable(v) else v) for k, v in update.items()}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=values), rows)


def _apply(conn: Connection, delta: dict[StatKey, list[int]]) -> None:
    rows = [{"kind": k[0], "week": k[1], "county_code": k[2], "level": k[3], "unit_id": k[4],
             "n": n, "hours_sum": h} for k, (n, h) in delta.items() if n or h]
    for start in range(0, len(rows), BATCH):
        _upsert(conn, hazard_stat, rows[start:start + BATCH],
                ["kind", "week", "county_code", "level", "unit_id"],
                {"n": lambda ex: hazard_stat.c.n + ex.n,
                 "hours_sum": lambda ex: hazard_stat.c.hours_sum + ex.hours_sum})


def _fold(conn: Connection, rows: Sequence[Any], delta: dict[StatKey, list[int]],
          calendar: BusinessCalendar) -> None:
    """Add the change of ``rows`` to ``delta`` and record their new contributions."""
    ids = [r.id for r in rows]
    old = {r.hazard_id: _state(r) for r in conn.execute(
        sa.select(hazard_stat_state).where(hazard_stat_state.c.hazard_id.in_(ids)))}
    keep: list[dict[str, Any]] = []
    drop: list[int] = []
    for row in rows:
        new, before = contribution(row, calendar), old.get(row.id)
        if new == before:
            continue
        for contrib, sign in ((before, -1), (new, 1)):
            for key, hours in (contrib.keys() if contrib else []):
                acc = delta.setdefault(key, [0, 0])
                acc[0] += sign
                acc[1] += sign * hours
        if new is None:
            drop.append(row.id)
        else:
            keep.append({"hazard_id": row.id, **new.__dict__})
    if drop:
        conn.execute(sa.delete(hazard_stat_state).where(hazard_stat_state.c.hazard_id.in_(drop)))
    _upsert(conn, hazard_stat_state, keep, ["hazard_id"],
            {c: (lambda ex, c=c: getattr(ex, c)) for c in
             ("unit_id", "county_code", "level", "found_week", "closed_week", "hours",
              "on_time")})


LEDGER = sa.select(hazard.c.id, hazard.c.unit_id, hazard.c.county_code, hazard.c.level,
                   hazard.c.status, hazard.c.reported_at, hazard.c.closed_at,
                   hazard.c.deadline, hazard.c.updated_at)


def _mark(conn: Connection) -> datetime | None:
    at: datetime | None = conn.execute(sa.select(monitor_mark.c.at).where(
        monitor_mark.c.name == MARK)).scalar()
    return at


def stale(conn: Connection) -> bool:
    """Whether the ledger changed since the rollup was last brought up to date (an indexed
    range on ``hazard.updated_at``: cheap, and only reads)."""
    mark = _mark(conn)
    return mark is None or conn.execute(sa.select(hazard.c.id).where(
        hazard.c.updated_at > mark).limit(1)).first() is not None


def refresh(conn: Connection, calendar: BusinessCalendar) -> int:
    """Bring the rollup up to date with the ledger, in the caller's (write) transaction, in
    weeks of ``calendar``'s business days; returns how many hazards were read (0 when
    nothing changed)."""
    if not stale(conn):
        return 0
    mark = _mark(conn)
    since = (mark or EPOCH) - MARGIN
    delta: dict[StatKey, list[int]] = {}
    seen, newest = 0, mark
    last_id = 0
    while True:  # keyset pages in id order over the changed rows
        rows = conn.execute(LEDGER.where(hazard.c.updated_at >= since, hazard.c.id > last_id)
                            .order_by(hazard.c.id).limit(BATCH)).all()
        if not rows:
            break
        _fold(conn, rows, delta, calendar)
        seen += len(rows)
        last_id = rows[-1].id
        top = max(r.updated_at for r in rows)
        newest = top if newest is None or top > newest else newest
    _apply(conn, delta)
    if newest is not None:
        conn.execute(sa.delete(monitor_mark).where(monitor_mark.c.name == MARK))
        conn.execute(sa.insert(monitor_mark).values(name=MARK, at=newest))
    return seen


ROLLUP_SECONDS = 300.0  # how often both drivers bring the rollup up to date


# -- reading ----------------------------------------------------------------------------

def _in_scope(column: Any, counties: set[str] | None) -> list[Any]:
    return [] if counties is None else [column.in_(sorted(counties))]


def dashboard(conn: Connection, actor: Actor, today: date, weeks: int = 26,
              calendar: BusinessCalendar | None = None) -> dict[str, Any]:
    """Every figure of the dashboard for the last ``weeks`` weeks up to the business day
    ``today``, within the actor's scope, as the rollup stands (:func:`refresh` it first);
    ``public_reports``: 举报办结率 and average handling time (:func:`public_report_figures`)."""
    first = week_of(today) - timedelta(weeks=weeks - 1)
    counties = counties_overseen(conn, actor)
    return {"weeks": _weekly(conn, counties, first, today),
            "rates": _rates(conn, counties, first),
            "overdue": _overdue(conn, counties, today),
            "units": _units(conn, counties, first, today),
            "public_reports": public_report_figures(conn, actor, first, today,
                                                    calendar or BusinessCalendar.named()),
            "from": first.isoformat(), "to": today.isoformat(),
            "counties": sorted(counties) if counties is not None else None}


def public_report_figures(conn: Connection, actor: Actor, first: date, last: date,
                          calendar: BusinessCalendar) -> dict[str, Any] | None:
    """The public reports received from business day ``first`` to ``last`` (inclusive) that
    ``actor`` may read (``policy.visible_reports``: a county its units', the city all),
    with their 办结率 and the average days to closure; None for a reader of the dashboard
    who does not handle reports (their counts are not theirs to see)."""
    if not allows(actor, "report.triage"):
        return None
    return handling(conn, visible_reports(actor), calendar.start_of(first),
                    calendar.end_of(last))


def _weekly(conn: Connection, counties: set[str] | None, first: date,
            today: date) -> dict[str, Any]:
    s = hazard_stat.c
    rows = conn.execute(sa.select(s.kind, s.week, sa.func.sum(s.n), sa.func.sum(s.hours_sum))
                        .where(s.kind.in_(("found", "closed")), s.unit_id == 0,
                               s.week >= first.isoformat(), *_in_scope(s.county_code, counties))
                        .group_by(s.kind, s.week))
    found: dict[str, int] = defaultdict(int)
    closed: dict[str, int] = defaultdict(int)
    closed_n, hours = 0, 0
    for kind, week, n, h in rows:
        (found if kind == "found" else closed)[week] += int(n or 0)
        if kind == "closed":
            closed_n += int(n or 0)
            hours += int(h or 0)
    labels, day = [], first
    while day <= today:
        labels.append(day.isoformat())
        day += timedelta(weeks=1)
    return {"labels": labels, "found": [found[w] for w in labels],
            "closed": [closed[w] for w in labels],
            "avg_days_to_close": round(hours / 24 / closed_n, 1) if closed_n else None}


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _rates(conn: Connection, counties: set[str] | None, first: date) -> dict[str, Any]:
    s = hazard_stat.c
    got: dict[tuple[str, str], int] = defaultdict(int)
    for kind, level, n in conn.execute(
            sa.select(s.kind, s.level, sa.func.sum(s.n))
            .where(s.kind.in_(("found", "closed_f", "ontime_f")), s.unit_id == 0,
                   s.week >= first.isoformat(), *_in_scope(s.county_code, counties))
            .group_by(s.kind, s.level)):
        got[(kind, level)] += int(n or 0)
    return {level: {"name": LEVELS[level], "found": got[("found", level)],
                    "closed": got[("closed_f", level)], "on_time": got[("ontime_f", level)],
                    "rate": _rate(got[("closed_f", level)], got[("found", level)]),
                    "on_time_rate": _rate(got[("ontime_f", level)], got[("found", level)])}
            for level in LEVELS}


def _overdue_where(counties: set[str] | None, today: date) -> list[Any]:
    return [hazard.c.status == sa.literal_column("'open'"), hazard.c.deadline.is_not(None),
            hazard.c.deadline < today.isoformat(), *_in_scope(hazard.c.county_code, counties)]


def _overdue(conn: Connection, counties: set[str] | None, today: date) -> dict[str, Any]:
    where = _overdue_where(counties, today)
    by_county: dict[str, int] = dict(conn.execute(sa.select(hazard.c.county_code, sa.func.count())
                                  .where(*where).group_by(hazard.c.county_code)).all())
    by_category: dict[str, int] = dict(conn.execute(sa.select(hazard.c.category, sa.func.count())
                                    .where(*where).group_by(hazard.c.category)).all())
    names = dict(conn.execute(sa.select(unit.c.code, unit.c.name)
                              .where(unit.c.code.in_(sorted(c for c in by_county if c)))).all())
    return {"by_county": [{"code": c, "name": names.get(c, c), "count": int(n)}
                          for c, n in sorted(by_county.items(), key=lambda kv: -kv[1])],
            "by_category": [{"code": c, "name": CATEGORIES.get(c, c), "count": int(n)}
                            for c, n in sorted(by_category.items(), key=lambda kv: -kv[1])],
            "total": int(sum(by_county.values()))}


def _units(conn: Connection, counties: set[str] | None, first: date,
           today: date) -> list[dict[str, Any]]:
    s = hazard_stat.c
    got: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, unit_id, n in conn.execute(
            sa.select(s.kind, s.unit_id, sa.func.sum(s.n))
            .where(s.kind.in_(("found", "closed_f", "ontime_f")), s.level == "",
                   s.week >= first.isoformat(), *_in_scope(s.county_code, counties))
            .group_by(s.kind, s.unit_id)):
        got[int(unit_id)][kind] += int(n or 0)
    for unit_id, n in conn.execute(sa.select(hazard.c.unit_id, sa.func.count())
                                   .where(*_overdue_where(counties, today))
                                   .group_by(hazard.c.unit_id)):
        got[int(unit_id)]["overdue"] += int(n)
    names = {r.id: (r.code, r.name) for r in conn.execute(
        sa.select(unit.c.id, unit.c.code, unit.c.name).where(unit.c.id.in_(list(got))))}
    rows = [{"unit_id": uid, "code": names.get(uid, ("", ""))[0],
             "name": names.get(uid, ("", str(uid)))[1], "found": c["found"],
             "closed": c["closed_f"], "on_time": c["ontime_f"], "overdue": c["overdue"],
             "rate": _rate(c["closed_f"], c["found"]),
             "on_time_rate": _rate(c["ontime_f"], c["found"])} for uid, c in got.items()]
    rows.sort(key=lambda r: (-(r["rate"] or 0), r["overdue"], r["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def sheets(data: dict[str, Any]) -> Iterable[Any]:
    """The dashboard as Excel sheets (workflows.exports)."""
    from .exports import Sheet

    weeks = data["weeks"]
    yield Sheet("每周发现与销号", ["周（周一）", "发现", "销号"],
                list(zip(weeks["labels"], weeks["found"], weeks["closed"], strict=True)))
    yield Sheet("整改率", ["级别", "发现", "已整改", "按期整改", "整改率%", "按期整改率%"],
                [[r["name"], r["found"], r["closed"], r["on_time"], r["rate"], r["on_time_rate"]]
                 for r in data["rates"].values()])
    yield Sheet("超期(按县区)", ["县区", "超期数"],
                [[r["name"], r["count"]] for r in data["overdue"]["by_county"]])
    yield Sheet("超期(按类别)", ["类别", "超期数"],
                [[r["name"], r["count"]] for r in data["overdue"]["by_category"]])
    if data.get("public_reports"):
        p = data["public_reports"]
        yield Sheet("群众举报", ["收到举报", "其中已办结", "举报办结率%", "平均办理天数"],
                    [[p["received"], p["closed"], p["rate"], p["avg_days"]]])
    yield Sheet("单位排名", ["名次", "单位", "发现", "已整改", "按期整改", "超期", "整改率%",
                          "按期整改率%"],
                [[r["rank"], r["name"], r["found"], r["closed"], r["on_time"], r["overdue"],
                  r["rate"], r["on_time_rate"]] for r in data["units"]])


def to_xlsx(data: dict[str, Any], calendar: BusinessCalendar) -> bytes:
    from .exports import to_xlsx as write

    return write(sheets(data), calendar)
