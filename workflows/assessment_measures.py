"""What the annual assessment measures of one reporter (``report_chain.Reporter``) in year Y,
each measure with the items behind it (hazards, reports, checks, checklists, units), so that
every deduction can name what it is for.

The units a measure reads: a county-level body's **area** (every unit at or below it), or a
unit with the units below it that do not report themselves (``report_chain.covered_ids``).
Only hazards the unit may see count (an unpublished 暗访 finding does not, until published),
and never a voided one. Finding a hazard costs nothing; these do:

- ``overdue_open``: hazards whose deadline fell in Y and had passed, still not rectified at
  the end of Y (or now, during Y);
- ``closed_late``: hazards whose deadline fell in Y, rectified after it;
- ``repeat``: hazards registered in Y that a 回头看 found again after they had been closed,
  by an inspection's item (``inspection_links``) or a look-back round's re-check
  (``lookback``), each counted once: the rectification did not hold;
- ``late_monthly`` / ``missing_monthly``: the reporter's own 月报 of Y submitted after their
  due day / still not submitted after it (never a backfill);
- ``failed_spot_check``: the city's published spot checks and 暗访 drawn in Y, and its own
  published 暗访 outside a draw made in Y, of a unit in the area, that failed an item;
- ``self_inspection``: the share, in percentage points, of the self-inspections (自查) not
  done: each unit that takes part in a campaign running in Y (a body: each unit reporting to
  it) against each of the campaign's theme checklists;
- ``supervision_coverage`` (bodies): the share of the units reporting to it that it did not
  inspect in its own name in Y;
- ``unfollowed_finding`` (bodies): its own findings whose deadline fell in Y and passed,
  still open (``supervision_work``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import report_chain, report_figures, supervision_work
from .calendar import BusinessCalendar
from .schema import hazard, unit
from .schema_campaigns import (
    campaign,
    campaign_theme,
    campaign_unit,
    checklist,
    inspection,
    inspection_result,
    spot_check,
    spot_check_draw,
    unit_report,
)
from .schema_lookback import lookback_sample
from .schema_reporting import inspection_body, inspection_repeat, report_route
from .units import city_unit

# what an item's note says, by kind; an item keeps the sentence (``note``, as the export
# writes it) and its form and values (``note_form``, ``note_values``), for a page to say it
# through the catalogue
NOTES: dict[str, str] = {
    "deadline": "期限 %(deadline)s",
    "closed_late": "期限 %(deadline)s，%(closed)s 整改",
    "repeat": "复现 %(code)s",
    "due": "截止 %(due)s",
    "unannounced": "暗查暗访",
    "unfollowed": "督查发现，逾期未整改",
    "no_self_inspection": "未开展自查",
    "not_supervised": "本年度未督查",
}


def note(kind: str, **values: Any) -> dict[str, Any]:
    """An item's note of ``kind`` with its values (dates and codes, as text)."""
    said = {name: str(value) for name, value in values.items()}
    return {"note": NOTES[kind] % said, "note_form": NOTES[kind], "note_values": said}


@dataclass
class Measure:
    """A measure's value and what it counted: ``{"ref", "unit", "note"}`` each (and the
    note's ``note_form`` and ``note_values`` when :data:`NOTES` says it)."""

    value: float = 0.0
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Year:
    """The assessed year's bounds in business time, as of ``now``."""

    year: int
    now: datetime
    calendar: BusinessCalendar

    @property
    def first(self) -> str:
        return f"{self.year}-01-01"

    @property
    def after(self) -> str:
        return f"{self.year + 1}-01-01"

    @property
    def start(self) -> datetime:
        return self.calendar.start_of(date(self.year, 1, 1))

    @property
    def end(self) -> datetime:
        """The end of the year, or now while it runs."""
        return min(self.calendar.start_of(date(self.year + 1, 1, 1)), self.now)

    @property
    def as_of(self) -> str:
        """The business day the year is read on: a deadline before it has passed."""
        return self.calendar.today(self.end).isoformat()


def _codes(conn: Connection) -> dict[int, str]:
    return {int(i): str(c) for i, c in conn.execute(sa.select(unit.c.id, unit.c.code))}


def _hazards(conn: Connection, ids: list[int], *where: Any) -> list[Any]:
    return list(conn.execute(
        sa.select(hazard.c.code, hazard.c.unit_id, hazard.c.deadline, hazard.c.status,
                  hazard.c.closed_at)
        .where(hazard.c.unit_id.in_(ids), hazard.c.visible_to_unit.is_(True),
               hazard.c.status != "voided", *where).order_by(hazard.c.code)))


