"""Deadline extensions (延期): the unit asks, a supervisor decides, the timers move.

The unit's safety officer, principal or rectifier (or the responsible person) asks for a
later deadline with a reason. A county supervisor over the unit (or the city) approves or
rejects it. Approval changes the case's ``deadline`` through the engine
(:meth:`Engine.set_variables`): the rectification task's due date, the waiting escalation
timers (reminder, overdue, 督办 letter, publication) and the ledger's deadline all follow,
and rungs marked ``once_per = deadline`` are armed again for the new deadline. The new
deadline follows the rule of :mod:`~hazardflow.workflows.deadlines` (today or later, within
``HAZARDFLOW_MAX_DEADLINE_DAYS``), checked by the use-cases when asked and when approved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Detail, Engine, InvalidInput, NotFound

from .ledger import hazard_for_case
from .policy import allows, staff_at_or_above, visible_hazard_rows
from .repair import check_case
from .schema import hazard, unit
from .schema_monitor import extension_request

# A deadline's timers (due at its 24:00, the escalation ladder after it) must be moments
# Python can hold: 9999-12-31 overflowed when an extension to it was approved (a 500).
LATEST_DEADLINE = date(9998, 12, 31)


def _new_deadline(value: Any, old: str | None) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("bad date",
                           [Detail("新期限格式 YYYY-MM-DD", field="deadline")]) from None
    if day > LATEST_DEADLINE:
        raise InvalidInput("too late", [Detail(
            f"新期限最晚为 {LATEST_DEADLINE}，计时器无法排得更远 (the timers cannot be set "
            f"later than {LATEST_DEADLINE})", field="deadline")])
    if old is not None and day.isoformat() <= old:
        raise InvalidInput("not later", [Detail(f"新期限须晚于原期限 {old}", field="deadline")])
    return day.isoformat()


def _may_ask(conn: Connection, actor: Actor, row: dict[str, Any]) -> bool:
    """The responsible person, or the staff of the unit or of a unit above it."""
    return actor.id == row.get("responsible_user") or \
        staff_at_or_above(conn, actor, row["unit_code"])


def request_extension(conn: Connection, actor: Actor, case_id: int, deadline: Any,
                      reason: Any, now: datetime) -> int:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("请填写延期理由 (a reason is required)",
                           [Detail("请填写延期理由", field="reason")], code="reason_required")
    row = hazard_for_case(conn, case_id)
    if row is None or not _may_ask(conn, actor, row):
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)", case_id=case_id)
    if row["status"] != "open" or not row["deadline"]:
        raise Conflict("只有未销号且有整改期限的隐患可以申请延期 "
                       "(only an open hazard with a deadline can be extended)",
                       case_id=case_id)
    new = _new_deadline(deadline, row["deadline"])
    pending = conn.execute(sa.select(extension_request.c.id).where(
        extension_request.c.case_id == case_id,
        extension_request.c.status == "pending")).first()
    if pending is not None:
        raise Conflict(f"延期申请 {pending.id} 尚待审批 "
                       f"(extension request {pending.id} is still waiting for a decision)",
                       case_id=case_id)
    key = conn.execute(sa.insert(extension_request).values(
        case_id=case_id, requested_by=actor.id, reason=reason.strip(),
        old_deadline=row["deadline"], new_deadline=new, status="pending",
        created_at=now)).inserted_primary_key
    assert key is not None
    return int(key[0])


def extend_now(conn: Connection, engine: Engine, actor: Actor, case_id: int, deadline: Any,
               reason: str) -> tuple[str, str]:
    """A supervisor sets a later deadline directly (the bulk 'extend' repair)."""
    row = check_case(conn, actor, case_id)
    new = _new_deadline(deadline, row.deadline)
    engine.set_variables(conn, case_id, {"deadline": new}, actor, reason)
    return "ok", f"期限延至 {new}"


def decide(conn: Connection, engine: Engine, actor: Actor, request_id: int, approve: bool,
           note: str = "", check: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Approve (the deadline moves, with its timers) or reject a request, in the caller's
    transaction: the decision and the new deadline commit together. ``check`` is the
    deadline rule (:func:`~hazardflow.workflows.deadlines.check_deadline`) an approval
    applies to the requested deadline before it moves anything."""
    req = conn.execute(sa.select(extension_request).where(
        extension_request.c.id == request_id).with_for_update()).first()
    if req is None:
        raise NotFound(f"延期申请 {request_id} 不存在 "
                       f"(extension request {request_id} does not exist)")
    check_case(conn, actor, req.case_id)  # Forbidden without "repair": a city leader too
    if req.status != "pending":
        raise Conflict(f"该申请已处理 (the request was already {req.status})", case_id=req.case_id)
    if approve:
        if check is not None:
            check(req.new_deadline)
        why = f"批准延期申请 #{request_id}（{req.requested_by}：{req.reason}）" + \
            (f"；{note}" if note else "")
        engine.set_variables(conn, req.case_id, {"deadline": req.new_deadline}, actor, why)
    done = conn.execute(sa.update(extension_request).where(
        extension_request.c.id == request_id, extension_request.c.status == "pending")
        .values(status="approved" if approve else "rejected", decided_by=actor.id,
                decided_at=engine.clock.now(), decision_note=note or None)).rowcount
    if not done:
        raise Conflict("该申请已被他人处理 (the request was decided meanwhile)",
                       case_id=req.case_id)
    return {"id": request_id, "status": "approved" if approve else "rejected",
            "deadline": req.new_deadline if approve else req.old_deadline}


def list_requests(conn: Connection, actor: Actor, status: str | None = "pending",
                  limit: int = 200) -> list[dict[str, Any]]:
    """Requests on the hazards the actor oversees (or, for a unit, the ones it made)."""
    query = (sa.select(extension_request, hazard.c.code.label("hazard_code"),
                       unit.c.name.label("unit_name"))
             .select_from(extension_request
                          .join(hazard, hazard.c.case_id == extension_request.c.case_id)
                          .join(unit, unit.c.id == hazard.c.unit_id))
             .order_by(extension_request.c.created_at.desc()).limit(limit))
    if status:
        query = query.where(extension_request.c.status == status)
    mine = extension_request.c.requested_by == actor.id
    if allows(actor, "extension.review"):
        query = query.where(sa.or_(mine, visible_hazard_rows(actor)))
    else:
        query = query.where(mine)
    return [dict(r._mapping) for r in conn.execute(query)]
