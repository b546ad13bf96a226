"""Supervisors' repairs, one case at a time or in bulk.

Every action needs a reason, checks the actor's role (county or city supervisor, or admin)
and scope (a county supervisor repairs only the hazards of their county), and is written to
the case's audit log by the engine, in the caller's transaction. A bulk repair is a
``repair_batch`` row and one ``repair_result`` per case; each case runs through
:func:`repair_case` in a transaction of its own (``usecases.repair``), so one failure never
touches the others, and a retry that fails again is reported as ``failed``, never as done.
A case outside the actor's scope is answered as if it did not exist: no hazard code, no
status, the same words as for an unknown id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import (
    Actor,
    Conflict,
    Detail,
    Engine,
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    journal,
)
from hazardflow.engine.schema import human_task, incident, process_case, process_definition

from .policy import allows, visible_hazard_rows
from .schema import hazard
from .schema_monitor import repair_batch, repair_result
from .users import actor_for, get_user

ACTIONS: dict[str, str] = {
    "retry": "重试故障", "reassign": "改派", "return_to_group": "退回组内",
    "extend": "延长期限", "suspend": "挂起", "resume": "恢复", "terminate": "终止",
    "move": "移动到环节",
}
SYNC_LIMIT = 200  # a bulk repair of more cases runs outside the request
MAX_BATCH = 5000


def check_case(conn: Connection, actor: Actor, case_id: int) -> Any:
    """The case's row (with its hazard) if the actor may repair it: 403 without the role,
    404 (as if it did not exist) outside the actor's scope."""
    if not allows(actor, "repair"):
        raise Forbidden("您没有权限修复案件 (repairs are for county and city supervisors)",
                        case_id=case_id)
    row = conn.execute(
        sa.select(process_case.c.id, process_case.c.status, process_definition.c.key,
                  hazard.c.code.label("hazard_code"), hazard.c.deadline, hazard.c.status
                  .label("hazard_status"))
        .select_from(process_case.join(process_definition,
                                       process_definition.c.id == process_case.c.definition_id)
                     .outerjoin(hazard, hazard.c.case_id == process_case.c.id))
        .where(process_case.c.id == case_id, visible_hazard_rows(actor))).first()
    if row is None:
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)", case_id=case_id)
    return row


def _reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("请填写原因 (a reason is required)",
                           [Detail("请填写原因 (reason required)", field="reason")],
                           code="reason_required")
    return reason.strip()


def _open_tasks(conn: Connection, case_id: int, element: str | None) -> list[int]:
    query = sa.select(human_task.c.id).where(human_task.c.case_id == case_id,
                                             human_task.c.state == "open")
    if element:
        query = query.where(human_task.c.element_id == element)
    return [int(i) for i in conn.execute(query.order_by(human_task.c.id)).scalars()]


def _retry(conn: Connection, engine: Engine, actor: Actor, case_id: int) -> tuple[str, str]:
    found = conn.execute(sa.select(incident.c.id).where(
        incident.c.case_id == case_id, incident.c.resolved_at.is_(None))).scalar()
    if found is None:
        raise Conflict(f"案件 {case_id} 没有未解决的故障 (no open incident)", case_id=case_id)
    result = engine.retry_incident(conn, int(found), actor)
    if result.status == "incident":
        message = conn.execute(sa.select(incident.c.message).where(
            incident.c.id == found)).scalar()
        return "failed", f"重试后仍失败 (failed again): {message}"
    return "ok", f"已恢复运行 (now {result.status})"


def _reassign(conn: Connection, engine: Engine, actor: Actor, case_id: int,
              params: Mapping[str, Any], reason: str, to_group: bool) -> tuple[str, str]:
    assignee: Actor | None = None
    if not to_group:
        username = params.get("assignee")
        user = get_user(conn, str(username or ""))
        if user is None or not user.active:
            raise InvalidInput("没有这个用户 (unknown person)", [Detail(
                f"没有这个用户 (no active user {username!r})", field="assignee")])
        assignee = actor_for(conn, user.id)
    tasks = _open_tasks(conn, case_id, params.get("element"))
    if not tasks:
        raise Conflict(f"案件 {case_id} 没有可交接的待办 (no open task to hand over)",
                       case_id=case_id)
    for task_id in tasks:
        engine.reassign_task(conn, task_id, actor, assignee, reason)
    who = assignee.id if assignee else "组内"
    return "ok", f"{len(tasks)} 个任务交给 {who}"


def _terminate(conn: Connection, engine: Engine, actor: Actor, case_id: int,
               reason: str) -> tuple[str, str]:
    engine.terminate(conn, case_id, actor, reason)
    conn.execute(sa.update(hazard).where(hazard.c.case_id == case_id, hazard.c.status == "open")
                 .values(status="voided", stage="已终止", updated_at=engine.clock.now()))
    return "ok", "已终止"


