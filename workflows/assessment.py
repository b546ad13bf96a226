"""The annual target assessment (年度目标管理考核): a score per unit from configurable rules.

Each unit starts from :data:`BASE` points; each rule measures something about the unit's
year and deducts ``points`` per unit of that measure, at most ``cap``. The defaults are in
:data:`DEFAULT_RULES`; the city changes points and caps (``assessment_rule`` rows, each
change journaled). Every unit can see its measures and deductions.

Measures for year Y (business days of the calendar, ``HAZARDFLOW_BUSINESS_TZ``):

- ``late_monthly``: monthly reports of Y submitted late, or still open after their due day;
- ``overdue_hazard``: hazards reported in Y that are open past their deadline, or were
  closed after it;
- ``failed_spot_check``: the unit's spot checks drawn in Y whose inspection failed an item;
- ``unannounced_finding``: published unannounced-visit (暗访) hazards reported in Y;
- ``rectification_rate``: the shortfall of the rectification rate (closed / found, voided
  left out) below 100%, in percentage points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, journal

from .calendar import BusinessCalendar
from .campaigns import reporting_units
from .policy import units_overseen
from .schema import hazard
from .schema_campaigns import (
    assessment_rule,
    inspection,
    inspection_result,
    spot_check,
    spot_check_draw,
    unit_report,
)

BASE = 100.0
FIRST_YEAR = 2000  # years before it have nothing to assess; the latest is next year


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    unit: str  # what one of the measure is: 份, 项, 次, 个百分点
    points: float
    cap: float


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("late_monthly", "月报迟报或未报", "份", 2.0, 12.0),
    Rule("overdue_hazard", "隐患超期整改或超期未改", "项", 1.0, 20.0),
    Rule("failed_spot_check", "市卫健委抽查不合格", "次", 5.0, 20.0),
    Rule("unannounced_finding", "暗查暗访发现隐患", "项", 1.0, 15.0),
    Rule("rectification_rate", "整改率未达100%", "个百分点", 0.2, 20.0),
)


def rules(conn: Connection) -> list[Rule]:
    """The rules in force: the defaults with the city's overrides."""
    overrides = {r.code: r for r in conn.execute(sa.select(assessment_rule))}
    return [Rule(d.code, d.name, d.unit, float(overrides[d.code].points),
                 float(overrides[d.code].cap)) if d.code in overrides else d
            for d in DEFAULT_RULES]


def set_rule(conn: Connection, code: str, *, points: float, cap: float, actor: str,
             now: datetime) -> Rule:
    if code not in {r.code for r in DEFAULT_RULES}:
        raise InvalidInput(f"没有考核规则 {code} (no rule {code!r})",
                           [Detail(f"没有考核规则 {code} (no rule {code!r})", field="code")])
    if not (0 <= points <= 100 and 0 <= cap <= 100):
        message = "分值和上限须在0到100之间 (points and cap from 0 to 100)"
        raise InvalidInput(message, [Detail(message, field="points")])
    before = {r.code: r for r in rules(conn)}[code]
    conn.execute(sa.delete(assessment_rule).where(assessment_rule.c.code == code))
    conn.execute(assessment_rule.insert().values(code=code, points=points, cap=cap,
                                                 updated_by=actor, updated_at=now))
    journal.record(conn, actor=actor, action="assessment.rule_changed", subject=f"rule:{code}",
                   payload={"from": [before.points, before.cap], "to": [points, cap]}, at=now)
    return {r.code: r for r in rules(conn)}[code]


def check_year(year: int | str, this_year: int) -> int:
    """``year`` (a number, or its digits) if it can be assessed: from :data:`FIRST_YEAR` to
    the year after ``this_year`` (the business year now); else InvalidInput on ``year``."""
    last = this_year + 1
    text = str(year).strip()
    if isinstance(year, bool) or not re.fullmatch(r"\d{4}", text, re.ASCII) \
            or not FIRST_YEAR <= int(text) <= last:
        message = (f"考核年度须为{FIRST_YEAR}到{last}之间的年份 "
                   f"(the year must be from {FIRST_YEAR} to {last})")
        raise InvalidInput(message, [Detail(message, field="year")])
    return int(text)


