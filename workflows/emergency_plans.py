"""Emergency plans (应急预案): each unit's plans by kind, their versions, approval and filing
(备案) with the supervising commission, and the cycle of drills and revisions.

The founding notice asks each body to revise its emergency plans; the national rules
(《生产安全事故应急预案管理办法》, 应急管理部令第2号, 2019) ask for a comprehensive plan
(综合预案), special plans (专项预案) and on-site procedures (现场处置方案), an evaluation and
revision at least every three years or when the organisation, the risks or the law change,
after an accident or when a drill finds problems, a comprehensive or special drill at least
once a year and an on-site drill at least every six months, and filing with the authority
above. The intervals are the city's to change (``plan_cycle``, :data:`DEFAULT_CYCLES` for a
kind without a row).

A plan is one ``emergency_plan`` case (bpmn/emergency_plan.bpmn, designer-editable): the unit
drafts a version, its principal approves it, the supervising commission files it or returns
it with a reason; once filed, a timer waits for the next drill (``drill_due``) and another,
on the whole in-force stretch, for the next revision (``revision_due``); the message
``plan_revise`` (an incident, a change of organisation…) or a drill that found problems
starts a revision. The service tasks below keep the ``emergency_plan`` row in step:

=====================  =================================  ====================================
topic                  sets                               does
=====================  =================================  ====================================
``plan.record``        ``revision_due``, ``drill_due``,   param ``status``: submitted, approved,
                       ``revise_by``, ``version_id``      returned, refused, filed, revise
                                                          (param ``reason``: scheduled,
                                                          trigger, drill)
``plan.drill_due``     ``drill_due``, ``drill_now``,      reads the plan's next drill (a drill
                       ``drill_by``                       held early moves it)
``plan.drill``         ``problems_found``, ``drill_due``, records the drill of the form
                       ``drill_id``, ``problems``
=====================  =================================  ====================================
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Engine, InvalidInput, NotFound, ServiceCall
from hazardflow.engine.db import new_id

from .calendar import BusinessCalendar
from .drills import DrillRecord, insert_drill
from .schema import unit
from .schema_plans import emergency_plan, plan_cycle, plan_version
from .units import require_unit

PROCESS = "emergency_plan"
KINDS: dict[str, str] = {"comprehensive": "综合预案", "special": "专项预案",
                         "onsite": "现场处置方案"}
STATUSES: dict[str, str] = {"drafting": "编制/修订中", "approving": "待审批", "filing": "待备案",
                            "returned": "备案退回", "in_force": "已备案"}
VERSION_STATUSES: dict[str, str] = {"submitted": "待审批", "approved": "待备案",
                                    "returned": "审批退回", "refused": "备案退回",
                                    "filed": "已备案", "superseded": "已废止"}
TRIGGERS: dict[str, str] = {"incident": "发生事故或突发事件", "organisation": "机构或职责变化",
                            "risk": "风险或应急资源变化", "law": "法律法规或标准变化",
                            "drill": "演练发现问题", "other": "其他"}


@dataclass(frozen=True)
class Cycle:
    """How often a kind of plan is revised and drilled, and the time its unit has then."""

    revision_months: int
    drill_months: int
    revise_days: int
    drill_days: int


# 应急部令第2号: revise at least every 3 years; drills yearly (综合、专项), every six months
# (现场处置方案); the unit then has 90 days to revise and 30 days to hold the drill.
DEFAULT_CYCLES: dict[str, Cycle] = {"comprehensive": Cycle(36, 12, 90, 30),
                                    "special": Cycle(36, 12, 90, 30),
                                    "onsite": Cycle(36, 6, 90, 30)}
CYCLE_LIMITS: dict[str, tuple[int, int]] = {"revision_months": (1, 120), "drill_months": (1, 60),
                                            "revise_days": (1, 365), "drill_days": (1, 365)}


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, the last day of a shorter month when the day is missing."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def require_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"预案类型须为 {'、'.join(KINDS.values())} 之一 "
                           f"(the kind must be one of {', '.join(KINDS)})")
    return kind


def cycle(conn: Connection, kind: str) -> Cycle:
    """The cycle of ``kind``: the city's row, else the default."""
    row = conn.execute(sa.select(plan_cycle).where(plan_cycle.c.kind == kind)).first()
    if row is None:
        return DEFAULT_CYCLES[require_kind(kind)]
    return Cycle(row.revision_months, row.drill_months, row.revise_days, row.drill_days)


