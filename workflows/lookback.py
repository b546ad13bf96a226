"""The look-back (回头看): closed hazards re-checked some months after they were closed.

The founding notice asks the commissions to "hold on until fixed" (扭住不放、一抓到底) and
to look back (回头看) at what was rectified. Here a commission sets a **sample rule**
(:func:`set_rule`): the city's for the whole city, a county-level body's for its own units
(the city's rule then leaves that county's area to it). The rule says how many months after
closing (``months``), what share to sample (``share_pct``, at least ``at_least``), whether
every 重大 hazard is included (``majors_always``) and, optionally, one level only.

**Rounds.** Each month the periodic job ``lookback`` (:func:`draw_due`, in the one job list
``workflows.jobs``) draws, for each rule, the round of the month that closed ``months``
ago: the pool is the body's hazards closed that month that were never looked back; the
sample is every major (if the rule says so), then the pool in the order of a seeded hash
(``seed`` = body and month: the same pool gives the same sample) until the share or the
minimum is reached. The round records the rule as it was, the seed, the pool's size and
the hazards drawn (and an audit record says the same). A round is drawn once per body and
month.

**The re-check.** Each sampled hazard starts a small case (bpmn/lookback.bpmn, designer
editable): its task 回头看复查 sits in the inbox of the inspectors and supervisors of the
county-level body that supervises the hazard's unit (the city's for 市直 units), who know
what was ordered. The outcome (``workflows.lookback_handlers``): 已整改到位 is recorded;
隐患复现 registers the hazard again, in the re-checker's name, as a new case linked to the
original (:data:`schema_lookback.lookback_sample` ``repeat_case_id``), which counts as a
repeat in the annual assessment (``assessment_measures``, rule ``repeat``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import SYSTEM, Detail, Engine, InvalidInput, NotFound, journal
from hazardflow.engine.db import new_id

from .calendar import BusinessCalendar
from .roles import COMMISSION_KINDS
from .schema import hazard, unit
from .schema_lookback import lookback_round, lookback_rule, lookback_sample
from .units import Unit, county_of, get_unit_by_code, subtree_ids

PROCESS = "lookback"
LEVELS: dict[str, str] = {"general": "一般隐患", "major": "重大隐患"}
OUTCOMES: dict[str, str] = {"pending": "待复查", "held": "已整改到位", "back": "隐患复现"}
WHY: dict[str, str] = {"major": "重大隐患必查", "drawn": "随机抽中"}
MAX_MONTHS = 24
MAX_AT_LEAST = 500


@dataclass(frozen=True)
class Rule:
    """A commission's sample rule."""

    months: int
    share_pct: int
    at_least: int = 0
    majors_always: bool = True
    level: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"months": self.months, "share_pct": self.share_pct,
                "at_least": self.at_least, "majors_always": self.majors_always,
                "level": self.level}


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def _whole(data: dict[str, Any], field: str, low: int, high: int, what: str,
           default: int | None = None) -> int:
    value = data.get(field, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _bad(f"{what}须为 {low} 到 {high} 的整数 ({field} must be a whole number "
                   f"from {low} to {high})", field)
    return value


def check_rule(data: dict[str, Any]) -> Rule:
    """The rule ``data`` gives, else InvalidInput naming the field."""
    level = data.get("level") or None
    if level is not None and level not in LEVELS:
        raise _bad("隐患等级须为 general 或 major，或不填 (level is general, major or empty)",
                   "level")
    majors = data.get("majors_always", True)
    if isinstance(majors, str):
        majors = majors.strip().lower() in ("1", "true", "on", "yes")
    if not isinstance(majors, bool):
        raise _bad("重大隐患必查须为是或否 (majors_always is true or false)", "majors_always")
    return Rule(months=_whole(data, "months", 1, MAX_MONTHS, "销号后月数"),
                share_pct=_whole(data, "share_pct", 0, 100, "抽样比例（%）"),
                at_least=_whole(data, "at_least", 0, MAX_AT_LEAST, "最少抽取数", 0),
                majors_always=majors, level=level)


def require_body(conn: Connection, code: Any) -> Unit:
    """The commission ``code``: NotFound for no unit, InvalidInput for a unit that is not
    the city's or a county-level commission."""
    found = get_unit_by_code(conn, code) if isinstance(code, str) else None
    if found is None:
        raise NotFound(f"没有这个单位：{code} (no unit {code!r})")
    if found.kind not in COMMISSION_KINDS:
        raise _bad("回头看抽样规则由市、县区卫健委设定 (a sample rule is set by a commission)",
                   "body_code")
    return found


def set_rule(conn: Connection, body: Unit, rule: Rule, *, active: bool, by: str,
             now: datetime) -> None:
    """Store (replace) the rule of ``body``; an audit record keeps the change."""
    values = {**rule.as_dict(), "active": active, "updated_by": by, "updated_at": now}
    changed = conn.execute(sa.update(lookback_rule).where(
        lookback_rule.c.body_id == body.id).values(**values)).rowcount
    if not changed:
        conn.execute(sa.insert(lookback_rule).values(body_id=body.id, **values))
    journal.record(conn, actor=by, action="lookback.rule_set", subject=f"unit:{body.code}",
                   payload={"body": body.code, "active": active, **rule.as_dict()}, at=now)


def rules(conn: Connection, body_codes: set[str] | None = None) -> list[dict[str, Any]]:
    """The rules (of ``body_codes`` only, when given), with their body's code and name."""
    query = (sa.select(lookback_rule, unit.c.code.label("body_code"),
                       unit.c.name.label("body_name"), unit.c.kind.label("body_kind"))
             .join(unit, unit.c.id == lookback_rule.c.body_id).order_by(unit.c.code))
    if body_codes is not None:
        query = query.where(unit.c.code.in_(sorted(body_codes)))
    return [dict(r._mapping) | {"level_name": LEVELS.get(r.level or "", "全部")}
            for r in conn.execute(query)]


# -- drawing ---------------------------------------------------------------------------

def period_due(today: date, months: int) -> str:
    """The closing month (YYYY-MM) a rule of ``months`` looks back at on ``today``."""
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_bounds(period: str, calendar: BusinessCalendar) -> tuple[datetime, datetime]:
    year, month = int(period[:4]), int(period[5:])
    after = date(year + month // 12, month % 12 + 1, 1)
    return calendar.start_of(date(year, month, 1)), calendar.start_of(after)


def _order_key(seed: str, code: str) -> str:
    return hashlib.sha256(f"{seed}:{code}".encode()).hexdigest()


def choose(pool: list[Any], rule: Rule, seed: str) -> list[tuple[Any, str]]:
    """The hazards of ``pool`` (rows with ``code`` and ``level``) a round samples, each
    with why: every major when the rule says so, then by the seeded order until the share
    (rounded up) or the minimum is reached. The same pool and seed give the same sample."""
    wanted = min(len(pool), max(math.ceil(len(pool) * rule.share_pct / 100), rule.at_least))
    ordered = sorted(pool, key=lambda r: _order_key(seed, r.code))
    out = [(r, "major") for r in ordered if rule.majors_always and r.level == "major"]
    taken = {r.code for r, _ in out}
    for row in ordered:
        if len(out) >= wanted:
            break
        if row.code not in taken:
            out.append((row, "drawn"))
    return out


def _excluded_counties(conn: Connection, body: Unit) -> set[str]:
    """For the city's rule: the county-level bodies with an active rule of their own."""
    if body.kind != "city_commission":
        return set()
    return {str(c) for c in conn.execute(
        sa.select(unit.c.code).join(lookback_rule, lookback_rule.c.body_id == unit.c.id)
        .where(lookback_rule.c.active.is_(True), unit.c.id != body.id)).scalars()}


def pool(conn: Connection, body: Unit, rule: Rule, period: str,
         calendar: BusinessCalendar) -> list[Any]:
    """The hazards a round of ``body`` for ``period`` draws from: closed that month, in the
    body's scope, of the rule's level, never looked back, not an unpublished 暗访 finding."""
    start, end = _month_bounds(period, calendar)
    query = (sa.select(hazard.c.id, hazard.c.code, hazard.c.level, hazard.c.description,
                       hazard.c.closed_at, unit.c.code.label("unit_code"))
             .join(unit, unit.c.id == hazard.c.unit_id)
             .where(hazard.c.status == "closed", hazard.c.closed_at >= start,
                    hazard.c.closed_at < end, hazard.c.visible_to_unit.is_(True),
                    hazard.c.unit_id.in_(subtree_ids({body.code}, "lookback_scope")),
                    hazard.c.id.not_in(sa.select(lookback_sample.c.hazard_id)))
             .order_by(hazard.c.code))
    excluded = _excluded_counties(conn, body)
    if excluded:
        query = query.where(hazard.c.unit_id.not_in(subtree_ids(excluded, "lookback_out")))
    if rule.level:
        query = query.where(hazard.c.level == rule.level)
    return list(conn.execute(query))


def draw(conn: Connection, engine: Engine, body: Unit, rule: Rule, period: str, *,
         now: datetime, calendar: BusinessCalendar, by: str = SYSTEM.id) -> int | None:
    """Draw the round of ``body`` for ``period`` (None when it was drawn already): record
    it and start one re-check case per sampled hazard. Its id."""
    if conn.execute(sa.select(lookback_round.c.id).where(
            lookback_round.c.body_id == body.id, lookback_round.c.period == period)).first():
        return None
    seed = f"{body.code}:{period}"
    rows = pool(conn, body, rule, period, calendar)
    chosen = choose(rows, rule, seed)
    round_id = new_id(conn.execute(sa.insert(lookback_round).values(
        body_id=body.id, period=period, seed=seed, rule=json.dumps(rule.as_dict()),
        pool=len(rows), drawn_by=by, drawn_at=now)))
    definition = engine.definition(conn, PROCESS)
    for row, why in chosen:
        data = {"hazard_code": row.code, "unit_code": row.unit_code,
                "description": (row.description or "")[:2000],
                "closed_on": calendar.today(row.closed_at).isoformat()}
        started = engine.start_case_within(conn, definition, data, SYSTEM,
                                           business_key=f"lookback-{row.code}", now=now)
        conn.execute(sa.insert(lookback_sample).values(
            round_id=round_id, hazard_id=row.id, case_id=started.case_id,
            recheck_body=county_of(conn, row.unit_code).code, why=why, outcome="pending"))
    journal.record(conn, actor=by, action="lookback.drawn", subject=f"unit:{body.code}",
                   payload={"round": round_id, "body": body.code, "period": period,
                            "seed": seed, "rule": rule.as_dict(), "pool": len(rows),
                            "hazards": [r.code for r, _ in chosen]}, at=now)
    return round_id


def due_rules(conn: Connection, today: date) -> list[tuple[Unit, Rule, str]]:
    """Each active rule whose round of this month is not drawn yet, with its period."""
    out = []
    for row in rules(conn):
        if not row["active"]:
            continue
        rule = Rule(row["months"], row["share_pct"], row["at_least"], row["majors_always"],
                    row["level"])
        period = period_due(today, rule.months)
        drawn = conn.execute(sa.select(lookback_round.c.id).where(
            lookback_round.c.body_id == row["body_id"],
            lookback_round.c.period == period)).first()
        body = get_unit_by_code(conn, row["body_code"])
        if not drawn and body is not None:
            out.append((body, rule, period))
    return out


# -- reading ---------------------------------------------------------------------------

def rounds(conn: Connection, bodies: set[str] | None, limit: int = 60) -> list[dict[str, Any]]:
    """The rounds, newest first, each with its samples: every round for ``bodies`` None (the
    city's view); else the rounds of those bodies, and the samples re-checked by them in
    other bodies' rounds (a county sees the city's round's hazards in its area)."""
    body = unit.alias("round_body")
    query = (sa.select(lookback_round, body.c.code.label("body_code"),
                       body.c.name.label("body_name"))
             .join(body, body.c.id == lookback_round.c.body_id)
             .order_by(lookback_round.c.period.desc(), body.c.code).limit(limit))
    if bodies is not None:
        query = query.where(sa.or_(body.c.code.in_(sorted(bodies)), lookback_round.c.id.in_(
            sa.select(lookback_sample.c.round_id).where(
                lookback_sample.c.recheck_body.in_(sorted(bodies))))))
    found = [dict(r._mapping) | {"rule": json.loads(r.rule), "samples": []}
             for r in conn.execute(query)]
    if not found:
        return []
    by_id = {r["id"]: r for r in found}
    checker = unit.alias("checker")
    samples = (sa.select(lookback_sample, hazard.c.code.label("hazard_code"),
                         hazard.c.level, hazard.c.closed_at, unit.c.name.label("unit_name"),
                         checker.c.name.label("recheck_body_name"))
               .join(hazard, hazard.c.id == lookback_sample.c.hazard_id)
               .join(unit, unit.c.id == hazard.c.unit_id)
               .outerjoin(checker, checker.c.code == lookback_sample.c.recheck_body)
               .where(lookback_sample.c.round_id.in_(sorted(by_id)))
               .order_by(hazard.c.code))
    for s in conn.execute(samples):
        owner = by_id[s.round_id]
        if bodies is not None and owner["body_code"] not in bodies \
                and s.recheck_body not in bodies:
            continue
        owner["samples"].append(dict(s._mapping) | {
            "level_name": LEVELS.get(s.level, s.level), "why_name": WHY.get(s.why, s.why),
            "outcome_name": OUTCOMES.get(s.outcome, s.outcome)})
    return found


def repeat_of(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """For a hazard case: the look-back that found its hazard back (``original``: the code
    of the closed hazard it repeats) or that found it back (``repeat``: the new hazard's
    code); None when it has no look-back."""
    row = conn.execute(
        sa.select(lookback_sample.c.outcome, lookback_sample.c.done_at,
                  lookback_sample.c.repeat_hazard_code, lookback_sample.c.repeat_case_id,
                  hazard.c.code.label("original"), hazard.c.case_id.label("original_case"))
        .join(hazard, hazard.c.id == lookback_sample.c.hazard_id)
        .where(sa.or_(lookback_sample.c.repeat_case_id == case_id,
                      hazard.c.case_id == case_id))).first()
    if row is None:
        return None
    return dict(row._mapping) | {"outcome_name": OUTCOMES.get(row.outcome, row.outcome),
                                 "is_repeat": row.repeat_case_id == case_id}