def measures(conn: Connection, year: int, now: datetime,
             calendar: BusinessCalendar) -> dict[int, dict[str, float]]:
    """Per unit id: the value of every rule's measure for ``year`` (business days)."""
    today = calendar.today(now)
    start, end = calendar.start_of(date(year, 1, 1)), calendar.start_of(date(year + 1, 1, 1))
    as_of = min(today, date(year, 12, 31)).isoformat()
    units = {u.id: u for u in reporting_units(conn)}
    out = {uid: {r.code: 0.0 for r in DEFAULT_RULES} for uid in units}

    def add(code: str, rows: Any) -> None:
        for unit_id, value in rows:
            if unit_id in out:
                out[unit_id][code] += float(value or 0)

    add("late_monthly", conn.execute(
        sa.select(unit_report.c.unit_id, sa.func.count()).where(
            unit_report.c.kind == "monthly", unit_report.c.period.startswith(f"{year}-"),
            sa.or_(unit_report.c.late.is_(True),
                   sa.and_(unit_report.c.status != "submitted",
                           unit_report.c.due_on < today.isoformat())))
        .group_by(unit_report.c.unit_id)))
    in_year = sa.and_(hazard.c.reported_at >= start, hazard.c.reported_at < end)
    add("overdue_hazard", conn.execute(
        sa.select(hazard.c.unit_id, sa.func.count()).where(
            in_year, hazard.c.status == "open", hazard.c.deadline.is_not(None),
            hazard.c.deadline < as_of).group_by(hazard.c.unit_id)))
    add("overdue_hazard", [  # closed, but after the deadline (a business date)
        (r.unit_id, 1) for r in conn.execute(
            sa.select(hazard.c.unit_id, hazard.c.closed_at, hazard.c.deadline).where(
                in_year, hazard.c.status == "closed", hazard.c.deadline.is_not(None)))
        if calendar.today(r.closed_at).isoformat() > r.deadline])
    failed = sa.select(inspection.c.spot_check_id).join(
        inspection_result, inspection_result.c.inspection_id == inspection.c.id).where(
        inspection_result.c.result == "fail")
    add("failed_spot_check", conn.execute(
        sa.select(spot_check.c.unit_id, sa.func.count()).join(
            spot_check_draw, spot_check_draw.c.id == spot_check.c.draw_id).where(
            spot_check_draw.c.drawn_at >= start, spot_check_draw.c.drawn_at < end,
            spot_check.c.id.in_(failed)).group_by(spot_check.c.unit_id)))
    add("unannounced_finding", conn.execute(
        sa.select(hazard.c.unit_id, sa.func.count()).where(
            in_year, hazard.c.source == "unannounced", hazard.c.visible_to_unit.is_(True))
        .group_by(hazard.c.unit_id)))
    for unit_id, found, closed in conn.execute(
            sa.select(hazard.c.unit_id, sa.func.count(),
                      sa.func.sum(sa.case((hazard.c.status == "closed", 1), else_=0)))
            .where(in_year, hazard.c.status != "voided").group_by(hazard.c.unit_id)):
        if unit_id in out and found:
            out[unit_id]["rectification_rate"] = round(100.0 * (1 - (closed or 0) / found), 2)
    return out


def assess(conn: Connection, actor: Actor, year: int, now: datetime,
           calendar: BusinessCalendar) -> dict[str, Any]:
    """The ranking (all units) and the rows ``actor`` may see, each with its breakdown."""
    check_year(year, calendar.year_of(now))
    in_force = rules(conn)
    units = {u.id: u for u in reporting_units(conn)}
    scored: list[dict[str, Any]] = []
    for unit_id, values in measures(conn, year, now, calendar).items():
        lines: list[dict[str, Any]] = []
        total = 0.0
        for rule in in_force:
            value = values[rule.code]
            deduction = round(min(rule.points * value, rule.cap), 2)
            total += deduction
            lines.append({"code": rule.code, "name": rule.name, "unit": rule.unit,
                          "measure": value, "points": rule.points, "cap": rule.cap,
                          "deduction": deduction})
        u = units[unit_id]
        scored.append({"unit_code": u.code, "unit_name": u.name, "county_code": u.county_code,
                       "score": round(BASE - total, 2),
                       "breakdown": lines})
    scored.sort(key=lambda r: (-r["score"], r["unit_code"]))
    rank, previous = 0, None
    for n, row in enumerate(scored, start=1):
        if row["score"] != previous:
            rank, previous = n, row["score"]
        row["rank"] = rank
    seen = units_overseen(conn, actor)
    rows = [r for r in scored if seen is None or r["unit_code"] in seen]
    return {"year": year, "base": BASE, "rules": [r.__dict__ for r in in_force],
            "rows": rows, "units": len(scored)}


def ranking_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["名次", "单位编码", "单位", "所属县区", "得分",
              *[f"{r['name']}（扣分）" for r in result["rules"]]]
    body = [[r["rank"], r["unit_code"], r["unit_name"], r["county_code"], r["score"],
             *[line["deduction"] for line in r["breakdown"]]] for r in result["rows"]]
    return header, body
