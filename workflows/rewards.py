"""Rewards for public reports (举报奖励): the city's tiers and the reward's own process.

The notice asks to keep the whistleblower channels open *with rewards*. A report found 属实
whose reporter can be reached (named, with contact details) may earn one: the city
(市卫健委综合监督科) sets an amount per level of the hazard the report revealed
(:data:`~.ledger.LEVELS`: 一般隐患, 重大隐患), in whole yuan. :func:`open_reward` starts the
``report_reward`` case (bpmn/report_reward.bpmn, designer-editable): the county's triage desk
proposes the amount (the tier's, or another with a reason), a city supervisor approves,
sends it back or refuses it with a reason, and the payment is recorded with its date,
amount and reference. The service task ``reward.record`` (param ``status``) keeps the
``report_reward`` row in step at each of those points; the case's audit chain holds who did
what and when. A designer may also start rewards from the triage diagram without code: a
service task ``reward.open`` after the verification opens one when the report qualifies.

What a reward needs to know of its report (unit, level, whether the reporter is known) is
read in one place, :func:`report_facts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import (
    Actor,
    Conflict,
    Engine,
    InvalidInput,
    NotFound,
    ServiceCall,
)
from hazardflow.engine.db import new_id

from .ledger import LEVELS
from .schema import unit
from .schema_reports import public_report
from .schema_rewards import report_reward, reward_tier
from .units import require_unit

PROCESS = "report_reward"
MAX_AMOUNT = 1_000_000
STATUSES: dict[str, str] = {"proposing": "拟定中", "proposed": "待审批", "approved": "待发放",
                            "refused": "不予奖励", "paid": "已发放"}
# what the service task's ``status`` param writes: (the row's new status, what it copies)
_STEPS: dict[str, str] = {"proposed": "proposed", "approved": "approved",
                          "returned": "proposing", "refused": "refused", "paid": "paid"}


@dataclass(frozen=True)
class ReportFacts:
    """What a reward reads of its report."""

    report_id: int
    unit_code: str
    level: str | None  # general, major; None: no hazard level recorded (yet)
    reporter_known: bool
    substantiated: bool


def report_facts(conn: Connection, report_id: int) -> ReportFacts:
    """The report's unit, hazard level and whether its reporter can be reached (NotFound
    for an unknown report): the one place rewards read the public reports table."""
    row = conn.execute(
        sa.select(public_report.c.id, unit.c.code, public_report.c.hazard_level,
                  public_report.c.reporter_known, public_report.c.status,
                  public_report.c.finding)
        .join(unit, unit.c.id == public_report.c.unit_id)
        .where(public_report.c.id == report_id)).first()
    if row is None:
        raise NotFound(f"举报 {report_id} 不存在 (report {report_id} does not exist)")
    substantiated = "substantiated" in (row.status, row.finding)
    return ReportFacts(row.id, row.code, row.hazard_level, bool(row.reporter_known),
                       substantiated)


# -- tiers -------------------------------------------------------------------------------

def tiers(conn: Connection) -> list[dict[str, Any]]:
    """Every level with its amount (None: not set yet), in the order of LEVELS."""
    rows = {r.level: r for r in conn.execute(sa.select(reward_tier))}
    return [{"level": level, "name": name,
             "amount": rows[level].amount if level in rows else None,
             "note": rows[level].note if level in rows else "",
             "updated_by": rows[level].updated_by if level in rows else None,
             "updated_at": rows[level].updated_at if level in rows else None}
            for level, name in LEVELS.items()]


def set_tiers(conn: Connection, amounts: Mapping[str, int | None], note: str, by: str,
              now: datetime) -> None:
    """Set (or, with None, remove) the amount of each level given; amounts are checked."""
    for level, amount in amounts.items():
        if level not in LEVELS:
            raise InvalidInput(f"未知的隐患等级 {level} (unknown hazard level {level!r})")
        conn.execute(sa.delete(reward_tier).where(reward_tier.c.level == level))
        if amount is not None:
            conn.execute(sa.insert(reward_tier).values(
                level=level, amount=amount, note=note, updated_by=by, updated_at=now))


def tier_amount(conn: Connection, level: str) -> int:
    found = conn.execute(sa.select(reward_tier.c.amount)
                         .where(reward_tier.c.level == level)).scalar()
    if found is None:
        raise Conflict(f"市卫健委尚未设定{LEVELS.get(level, level)}的举报奖励标准 "
                       f"(no reward tier is set for level {level!r})")
    return int(found)


# -- the reward ---------------------------------------------------------------------------

def open_reward(conn: Connection, engine: Engine, actor: Actor, facts: ReportFacts,
                now: datetime) -> int:
    """Start the reward case of a 属实 report with a known reporter; its row id. Refused
    (Conflict) when the report does not qualify, has no tier or already has a reward."""
    if not facts.substantiated:
        raise Conflict("举报尚未核实为属实，不能拟定奖励 "
                       "(only a substantiated report earns a reward)")
    if not facts.reporter_known:
        raise Conflict("匿名举报无法联系举报人，不能拟定奖励 "
                       "(the reporter is anonymous: there is nobody to reward)")
    if facts.level not in LEVELS:
        raise Conflict("举报关联的隐患尚无等级，不能拟定奖励 (the report's hazard has no level)")
    if conn.execute(sa.select(report_reward.c.id)
                    .where(report_reward.c.report_id == facts.report_id)).first():
        raise Conflict(f"举报 {facts.report_id} 已有奖励记录 "
                       f"(report {facts.report_id} already has a reward)")
    amount = tier_amount(conn, facts.level)
    unit_row = require_unit(conn, facts.unit_code)
    definition = engine.definition(conn, PROCESS)
    result = engine.start_case_within(
        conn, definition, {"report_id": facts.report_id, "unit_code": facts.unit_code,
                           "hazard_level": facts.level, "tier_amount": amount},
        actor, business_key=f"reward-{facts.report_id}", now=now)
    return new_id(conn.execute(sa.insert(report_reward).values(
        report_id=facts.report_id, case_id=result.case_id, unit_id=unit_row.id,
        hazard_level=facts.level, tier_amount=amount, status="proposing",
        proposed_by=actor.id, created_at=now, updated_at=now)))


def _record(call: ServiceCall) -> None:
    """``reward.record``: the step's outcome onto the reward row (param ``status``)."""
    step = str(call.params.get("status", ""))
    if step not in _STEPS:
        raise ValueError(f"reward.record 的参数 status 须为 {', '.join(_STEPS)} 之一 "
                         f"(reward.record needs status in {', '.join(_STEPS)}, got {step!r})")
    data = call.data
    values: dict[str, Any] = {"status": _STEPS[step], "updated_at": call.now}
    if step == "proposed":
        adjusted = data.get("adjust") == "adjusted"
        values.update(amount=int(data["amount"]) if adjusted else int(data["tier_amount"]),
                      amount_reason=data.get("amount_reason") if adjusted else None,
                      decision_reason=None)
    elif step in ("approved", "returned", "refused"):
        values.update(decided_by=call.actor.id, decided_at=call.now,
                      decision_reason=data.get("decision_reason") or None)
    else:
        values.update(paid_on=date.fromisoformat(str(data["paid_on"])),
                      paid_amount=int(data["paid_amount"]),
                      payment_ref=str(data["payment_ref"]))
    done = call.conn.execute(sa.update(report_reward)
                             .where(report_reward.c.case_id == call.case_id)
                             .values(**values)).rowcount
    if not done:
        raise ValueError(f"案件 {call.case_id} 没有奖励记录 (case {call.case_id} has no reward "
                         "record)")


