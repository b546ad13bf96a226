"""Periodic reports of every unit (月报, 季报, 年报): periods, deadlines, the figures filled in
from the ledger, lateness, and the consolidated view.

**The period rule.** A period is a whole calendar month, quarter or year of business days
(``HAZARDFLOW_BUSINESS_TZ``), from its first day's 00:00 to the next period's 00:00, so every
moment belongs to exactly one period: a hazard registered at 23:59 on 31 December is in
December's report. A report is opened after its period has ended (the round on 1 January
opens December's 月报, the fourth quarter's 季报 and the year's 年报) and due in the month after
it; its figures are the ledger's as of the period's end.

=============  =========  ================================================================
kind           period     due_on (the last on-time day, inclusive)
=============  =========  ================================================================
``monthly``    2026-12    2027-01-24 to the city ("每月24日前": the 24th is on time); the
                          institutions under a county report to it by the 20th
                          (:data:`UNIT_DUE_DAY`; both days are parameters of the round)
``quarterly``  2026-Q4    2027-01-15 ("下一季度15日前", 16号令 第十四条)
``annual``     2026       2027-01-31 ("下一年1月31日前", 16号令 第十四条)
=============  =========  ================================================================

A report submitted on a day after ``due_on`` is late; one still open after it is missing
and counts as late in the consolidated view, except a backfill (a period before the round
that opened it, e.g. the months of a campaign that began before the system): those are
never late. The figures only count hazards the unit itself may see (an unpublished
unannounced-visit finding is left out).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, NotFound

from . import report_figures
from .calendar import BusinessCalendar
from .ledger import CATEGORIES, LEVELS
from .policy import unit_scope_clause
from .public_reports_view import handling
from .schema import unit
from .schema_campaigns import unit_report
from .schema_reporting import report_route
from .schema_reports import public_report

KINDS: dict[str, str] = {"monthly": "月报", "quarterly": "季报", "annual": "年报"}
DEFAULT_DUE_DAY = {"monthly": 24, "quarterly": 15, "annual": 31}
UNIT_DUE_DAY = 20  # a unit under a county reports its 月报 to the county by then
PERIOD_PATTERNS = {"monthly": r"\d{4}-\d{2}", "quarterly": r"\d{4}-Q\d", "annual": r"\d{4}"}


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def check_kind(kind: str) -> str:
    """``kind`` if it is a kind of report, else InvalidInput on ``kind``."""
    if kind not in KINDS:
        raise _bad(f"报表类型须为 {', '.join(KINDS)} (the report kind is one of them)", "kind")
    return kind


def period_for(kind: str, day: date) -> str:
    """The period a round opened on the business day ``day`` reports on: the last complete
    month, quarter or year."""
    if check_kind(kind) == "monthly":
        last = day.replace(day=1) - timedelta(days=1)
        return f"{last.year}-{last.month:02d}"
    if kind == "quarterly":
        quarter = (day.month - 1) // 3  # the previous quarter: 0 means Q4 of last year
        return f"{day.year - 1}-Q4" if quarter == 0 else f"{day.year}-Q{quarter}"
    return str(day.year - 1)


def period_of(kind: str, day: date) -> str:
    """The period the business day ``day`` belongs to."""
    if check_kind(kind) == "monthly":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarterly":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def periods_between(kind: str, first: str, last: str) -> list[str]:
    """The periods from ``first`` to ``last``, both included (none when first is later)."""
    out: list[str] = []
    start, _ = window(kind, first)
    _, stop = window(kind, last)
    while start < stop:
        period = period_of(kind, start)
        out.append(period)
        start = window(kind, period)[1]
    return out


def window(kind: str, period: str) -> tuple[date, date]:
    """[first day, day after the last) of a period."""
    try:
        pattern = PERIOD_PATTERNS[check_kind(kind)]
        if not isinstance(period, str) or not re.fullmatch(pattern, period, re.ASCII):
            raise ValueError(period)
        if kind == "monthly":
            year, month = (int(p) for p in period.split("-"))
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1)
        elif kind == "quarterly":
            year_text, q = period.split("-Q")
            year, quarter = int(year_text), int(q)
            if not 1 <= quarter <= 4:
                raise ValueError(period)
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + quarter // 4, (3 * quarter) % 12 + 1, 1)
        else:
            start, end = date(int(period), 1, 1), date(int(period) + 1, 1, 1)
    except (TypeError, ValueError):
        raise _bad(f"报表期间 {period!r} 有误，应如 2026-12、2026-Q4、2026 "
                   f"(a period like 2026-12, 2026-Q4, 2026)", "period") from None
    return start, end


def due_on(kind: str, period: str, due_day: int | None = None) -> date:
    """The last on-time day: ``due_day`` (default :data:`DEFAULT_DUE_DAY`) of the month after
    the period."""
    day = due_day or DEFAULT_DUE_DAY[check_kind(kind)]
    _, end = window(kind, period)
    return date(end.year, end.month, day)


def is_late(submitted_at: datetime, due: str | date, calendar: BusinessCalendar) -> bool:
    """Submitted on a business day after ``due`` (the 24th or later for a monthly report)."""
    last = due if isinstance(due, date) else date.fromisoformat(due)
    return calendar.today(submitted_at) > last


def figures(conn: Connection, unit_ids: Sequence[int], kind: str, period: str,
            now: datetime, calendar: BusinessCalendar) -> dict[str, Any]:
    """What the ledger says about the units a report covers (``report_chain.covered_ids``)
    in a period (business days of ``calendar``), as of the period's end (or ``now``, while
    it runs). A round asks for every reporter's in one transaction: the ledger is then read
    once for all units (:mod:`~hazardflow.workflows.report_figures`)."""
    start, end = window(kind, period)
    until = min(calendar.start_of(end), now)
    w = report_figures.Window(start, end, calendar.start_of(start), until,
                              calendar.today(until).isoformat())
    found = report_figures.counts(conn, unit_ids, w)
    splits, public_counts = report_figures.splits(found, LEVELS)
    return {
        "period": period, "from": start.isoformat(), "to": end.isoformat(), "as_of": w.as_of,
        **splits, "major_open": found.majors, "public_reports": public_counts,
        "campaign": {"inspections": found.inspections, "hazards": found.campaign_found},
    }


def public_report_handling(conn: Connection, unit_ids: Sequence[int], kind: str, period: str,
                           now: datetime, calendar: BusinessCalendar) -> dict[str, Any]:
    """举报办结率 and average handling time of the public reports about ``unit_ids`` in a
    period (as of its end, or ``now`` while it runs): for a county-level body's report,
    whose readers (the body, the city) may read those reports; never for a unit's own."""
    start, end = window(kind, period)
    return handling(conn, public_report.c.unit_id.in_(sorted(set(unit_ids))),
                    calendar.start_of(start), min(calendar.start_of(end), now))