def cycles(conn: Connection) -> list[dict[str, Any]]:
    """Each kind with its cycle and who set it (None: the default)."""
    rows = {r.kind: r for r in conn.execute(sa.select(plan_cycle))}
    return [{"kind": kind, "name": name, **vars(cycle(conn, kind)),
             "updated_by": rows[kind].updated_by if kind in rows else None,
             "updated_at": rows[kind].updated_at if kind in rows else None}
            for kind, name in KINDS.items()]


def set_cycle(conn: Connection, kind: str, values: Cycle, by: str, now: datetime) -> None:
    require_kind(kind)
    conn.execute(sa.delete(plan_cycle).where(plan_cycle.c.kind == kind))
    conn.execute(sa.insert(plan_cycle).values(kind=kind, updated_by=by, updated_at=now,
                                              **vars(values)))


# -- the plan ------------------------------------------------------------------------------

def open_plan(conn: Connection, engine: Engine, actor: Actor, unit_code: str, kind: str,
              title: str, today: date, now: datetime) -> int:
    """A new plan of ``unit_code`` and its case (the unit's drafting task); its id."""
    unit_row = require_unit(conn, unit_code)
    due = today + timedelta(days=cycle(conn, require_kind(kind)).revise_days)
    plan_id = new_id(conn.execute(sa.insert(emergency_plan).values(
        unit_id=unit_row.id, kind=kind, title=title, status="drafting", revise_by=due,
        revision_reason="首次编制", created_by=actor.id, created_at=now, updated_at=now)))
    result = engine.start_case_within(
        conn, engine.definition(conn, PROCESS),
        {"plan_id": plan_id, "unit_code": unit_code, "kind": kind, "title": title,
         "revise_by": due.isoformat()}, actor, business_key=f"plan-{plan_id}", now=now)
    conn.execute(sa.update(emergency_plan).where(emergency_plan.c.id == plan_id)
                 .values(case_id=result.case_id))
    return plan_id