class _Opener:
    """``reward.open``, for the triage diagram after its verification: when the case's report
    is 属实 with a known reporter, a hazard level, a tier set and no reward yet, start its
    reward in the same step (sets ``reward_opened``); otherwise do nothing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, call: ServiceCall) -> dict[str, Any]:
        report_id = call.conn.execute(sa.select(public_report.c.id).where(
            public_report.c.case_id == call.case_id)).scalar()
        if report_id is None:
            return {"reward_opened": False}
        facts = report_facts(call.conn, int(report_id))
        ready = facts.substantiated and facts.reporter_known and facts.level in LEVELS
        if not ready or not call.conn.execute(sa.select(reward_tier.c.level).where(
                reward_tier.c.level == facts.level)).first() or call.conn.execute(
                sa.select(report_reward.c.id).where(
                    report_reward.c.report_id == facts.report_id)).first():
            return {"reward_opened": False}
        open_reward(call.conn, self.engine, call.actor, facts, call.now)
        return {"reward_opened": True}


def register_reward_handlers(engine: Engine) -> None:
    """``reward.record`` (the reward process) and ``reward.open`` (starts a reward from
    another process's step: it needs the engine)."""
    engine.handlers.register("reward.record", _record)
    engine.handlers.register("reward.open", _Opener(engine), ("reward_opened",))


def awaiting_proposal(conn: Connection, where: Any) -> list[dict[str, Any]]:
    """The 属实 reports with a known reporter and a hazard level that have no reward yet
    (``where``: the reader's visibility clause on ``public_report``), oldest first."""
    substantiated = sa.or_(public_report.c.status == "substantiated",
                           public_report.c.finding == "substantiated")
    rows = conn.execute(
        sa.select(public_report.c.id, public_report.c.place, public_report.c.hazard_level,
                  public_report.c.created_at, unit.c.name.label("unit_name"))
        .join(unit, unit.c.id == public_report.c.unit_id)
        .where(substantiated, public_report.c.reporter_known.is_(True),
               public_report.c.hazard_level.in_(sorted(LEVELS)), where,
               ~sa.exists().where(report_reward.c.report_id == public_report.c.id))
        .order_by(public_report.c.created_at, public_report.c.id).limit(200))
    return [dict(r._mapping) for r in rows]


def list_rewards(conn: Connection, where: Any = None) -> list[dict[str, Any]]:
    """The rewards, newest first, with their unit's name (``where``: a scope clause on
    ``report_reward.c.unit_id``)."""
    query = (sa.select(report_reward, unit.c.code.label("unit_code"),
                       unit.c.name.label("unit_name"))
             .join(unit, unit.c.id == report_reward.c.unit_id)
             .order_by(report_reward.c.created_at.desc(), report_reward.c.id.desc()))
    if where is not None:
        query = query.where(where)
    return [dict(r._mapping) for r in conn.execute(query)]