# -- the report rows ---------------------------------------------------------------------

def _with_route() -> sa.Select[Any]:
    """Report rows with their unit's code and name and their route (``report_route``)."""
    return (sa.select(unit_report, unit.c.code.label("unit_code"),
                      unit.c.name.label("unit_name"), report_route.c.reports_to,
                      sa.func.coalesce(report_route.c.backfill, False).label("backfill"),
                      report_route.c.signed_at)
            .join(unit, unit.c.id == unit_report.c.unit_id)
            .outerjoin(report_route, report_route.c.report_id == unit_report.c.id))


def report_row(conn: Connection, *, case_id: int | None = None,
               report_id: int | None = None) -> dict[str, Any] | None:
    query = _with_route()
    query = query.where(unit_report.c.case_id == case_id) if case_id is not None \
        else query.where(unit_report.c.id == report_id)
    row = conn.execute(query).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["figures"] = json.loads(row.figures or "{}")
    out["kind_name"] = KINDS.get(row.kind, row.kind)
    out["backfill"] = bool(row.backfill)
    return out


def exists(conn: Connection, kind: str, period: str, unit_id: int) -> bool:
    return conn.execute(sa.select(unit_report.c.id).where(
        unit_report.c.kind == kind, unit_report.c.period == period,
        unit_report.c.unit_id == unit_id)).first() is not None


def made_for(conn: Connection, kind: str, periods: Sequence[str]) -> set[tuple[int, str]]:
    """(unit id, period) of every report of ``kind`` there is for ``periods``."""
    return {(int(u), str(p)) for u, p in conn.execute(
        sa.select(unit_report.c.unit_id, unit_report.c.period).where(
            unit_report.c.kind == kind, unit_report.c.period.in_(list(periods))))}


def _scope(actor: Actor) -> sa.ColumnElement[bool]:
    """Reports of units at or below the actor's units; all for the city."""
    return unit_scope_clause(unit_report.c.unit_id, actor, "report_scope")


def visible_report(conn: Connection, actor: Actor, report_id: int) -> dict[str, Any]:
    found = conn.execute(sa.select(unit_report.c.id).where(
        unit_report.c.id == report_id, _scope(actor))).first()
    row = report_row(conn, report_id=report_id) if found else None
    if row is None:
        raise NotFound(f"报表 {report_id} 不存在 (report {report_id} does not exist)")
    return row


def periods(conn: Connection, kind: str) -> list[str]:
    return [str(p) for p in conn.execute(
        sa.select(unit_report.c.period).where(unit_report.c.kind == kind).distinct()
        .order_by(unit_report.c.period.desc())).scalars()]