def measure(conn: Connection, who: report_chain.Reporter, y: Year) -> dict[str, Measure]:
    """Every measure of the reporter ``who`` for the year ``y``."""
    ids = report_chain.covered_ids(conn, who)
    names = _codes(conn)
    out: dict[str, Measure] = {}

    def add(code: str, ref: str, unit_id: int | None, said: dict[str, Any] | str = "",
            value: float = 1.0) -> None:
        found = out.setdefault(code, Measure())
        found.value += value
        found.items.append({"ref": ref, "unit": names.get(unit_id or 0, ""),
                            **(said if isinstance(said, dict) else {"note": said})})

    out["overdue_open"] = Measure()
    for row in _hazards(conn, ids, hazard.c.deadline >= y.first, hazard.c.deadline < y.as_of,
                        report_figures.open_at(y.end)):
        add("overdue_open", row.code, row.unit_id, note("deadline", deadline=row.deadline))
    out["closed_late"] = Measure()
    for row in _hazards(conn, ids, hazard.c.status == "closed", hazard.c.closed_at < y.end,
                        hazard.c.deadline >= y.first, hazard.c.deadline < y.after):
        closed = y.calendar.today(row.closed_at).isoformat()
        if closed > row.deadline:
            add("closed_late", row.code, row.unit_id,
                note("closed_late", deadline=row.deadline, closed=closed))
    out["repeat"] = Measure()
    seen: set[str] = set()
    original = hazard.alias("original")
    repeated = sa.select(inspection_result.c.case_id, inspection_repeat.c.repeat_of).join(
        inspection_repeat, sa.and_(
            inspection_repeat.c.inspection_id == inspection_result.c.inspection_id,
            inspection_repeat.c.item_id == inspection_result.c.item_id)).subquery()
    for row in conn.execute(
            sa.select(hazard.c.code, hazard.c.unit_id, repeated.c.repeat_of)
            .join(repeated, repeated.c.case_id == hazard.c.case_id)
            .where(hazard.c.unit_id.in_(ids), hazard.c.visible_to_unit.is_(True),
                   hazard.c.status != "voided", hazard.c.reported_at >= y.start,
                   hazard.c.reported_at < y.end).order_by(hazard.c.code)):
        seen.add(row.code)
        add("repeat", row.code, row.unit_id, note("repeat", code=row.repeat_of))
    for row in conn.execute(  # found back by a 回头看 round (``lookback``), counted once
            sa.select(hazard.c.code, hazard.c.unit_id, original.c.code.label("repeat_of"))
            .join(lookback_sample, lookback_sample.c.repeat_case_id == hazard.c.case_id)
            .join(original, original.c.id == lookback_sample.c.hazard_id)
            .where(hazard.c.unit_id.in_(ids), hazard.c.visible_to_unit.is_(True),
                   hazard.c.status != "voided", hazard.c.reported_at >= y.start,
                   hazard.c.reported_at < y.end).order_by(hazard.c.code)):
        if row.code not in seen:
            seen.add(row.code)
            add("repeat", row.code, row.unit_id, note("repeat", code=row.repeat_of))
    _reporting(conn, who, y, add, out)
    _spot_checks(conn, ids, y, add, out)
    members = [r.id for r in report_chain.reporting_to(conn, who.code)] if who.body \
        else [who.id]
    _self_inspection(conn, members, y, add, out)
    if who.body:
        _supervision(conn, who, members, y, add, out)
    return out


def _reporting(conn: Connection, who: report_chain.Reporter, y: Year, add: Any,
               out: dict[str, Measure]) -> None:
    out["late_monthly"], out["missing_monthly"] = Measure(), Measure()
    today = y.calendar.today(y.now).isoformat()  # a December report is due in January
    for row in conn.execute(
            sa.select(unit_report.c.period, unit_report.c.status, unit_report.c.late,
                      unit_report.c.due_on)
            .outerjoin(report_route, report_route.c.report_id == unit_report.c.id)
            .where(unit_report.c.unit_id == who.id, unit_report.c.kind == "monthly",
                   unit_report.c.period.startswith(f"{y.year}-"),
                   sa.func.coalesce(report_route.c.backfill, False).is_(False))
            .order_by(unit_report.c.period)):
        if row.status == "submitted" and row.late:
            add("late_monthly", row.period, who.id, note("due", due=row.due_on))
        elif row.status != "submitted" and row.due_on < today:
            add("missing_monthly", row.period, who.id, note("due", due=row.due_on))