def repair_case(conn: Connection, engine: Engine, actor: Actor, case_id: int, action: str,
                reason: str, params: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Run one action on one case in the caller's transaction; returns (outcome, message):
    ``ok`` or ``failed`` (the action ran but the case is still broken). Refusals raise
    engine errors."""
    why = _reason(reason)
    params = dict(params or {})
    if action not in ACTIONS:
        raise InvalidInput("unknown action", [Detail(f"action: {', '.join(ACTIONS)}",
                                                     field="action")])
    check_case(conn, actor, case_id)
    if action == "retry":
        return _retry(conn, engine, actor, case_id)
    if action in ("reassign", "return_to_group"):
        return _reassign(conn, engine, actor, case_id, params, why,
                         action == "return_to_group")
    if action == "suspend":
        engine.suspend(conn, case_id, actor, why)
        return "ok", "已挂起"
    if action == "resume":
        return "ok", f"已恢复 ({engine.resume(conn, case_id, actor, why)})"
    if action == "terminate":
        return _terminate(conn, engine, actor, case_id, why)
    if action == "move":
        target = params.get("target")
        if not isinstance(target, str) or not target:
            raise InvalidInput("target required", [Detail("目标环节", field="target")])
        result = engine.move_token(conn, case_id, target, actor, why,
                                   params.get("data") or None)
        if result.status == "incident":
            return "failed", f"移动后流程故障 (incident {result.incident_id})"
        return "ok", "当前环节：" + "、".join(n for _, n in result.active)
    from .extensions import extend_now  # extend: a supervisor sets the new deadline at once

    return extend_now(conn, engine, actor, case_id, params.get("deadline"), why)


# -- bulk --------------------------------------------------------------------------------

def preview(conn: Connection, actor: Actor, case_ids: Sequence[int],
            action: str) -> list[dict[str, Any]]:
    """What a bulk action would touch: each case, and why it would be refused."""
    out = []
    for case_id in case_ids[:MAX_BATCH]:
        try:
            row = check_case(conn, actor, case_id)
        except EngineError as exc:
            out.append({"case_id": case_id, "ok": False, "message": exc.message})
            continue
        problem = _precheck(conn, row, action)
        out.append({"case_id": case_id, "hazard_code": row.hazard_code,
                    "status": row.status, "ok": problem is None,
                    "message": problem or ACTIONS.get(action, action)})
    return out


def _precheck(conn: Connection, row: Any, action: str) -> str | None:
    if row.status in ("completed", "terminated"):
        return f"案件已{'办结' if row.status == 'completed' else '终止'}"
    if action == "retry" and row.status != "incident":
        return "没有未解决的故障"
    if action == "resume" and row.status != "suspended":
        return "案件未挂起"
    if action == "suspend" and row.status == "suspended":
        return "案件已挂起"
    return None


def start_batch(conn: Connection, actor: Actor, action: str, reason: Any,
                case_ids: Sequence[int], params: Mapping[str, Any] | None,
                now: datetime) -> int:
    """Record a bulk repair (its cases are then repaired one by one); returns its id."""
    why = _reason(reason)
    if not allows(actor, "repair"):
        raise Forbidden("您没有权限修复案件 (repairs are for county and city supervisors)")
    if action not in ACTIONS:
        raise InvalidInput("unknown action", [Detail(f"action: {', '.join(ACTIONS)}",
                                                     field="action")])
    ids = list(dict.fromkeys(int(c) for c in case_ids))
    if not ids or len(ids) > MAX_BATCH:
        raise InvalidInput("select between 1 and 5000 cases", [Detail("cases", field="cases")])
    key = conn.execute(sa.insert(repair_batch).values(
        action=action, reason=why, actor=actor.id, status="running", total=len(ids),
        params=json.dumps({**dict(params or {}), "cases": ids}, ensure_ascii=False,
                          default=str), created_at=now)).inserted_primary_key
    assert key is not None
    batch_id = int(key[0])
    journal.record(conn, actor=actor.id, action="monitor.bulk_repair", at=now,
                   subject=f"repair_batch:{batch_id}",
                   payload={"action": action, "reason": why, "cases": len(ids)})
    return batch_id


@dataclass(frozen=True)
class Batch:
    id: int
    action: str
    reason: str
    params: dict[str, Any]
    cases: list[int]


def get_batch(conn: Connection, batch_id: int) -> Batch:
    row = conn.execute(sa.select(repair_batch).where(repair_batch.c.id == batch_id)).one()
    params = json.loads(row.params)
    cases = [int(c) for c in params.pop("cases")]
    return Batch(row.id, row.action, row.reason, params, cases)


def record_result(conn: Connection, batch_id: int, case_id: int, outcome: str, message: str,
                  now: datetime) -> None:
    ok = outcome == "ok"
    conn.execute(sa.insert(repair_result).values(
        batch_id=batch_id, case_id=case_id, outcome=outcome, message=message[:2000], at=now))
    conn.execute(sa.update(repair_batch).where(repair_batch.c.id == batch_id).values(
        done=repair_batch.c.done + 1,
        succeeded=repair_batch.c.succeeded + (1 if ok else 0),
        failed=repair_batch.c.failed + (0 if ok else 1)))


def finish_batch(conn: Connection, batch_id: int, now: datetime) -> None:
    conn.execute(sa.update(repair_batch).where(repair_batch.c.id == batch_id)
                 .values(status="done", finished_at=now))


def batch_status(conn: Connection, actor: Actor, batch_id: int) -> dict[str, Any]:
    """A batch and each case's result; a case outside the actor's scope shows no hazard code
    (its result reads as for an unknown case)."""
    batch = conn.execute(sa.select(repair_batch).where(repair_batch.c.id == batch_id)).first()
    if batch is None or not (batch.actor == actor.id or allows(actor, "repair.all_batches")):
        raise NotFound(f"批量修复 {batch_id} 不存在 (repair batch {batch_id} does not exist)")
    visible = sa.and_(hazard.c.case_id == repair_result.c.case_id, visible_hazard_rows(actor))
    results = [dict(r._mapping) for r in conn.execute(
        sa.select(repair_result.c.case_id, repair_result.c.outcome, repair_result.c.message,
                  repair_result.c.at, hazard.c.code.label("hazard_code"))
        .select_from(repair_result.outerjoin(hazard, visible))
        .where(repair_result.c.batch_id == batch_id).order_by(repair_result.c.id))]
    out = {k: v for k, v in batch._mapping.items() if k != "params"}
    out["action_name"] = ACTIONS.get(batch.action, batch.action)
    out["results"] = results
    return out