def consolidated(conn: Connection, actor: Actor, kind: str, period: str, now: datetime,
                 calendar: BusinessCalendar, under: str | None = None) -> dict[str, Any]:
    """One row per report the actor may see (those made to the body ``under``, when given),
    the totals over them, and the report of ``under`` itself (``own``, when the actor may
    see it); InvalidInput for a kind or period that is not one. A report still open after
    its due business day is missing; a backfill is never late nor missing."""
    window(kind, period)
    made_to = report_route.c.reports_to == under if under else sa.true()
    items = _items(conn, calendar.today(now), unit_report.c.kind == check_kind(kind),
                   unit_report.c.period == period, _scope(actor), made_to)
    bodies = set(conn.execute(sa.select(report_route.c.reports_to).join(
        unit_report, unit_report.c.id == report_route.c.report_id).where(
        unit_report.c.kind == kind, unit_report.c.period == period).distinct()).scalars())
    totals = {"units": 0, "submitted": 0, "on_time": 0, "late": 0, "missing": 0,
              "new": 0, "new_major": 0, "rectified": 0, "overdue": 0, "major_open": 0}
    for item in items:
        item["consolidates"] = item["unit_code"] in bodies  # others report to it
        totals["units"] += 1
        totals["submitted"] += item["status"] == "submitted"
        totals["on_time"] += item["status"] == "submitted" and not item["late"]
        totals["late"] += item["late"] or item["missing"]
        totals["missing"] += item["missing"]
        for key in ("new", "new_major", "rectified", "overdue", "major_open"):
            totals[key] += item[key]
    own = _items(conn, calendar.today(now), unit_report.c.kind == kind,
                 unit_report.c.period == period, _scope(actor),
                 unit.c.code == under) if under else []
    for item in own:
        item["consolidates"] = item["unit_code"] in bodies
    rate = totals["on_time"] / totals["units"] if totals["units"] else None
    return {"kind": kind, "period": period, "under": under, "items": items,
            "own": own[0] if own else None, "totals": {**totals, "on_time_rate": rate}}


def made_to(conn: Connection, body_code: str, kind: str, period: str,
            now: datetime, calendar: BusinessCalendar) -> list[dict[str, Any]]:
    """The reports of a period made to ``body_code`` (a county's institutions'), as items of
    the consolidated view, without the narrative."""
    items = _items(conn, calendar.today(now), unit_report.c.kind == kind,
                   unit_report.c.period == period, report_route.c.reports_to == body_code)
    return [{**{k: v for k, v in i.items() if k != "narrative"},
             "submitted_at": i["submitted_at"].isoformat() if i["submitted_at"] else None}
            for i in items]


def _items(conn: Connection, today: date, *where: Any) -> list[dict[str, Any]]:
    rows = conn.execute(_with_route().where(*where)
                        .order_by(unit_report.c.county_code, unit.c.code))
    items = []
    for row in rows:
        fig = json.loads(row.figures or "{}")
        items.append({
            "id": row.id, "unit_code": row.unit_code, "unit_name": row.unit_name,
            "county_code": row.county_code, "reports_to": row.reports_to,
            "status": row.status, "due_on": row.due_on, "submitted_at": row.submitted_at,
            "backfill": bool(row.backfill), "late": bool(row.late) and not row.backfill,
            "missing": row.status != "submitted" and row.due_on < today.isoformat()
            and not row.backfill,
            "new": _n(fig, "new"), "new_major": _n(fig, "new", "major"),
            "rectified": _n(fig, "rectified"), "overdue": _n(fig, "overdue"),
            "major_open": len(fig.get("major_open") or []), "narrative": row.narrative})
    return items


def _n(fig: dict[str, Any], part: str, level: str | None = None) -> int:
    block = fig.get(part) or {}
    if level is None:
        return int(block.get("total", 0))
    return int((block.get("by_level") or {}).get(level, 0))


CONSOLIDATED_COLUMNS: Sequence[tuple[str, str]] = (
    ("unit_code", "单位编码"), ("unit_name", "单位"), ("county_code", "所属县区"),
    ("status", "状态"), ("due_on", "截止日期"), ("submitted_at", "报送时间"),
    ("late", "逾期"), ("new", "新发现隐患"), ("new_major", "其中重大"),
    ("rectified", "已整改"), ("overdue", "超期未改"), ("major_open", "在治重大隐患"),
    ("narrative", "工作进展"),
)


def consolidated_table(view: dict[str, Any], calendar: BusinessCalendar,
                       counties: Mapping[str, str] | None = None,
                       ) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the consolidated view, as exported (times in business time; the
    county by name when ``counties`` maps its code to one)."""
    counties = counties or {}
    header = [title for _, title in CONSOLIDATED_COLUMNS]
    body: list[list[Any]] = []
    for item in view["items"]:
        line = []
        for key, _ in CONSOLIDATED_COLUMNS:
            value = item[key]
            if key == "status":
                value = "已报送" if value == "submitted" else ("逾期未报" if item["missing"]
                                                             else "待报送")
            elif key == "late":
                value = "是" if value or item["missing"] else "否"
            elif key == "county_code":
                value = counties.get(value or "", value)
            elif isinstance(value, datetime):
                value = calendar.local(value).strftime("%Y-%m-%d %H:%M")
            line.append(value)
        body.append(line)
    t = view["totals"]
    body.append(["合计", f"{t['units']}家", "", f"已报{t['submitted']}", "", "",
                 f"逾期{t['late']}", t["new"], t["new_major"], t["rectified"], t["overdue"],
                 t["major_open"], ""])
    return header, body


def category_name(code: str) -> str:
    return CATEGORIES.get(code, code)