def _spot_checks(conn: Connection, ids: list[int], y: Year, add: Any,
                 out: dict[str, Measure]) -> None:
    out["failed_spot_check"] = Measure()
    failed = sa.select(inspection.c.spot_check_id).join(
        inspection_result, inspection_result.c.inspection_id == inspection.c.id).where(
        inspection_result.c.result == "fail")
    for row in conn.execute(
            sa.select(spot_check_draw.c.code, spot_check_draw.c.notice_no, spot_check.c.unit_id)
            .join(spot_check, spot_check.c.draw_id == spot_check_draw.c.id)
            .where(spot_check.c.unit_id.in_(ids), spot_check.c.id.in_(failed),
                   spot_check_draw.c.published_at.is_not(None),
                   spot_check_draw.c.drawn_at >= y.start, spot_check_draw.c.drawn_at < y.end)
            .order_by(spot_check_draw.c.code, spot_check.c.position)):
        add("failed_spot_check", row.code, row.unit_id, row.notice_no or "")
    # the city's own 暗查暗访 outside a draw, published in Y, that failed an item
    city = city_unit(conn).code
    for visit in conn.execute(
            sa.select(inspection.c.code, inspection.c.unit_id)
            .join(inspection_body, inspection_body.c.inspection_id == inspection.c.id)
            .where(inspection.c.unit_id.in_(ids), inspection.c.kind == "unannounced",
                   inspection.c.spot_check_id.is_(None), inspection_body.c.body_code == city,
                   inspection.c.visible_to_unit.is_(True),
                   inspection.c.id.in_(sa.select(inspection_result.c.inspection_id).where(
                       inspection_result.c.result == "fail")),
                   inspection.c.inspected_on >= y.first, inspection.c.inspected_on < y.after)
            .order_by(inspection.c.code)):
        add("failed_spot_check", visit.code, visit.unit_id, note("unannounced"))


def _self_inspection(conn: Connection, members: list[int], y: Year, add: Any,
                     out: dict[str, Measure]) -> None:
    """Per (unit, theme checklist) of the campaigns running in Y that it takes part in,
    whether the unit self-inspected with that checklist during the campaign."""
    out["self_inspection"] = Measure()
    rows = conn.execute(
        sa.select(campaign_unit.c.unit_id, checklist.c.id, checklist.c.name,
                  campaign.c.starts_on, campaign.c.ends_on)
        .join(campaign, campaign.c.id == campaign_unit.c.campaign_id)
        .join(campaign_theme, campaign_theme.c.campaign_id == campaign.c.id)
        .join(checklist, checklist.c.code == campaign_theme.c.checklist_code)
        .where(campaign_unit.c.unit_id.in_(members), campaign.c.starts_on < y.as_of,
               campaign.c.starts_on < y.after, campaign.c.ends_on >= y.first)).all()
    expected = {(r.unit_id, r.id): r for r in rows}
    if not expected:
        return
    done = set(conn.execute(
        sa.select(inspection.c.unit_id, inspection.c.checklist_id, inspection.c.inspected_on)
        .where(inspection.c.unit_id.in_(members), inspection.c.kind == "self")).all())
    names = _codes(conn)
    missing = [(u, c) for (u, c), r in sorted(expected.items())
               if not any(d[0] == u and d[1] == c and r.starts_on <= d[2] <= r.ends_on
                          and d[2] < y.as_of for d in done)]
    out["self_inspection"].value = round(100.0 * len(missing) / len(expected), 2)
    out["self_inspection"].items = [
        {"ref": expected[key].name, "unit": names.get(key[0], ""), **note("no_self_inspection")}
        for key in missing]


def _supervision(conn: Connection, who: report_chain.Reporter, members: list[int], y: Year,
                 add: Any, out: dict[str, Measure]) -> None:
    names = _codes(conn)
    done = {r["unit_code"] for r in supervision_work.inspections_by(
        conn, who.code, date(y.year, 1, 1), date.fromisoformat(min(y.as_of, y.after)))}
    missing = [m for m in members if names.get(m) not in done]
    out["supervision_coverage"] = Measure(
        round(100.0 * len(missing) / len(members), 2) if members else 0.0,
        [{"ref": names.get(m, ""), "unit": names.get(m, ""), **note("not_supervised")}
         for m in missing])
    out["unfollowed_finding"] = Measure()
    followed = supervision_work.follow_up(conn, who.code, date(y.year, 1, 1),
                                          date(y.year + 1, 1, 1), y.end, y.calendar)
    units = dict(conn.execute(sa.select(hazard.c.code, hazard.c.unit_id)
                              .where(hazard.c.code.in_(followed["open"]))).all())
    for code in followed["open"]:
        add("unfollowed_finding", code, units.get(code), note("unfollowed"))
