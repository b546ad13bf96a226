"""The annual target assessment (年度目标管理考核): a score per reporter from configurable rules.

The city assesses the addressees of the founding notice — the county-level bodies (县区卫健委,
开发区卫健办) and the 市直 units — and ranks them; each county-level body ranks the units that
report to it, in its own view (``report_chain``). A body's score reads its area's outcomes,
its own reporting, the city's spot checks in its area, its units' self-inspection coverage
and its own supervision work; a unit's, its own.

Each reporter starts from :data:`BASE` points; each rule deducts ``points`` per unit of its
measure (``assessment_measures``), at most ``cap``. Finding hazards costs nothing: only
hazards left past their deadline, rectified late or found again by a 回头看 do; unpublished
暗访 findings do not count; a unit that registers nothing still reads its self-inspection
coverage. The defaults are :data:`DEFAULT_RULES`; the city changes points and caps
(``assessment_rule`` rows, each change journaled). Every line of a breakdown names its rule
and the items (hazards, reports, checks, checklists, units) it deducts for.

A ranking is shown with its ranks only to who oversees every unit in it (the city; a county
its own units); anyone else sees their own rows without a rank, which another unit's hazards
they may not see would move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, journal

from . import policy, report_chain
from .assessment_measures import Measure, Year, measure
from .calendar import BusinessCalendar
from .schema_campaigns import assessment_rule
from .units import city_unit, get_unit_by_code

BASE = 100.0
FIRST_YEAR = 2000  # years before it have nothing to assess; the latest is next year


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    unit: str  # what one of the measure is: 项, 份, 次, 个百分点
    points: float
    cap: float
    bodies_only: bool = False  # measures a county-level body's own supervision work


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("overdue_open", "隐患超期未整改", "项", 2.0, 20.0),
    Rule("closed_late", "隐患逾期整改", "项", 0.5, 10.0),
    Rule("repeat", "回头看复现隐患（整改不到位）", "项", 3.0, 15.0),
    Rule("late_monthly", "月报迟报", "份", 2.0, 12.0),
    Rule("missing_monthly", "月报逾期未报", "份", 3.0, 18.0),
    Rule("failed_spot_check", "市卫健委抽查、暗访不合格", "次", 5.0, 20.0),
    Rule("self_inspection", "自查覆盖不足（专项行动检查表未自查）", "个百分点", 0.1, 10.0),
    Rule("supervision_coverage", "督查覆盖不足（辖区单位未督查）", "个百分点", 0.1, 10.0,
         bodies_only=True),
    Rule("unfollowed_finding", "督查发现隐患未跟踪整改到位", "项", 1.0, 10.0,
         bodies_only=True),
)


def rules(conn: Connection) -> list[Rule]:
    """The rules in force: the defaults with the city's overrides."""
    overrides = {r.code: r for r in conn.execute(sa.select(assessment_rule))}
    return [Rule(d.code, d.name, d.unit, float(overrides[d.code].points),
                 float(overrides[d.code].cap), d.bodies_only) if d.code in overrides else d
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


def score(conn: Connection, who: report_chain.Reporter, in_force: list[Rule],
          y: Year) -> dict[str, Any]:
    """A reporter's score and its breakdown: one line per rule that applies to it."""
    measured = measure(conn, who, y)
    lines: list[dict[str, Any]] = []
    for rule in in_force:
        if rule.bodies_only and not who.body:
            continue
        found = measured.get(rule.code, Measure())
        deduction = round(min(rule.points * found.value, rule.cap), 2)
        lines.append({"code": rule.code, "name": rule.name, "unit": rule.unit,
                      "measure": found.value, "points": rule.points, "cap": rule.cap,
                      "deduction": deduction, "items": found.items})
    return {"unit_code": who.code, "unit_name": who.name, "county_code": who.county_code,
            "body": who.body, "score": round(BASE - sum(x["deduction"] for x in lines), 2),
            "rank": None, "breakdown": lines}


def assess(conn: Connection, actor: Actor, year: int, now: datetime,
           calendar: BusinessCalendar, scope: str | None = None) -> dict[str, Any]:
    """The ranking of the reporters to the body ``scope`` (default: the actor's own body,
    ``policy.home_body``; the city's: the addressees), ranked when the actor oversees all of
    them; else the actor's own units' rows, unranked. ``own``: the body's own row as the
    city scores it (unranked), when the actor oversees the body."""
    check_year(year, calendar.year_of(now))
    y = Year(year, now, calendar)
    in_force = rules(conn)
    home = policy.home_body(conn, actor)
    body = (scope or "").strip()[:64] or home
    seen = policy.units_overseen(conn, actor)
    if body is None:
        who = [r for r in report_chain.reporters(conn) if seen is not None and r.code in seen]
    else:
        who = report_chain.reporting_to(conn, body)
    ranked = body is not None and (seen is None or body == home)
    if not ranked:
        who = [r for r in who if seen is None or r.code in seen]
    rows = [score(conn, r, in_force, y) for r in who]
    if ranked:
        rows.sort(key=lambda r: (-r["score"], r["unit_code"]))
        rank, previous = 0, None
        for n, row in enumerate(rows, start=1):
            if row["score"] != previous:
                rank, previous = n, row["score"]
            row["rank"] = rank
    own = None
    mine = report_chain.reporter(conn, body) if body else None
    if mine is not None and (seen is None or mine.code in seen):
        own = score(conn, mine, in_force, y)
    found = get_unit_by_code(conn, body) if body else None
    return {"year": year, "base": BASE, "rules": [r.__dict__ for r in in_force],
            "scope": {"code": found.code, "name": found.name} if found else None,
            "city": city_unit(conn).code, "ranked": ranked, "rows": rows,
            "units": len(rows), "own": own}


def ranking_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The ranking as a sheet: one row per reporter, a column of deductions per rule."""
    header = ["名次", "单位编码", "单位", "所属县区", "得分",
              *[f"{r['name']}（扣分）" for r in result["rules"]]]
    body = []
    for row in _rows(result):
        lines = {line["code"]: line["deduction"] for line in row["breakdown"]}
        body.append([row["rank"] if row["rank"] is not None else "", row["unit_code"],
                     row["unit_name"], row["county_code"], row["score"],
                     *[lines.get(r["code"], "") for r in result["rules"]]])
    return header, body


def deductions_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Every deduction with its rule and what it is for: one row per item (a hazard, a
    report, a check, a checklist not self-inspected, a unit not inspected)."""
    header = ["单位编码", "单位", "扣分项", "计量", "扣分", "明细", "所在单位", "说明"]
    body: list[list[Any]] = []
    for row in _rows(result):
        for line in row["breakdown"]:
            if not line["deduction"]:
                continue
            for item in line["items"] or [{"ref": "", "unit": "", "note": ""}]:
                body.append([row["unit_code"], row["unit_name"], line["name"],
                             f"{line['measure']} {line['unit']}", line["deduction"],
                             item["ref"], item["unit"], item["note"]])
    return header, body


def _rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [*([result["own"]] if result["own"] else []), *result["rows"]]