def plan_row(conn: Connection, plan_id: int) -> Any:
    row = conn.execute(sa.select(emergency_plan, unit.c.code.label("unit_code"),
                                 unit.c.name.label("unit_name"))
                       .join(unit, unit.c.id == emergency_plan.c.unit_id)
                       .where(emergency_plan.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"预案 {plan_id} 不存在 (plan {plan_id} does not exist)")
    return row


def _plan_of(call: ServiceCall) -> Any:
    row = call.conn.execute(sa.select(emergency_plan).where(
        emergency_plan.c.case_id == call.case_id)).first()
    if row is None:
        raise ValueError(f"案件 {call.case_id} 没有预案记录 (case {call.case_id} has no plan)")
    return row


def _set_plan(call: ServiceCall, **values: Any) -> None:
    call.conn.execute(sa.update(emergency_plan).where(emergency_plan.c.case_id == call.case_id)
                      .values(updated_at=call.now, **values))


def _set_version(call: ServiceCall, **values: Any) -> None:
    version_id = call.data.get("version_id")
    call.conn.execute(sa.update(plan_version).where(plan_version.c.id == version_id)
                      .values(**values))


def _revision_reason(call: ServiceCall, plan: Any, reason: str) -> str:
    if reason == "scheduled":
        return f"定期修订到期（每{cycle(call.conn, plan.kind).revision_months}个月）"
    if reason == "drill":
        return TRIGGERS["drill"]
    given = call.data.get("plan_revise")
    given = given if isinstance(given, Mapping) else {}
    what = TRIGGERS.get(str(given.get("reason")), TRIGGERS["other"])
    note = str(given.get("note") or "").strip()
    return f"{what}：{note}" if note else what


class PlanHandlers:
    """The ``plan.*`` topics, with the business calendar their dates follow."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar

    def record(self, call: ServiceCall) -> dict[str, Any]:
        step = str(call.params.get("status", ""))
        plan = _plan_of(call)
        today = self.calendar.today(call.now)
        reason = call.data.get("decision_reason") or None
        if step == "submitted":
            files = call.data.get("evidence_plan_file") or [""]
            version_id = new_id(call.conn.execute(sa.insert(plan_version).values(
                plan_id=plan.id, label=str(call.data.get("version_label", ""))[:32],
                summary=str(call.data.get("summary", "")), file_ref=str(files[0])[:32],
                status="submitted", submitted_by=call.actor.id, submitted_at=call.now)))
            _set_plan(call, status="approving")
            return {"version_id": version_id}
        if step == "approved":
            _set_version(call, status="approved", approved_by=call.actor.id,
                         approved_at=call.now)
            _set_plan(call, status="filing", return_reason=None)
        elif step in ("returned", "refused"):
            _set_version(call, status=step, reason=reason)
            _set_plan(call, status="drafting" if step == "returned" else "returned",
                      return_reason=reason)
        elif step == "filed":
            return self._filed(call, plan, today)
        elif step == "revise":
            revise = cycle(call.conn, plan.kind).revise_days
            due = today + timedelta(days=revise)
            _set_plan(call, status="drafting", revise_by=due,
                      revision_reason=_revision_reason(call, plan, str(call.params.get(
                          "reason", "scheduled"))))
            return {"revise_by": due.isoformat()}
        else:
            raise ValueError(f"plan.record 的参数 status 无效 (plan.record: unknown status "
                             f"{step!r})")
        return {}

    def _filed(self, call: ServiceCall, plan: Any, today: date) -> dict[str, Any]:
        cyc = cycle(call.conn, plan.kind)
        call.conn.execute(sa.update(plan_version).where(
            plan_version.c.plan_id == plan.id, plan_version.c.status == "filed")
            .values(status="superseded"))
        _set_version(call, status="filed", filed_by=call.actor.id, filed_at=call.now)
        revision_due = add_months(today, cyc.revision_months)
        drill_due = plan.drill_due_on or add_months(today, cyc.drill_months)
        _set_plan(call, status="in_force", current_version_id=call.data.get("version_id"),
                  filed_on=today, revision_due_on=revision_due, drill_due_on=drill_due,
                  revise_by=None, revision_reason=None, return_reason=None)
        return {"revision_due": revision_due.isoformat(), "drill_due": drill_due.isoformat()}

    def drill_due(self, call: ServiceCall) -> dict[str, Any]:
        plan = _plan_of(call)
        today = self.calendar.today(call.now)
        due = plan.drill_due_on or today
        by = today + timedelta(days=cycle(call.conn, plan.kind).drill_days)
        return {"drill_due": due.isoformat(), "drill_now": due <= today,
                "drill_by": by.isoformat()}

    def drill(self, call: ServiceCall) -> dict[str, Any]:
        plan = _plan_of(call)
        record = DrillRecord.from_form(call.data)
        drill_id = insert_drill(call.conn, plan.id, record, call.actor.id, call.now)
        due = next_drill(call.conn, plan, record.held_on)
        return {"problems_found": bool(record.problems), "drill_due": due.isoformat(),
                "drill_id": drill_id, "problems": []}


def next_drill(conn: Connection, plan: Any, held_on: date) -> date:
    """After a drill on ``held_on``: the plan's next drill, stored on the plan."""
    due = add_months(held_on, cycle(conn, plan.kind).drill_months)
    if plan.drill_due_on is None or due > plan.drill_due_on:
        conn.execute(sa.update(emergency_plan).where(emergency_plan.c.id == plan.id)
                     .values(drill_due_on=due))
    return max(due, plan.drill_due_on or due)


def register_plan_handlers(engine: Engine, calendar: BusinessCalendar) -> None:
    """``plan.record``, ``plan.drill_due`` and ``plan.drill``."""
    handlers = PlanHandlers(calendar)
    engine.handlers.register("plan.record", handlers.record,
                             ("revision_due", "drill_due", "revise_by", "version_id"))
    engine.handlers.register("plan.drill_due", handlers.drill_due,
                             ("drill_due", "drill_now", "drill_by"))
    engine.handlers.register("plan.drill", handlers.drill,
                             ("problems_found", "drill_due", "drill_id", "problems"))


def ensure_revisable(plan: Any) -> None:
    if plan.status != "in_force":
        raise Conflict("预案正在编制、审批或备案中，不能再触发修订 "
                       "(the plan is already being drafted, approved or filed)")
