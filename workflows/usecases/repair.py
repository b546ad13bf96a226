"""Supervisors' repairs and deadline extensions, one case at a time or in bulk.

A bulk repair names its cases by id or by the stuck list's filters (:func:`bulk_preview`,
:func:`bulk_repair`); both are for those who may look at the monitor, the repair itself for
those who may repair. One repair is one unit of work. A bulk repair records its batch, then
repairs each case in a unit of work of its own and records that case's result with it, so
one failure never touches the others and the batch's progress is always what actually
happened.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, EngineError, InvalidInput

from .. import deadlines, extensions, monitor, policy, repair
from ..inputs import whole_number
from ..runtime import Runtime
from ..uow import reading, unit_of_work
from ..users import display_names


def _check_deadlines(rt: Runtime, action: str, params: Mapping[str, Any] | None) -> None:
    """The deadline a repair sets (``extend``; ``move`` with data) follows the order's rule."""
    params = params if isinstance(params, Mapping) else {}
    if action == "extend":
        _check(rt, params.get("deadline"))
    elif action == "move":
        deadlines.check_data_deadlines(params.get("data"), rt.calendar, rt.now(),
                                       rt.settings.max_deadline_days)


def _check(rt: Runtime, deadline: Any) -> None:
    deadlines.check_deadline(deadline, rt.calendar, rt.now(), rt.settings.max_deadline_days)


def repair_one(rt: Runtime, actor: Actor, case_id: int, action: str, reason: str,
               params: Mapping[str, Any] | None = None) -> tuple[str, str]:
    _check_deadlines(rt, action, params)
    with unit_of_work(rt) as conn:
        return repair.repair_case(conn, rt.engine, actor, case_id, action, reason, params)


def preview(rt: Runtime, actor: Actor, case_ids: Sequence[int],
            action: str) -> list[dict[str, Any]]:
    with reading(rt) as conn:
        return repair.preview(conn, actor, case_ids, action)


def start_bulk(rt: Runtime, actor: Actor, action: str, reason: Any, case_ids: Sequence[int],
               params: Mapping[str, Any] | None = None) -> int:
    """Record a bulk repair and run it: at once for up to SYNC_LIMIT cases, otherwise in a
    background thread (its progress is the batch's status). Returns the batch id."""
    _check_deadlines(rt, action, params)
    with unit_of_work(rt) as conn:
        batch_id = repair.start_batch(conn, actor, action, reason, case_ids, params, rt.now())
    if len(set(case_ids)) <= repair.SYNC_LIMIT:
        run_bulk(rt, actor, batch_id)
    else:
        threading.Thread(target=run_bulk, args=(rt, actor, batch_id), daemon=True,
                         name=f"repair-batch-{batch_id}").start()
    return batch_id


def run_bulk(rt: Runtime, actor: Actor, batch_id: int) -> None:
    """Repair each case of the batch in its own unit of work, recording each result."""
    with reading(rt) as conn:
        batch = repair.get_batch(conn, batch_id)
    for case_id in batch.cases:
        try:
            with unit_of_work(rt) as conn:
                outcome, message = repair.repair_case(conn, rt.engine, actor, case_id,
                                                      batch.action, batch.reason, batch.params)
                repair.record_result(conn, batch_id, case_id, outcome, message, rt.now())
            continue
        except EngineError as exc:
            outcome, message = "refused", str(exc)
        except Exception as exc:  # noqa: BLE001 - one case must never stop the others
            outcome, message = "failed", f"{type(exc).__name__}: {exc}"
        with unit_of_work(rt) as conn:
            repair.record_result(conn, batch_id, case_id, outcome, message, rt.now())
    with unit_of_work(rt) as conn:
        repair.finish_batch(conn, batch_id, rt.now())


def batch_status(rt: Runtime, actor: Actor, batch_id: int) -> dict[str, Any]:
    with reading(rt) as conn:
        found = repair.batch_status(conn, actor, batch_id)
        shown = display_names(conn, [found.get("actor")])
    return {**found, "actor_name": shown.get(found.get("actor") or "", found.get("actor"))}


# -- deadline extensions -------------------------------------------------------------------

def request_extension(rt: Runtime, actor: Actor, case_id: int, deadline: Any,
                      reason: Any) -> int:
    _check(rt, deadline)
    with unit_of_work(rt) as conn:
        return extensions.request_extension(conn, actor, case_id, deadline, reason, rt.now())


def decide_extension(rt: Runtime, actor: Actor, request_id: int, approve: bool,
                     note: str = "") -> dict[str, Any]:
    """An approval checks the requested deadline again: one that has passed meanwhile is
    refused (reject it and ask again)."""
    with unit_of_work(rt) as conn:
        return extensions.decide(conn, rt.engine, actor, request_id, approve, note,
                                 check=lambda day: _check(rt, day))


def extension_requests(rt: Runtime, actor: Actor,
                       status: str | None = "pending") -> list[dict[str, Any]]:
    """The deadline extension requests the actor may see, each with who asked by name
    (``requested_by_name``)."""
    with reading(rt) as conn:
        rows = extensions.list_requests(conn, actor, status)
        shown = display_names(conn, [r.get("requested_by") for r in rows])
    return [{**r, "requested_by_name": shown.get(r.get("requested_by") or "",
                                                 r.get("requested_by"))} for r in rows]


def selection(rt: Runtime, actor: Actor, cases: Any = None,
              filters: Mapping[str, Any] | None = None) -> list[int]:
    """The case ids a bulk repair names: ``cases`` (a list of ids), or every stuck case the
    actor sees matching ``filters`` (the stuck list's filters)."""
    with reading(rt) as conn:
        return _selected(conn, rt, actor, cases, filters)


def _case_ids(cases: Any) -> list[int]:
    wrong = InvalidInput("cases 须为案件编号列表 (cases must be a list of case ids)", [Detail(
        "cases 须为案件编号列表 (a list of case ids)", field="cases")])
    if not isinstance(cases, list):
        raise wrong
    try:
        return list(dict.fromkeys(whole_number(c, "cases") for c in cases))
    except InvalidInput:
        raise wrong from None


def _selected(conn: Connection, rt: Runtime, actor: Actor, cases: Any,
              filters: Mapping[str, Any] | None) -> list[int]:
    if cases is not None:
        return _case_ids(cases)
    if not isinstance(filters, Mapping):
        raise InvalidInput("selection", [Detail(
            "请发送 cases（案件编号）或 filter（筛选条件） (send cases or filter)",
            field="cases")])
    chosen = monitor.stuck_filter({k: str(v) for k, v in filters.items()
                                   if v not in (None, "")})
    found = monitor.stuck(conn, actor, chosen, rt.now(), 1, 500, cap=repair.MAX_BATCH)
    return list(dict.fromkeys(int(row["case_id"]) for row in found["items"]))


def bulk_preview(rt: Runtime, actor: Actor, action: str, cases: Any = None,
                 filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """What a bulk repair of the cases named by id or by filter would touch, each case with
    whether it can be repaired (and why not)."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        return repair.preview(conn, actor, _selected(conn, rt, actor, cases, filters), action)


def bulk_repair(rt: Runtime, actor: Actor, action: str, reason: Any,
                params: Mapping[str, Any] | None, cases: Any = None,
                filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Start a bulk repair of the cases named by id or by filter (see :func:`start_bulk`);
    returns the batch as it stands (finished, for up to SYNC_LIMIT cases)."""
    policy.require(actor, "monitor")
    batch_id = start_bulk(rt, actor, action, reason, selection(rt, actor, cases, filters),
                          params)
    return batch_status(rt, actor, batch_id)
