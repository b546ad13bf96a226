"""Moving running cases from one version of a process to another.

``preview`` tries every running case of the source version in memory (the same
re-binding the migration runs, nothing saved) and says which move cleanly, which need an
explicit mapping (they wait at an element the target removed or renamed; a rename is
suggested from the diff) and which cannot move, with the reason.

``start_batch`` records a batch with one pending row per case and a journal record; the
caller moves its ``pending_items``, each with ``migrate_case`` in its own transaction under
the case's lock:
load, re-bind (see rebind.py), run the automatic steps the new version calls for, refresh
the inbox rows and timers, check the state loads back with the target spec, save, append
a ``migrated`` record to the case's audit log. Any failure rolls that case's transaction
back entirely — its state blob and revision stay as they were — and the case is listed as
blocked with the reason. A batch can be run in slices (``limit``) to show progress.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, drafts, journal
from .clock import bound_clock
from .compact import compact
from .db import new_id, on_commit
from .definitions import Definition
from .diff import diff
from .errors import Conflict, InvalidInput, NotFound
from .rebind import Blocked, Rebinder, positions
from .schema import human_task, process_case
from .schema_designer import migration_batch, migration_case
from .services import Actor, StepContext, step_context
from .store import CaseRow
from .sweep import Transaction
from .sync import all_tasks, has_unfinished, sync_timers
from .xmlsafe import parse_untrusted

if TYPE_CHECKING:
    from .runtime import Engine

log = logging.getLogger("hazardflow.engine")

RUNNING = ("active", "incident")


def _definition(conn: Connection, engine: Engine, key: str, version: int) -> Definition:
    return engine.definitions.resolve(conn, key, version)


def suggested_mapping(conn: Connection, engine: Engine, key: str, from_version: int,
                      to_version: int) -> dict[str, str]:
    """Removed element -> added element of the same type and name (a likely rename)."""
    old = _definition(conn, engine, key, from_version)
    new = _definition(conn, engine, key, to_version)
    limit = engine.max_bpmn_bytes * 4
    before = parse_untrusted(drafts.version_content(conn, key, old.version)["bpmn"].encode(),
                             max_bytes=limit)
    after = parse_untrusted(drafts.version_content(conn, key, new.version)["bpmn"].encode(),
                            max_bytes=limit)
    return diff(before, after).renames()


SAME_VERSION = "源版本与目标版本相同 (the source and the target are the same version)"
OPEN_INCIDENT = "案件有未解决的故障，请先处理 (the case has an open incident: resolve it first)"


def _check_mapping(target: Definition, mapping: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(mapping, Mapping):
        raise InvalidInput("映射须是以旧元素 id 为键、新元素 id 为值的对象 (the mapping must be "
                           "an object: old element id -> new element id)")
    known = set(target.spec.task_specs)
    for sub in target.subprocess_specs.values():
        known |= set(sub.task_specs)
    clean: dict[str, str] = {}
    for old, new in mapping.items():
        if not isinstance(new, str) or not new:
            continue
        if new not in known:
            raise InvalidInput(f"映射中的 {new!r} 在第 {target.version} 版中不存在 (the mapping "
                               f"names {new!r}, which version {target.version} does not have)")
        clean[str(old)] = new
    return clean


def _running(conn: Connection, definition_id: int) -> list[int]:
    return list(conn.execute(sa.select(process_case.c.id).where(
        process_case.c.definition_id == definition_id,
        process_case.c.status.in_(RUNNING)).order_by(process_case.c.id)).scalars())


def preview(conn: Connection, engine: Engine, key: str, from_version: int, to_version: int,
            mapping: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Which running cases of ``from_version`` move cleanly to ``to_version``."""
    if from_version == to_version:
        raise InvalidInput(SAME_VERSION)
    suggested = suggested_mapping(conn, engine, key, from_version, to_version)
    items: list[dict[str, Any]] = []
    source = _definition(conn, engine, key, from_version)
    target = _definition(conn, engine, key, to_version)
    given = _check_mapping(target, mapping or {})
    for case_id in _running(conn, source.id):
        row = conn.execute(sa.select(process_case.c.id, process_case.c.definition_id,
                                     process_case.c.status, process_case.c.revision,
                                     process_case.c.started_by)
                           .where(process_case.c.id == case_id)).one()
        case = CaseRow(row.id, row.definition_id, row.status, row.revision, row.started_by)
        items.append(_try(engine, conn, case, source, target, given))
    needed = sorted({i["element_id"] for i in items if i.get("needs_mapping")})
    return {"key": key, "from_version": from_version, "to_version": to_version,
            "mapping": given, "suggested_mapping": suggested, "needs_mapping": needed,
            "cases": items, "summary": {
                "total": len(items), "clean": sum(1 for i in items if i["ok"]),
                "blocked": sum(1 for i in items if not i["ok"])}}


def _try(engine: Engine, conn: Connection, row: CaseRow, source: Definition,
         target: Definition, mapping: dict[str, str]) -> dict[str, Any]:
    workflow = engine.store.serializer.loads(
        conn.execute(sa.select(process_case.c.state).where(process_case.c.id == row.id))
        .scalar_one(), source.spec, source.subprocess_specs, engine.script_engine)
    item: dict[str, Any] = {"case_id": row.id, "revision": row.revision, "status": row.status,
                            "positions": positions(workflow)}
    if row.status != "active":
        item.update(ok=False, reason=OPEN_INCIDENT)
        return item
    try:
        outcome = Rebinder(target.spec, target.subprocess_specs, mapping,
                           engine.store.serializer.registry, target.version).rebind(workflow)
    except Blocked as exc:
        item.update(ok=False, reason=exc.reason, element_id=exc.element,
                    needs_mapping="map it" in exc.reason)
        return item
    item.update(ok=True, **outcome.as_dict())
    return item


# -- batches -------------------------------------------------------------------------


def start_batch(conn: Connection, engine: Engine, key: str, from_version: int,
                to_version: int, mapping: Mapping[str, Any] | None, actor: Actor) -> int:
    """Record a batch of every running case of ``from_version``; the caller then moves its
    pending cases (``pending_items``), each with ``migrate_case`` in a transaction of its
    own, and calls ``finish_if_done``."""
    if from_version == to_version:
        raise InvalidInput(SAME_VERSION)
    now = engine.clock.now()
    source = _definition(conn, engine, key, from_version)
    target = _definition(conn, engine, key, to_version)
    given = _check_mapping(target, mapping or {})
    cases = _running(conn, source.id)
    batch_id = new_id(conn.execute(sa.insert(migration_batch).values(
        process_key=key, from_version=from_version, to_version=to_version,
        mapping=json.dumps(given, ensure_ascii=False, sort_keys=True), status="running",
        total=len(cases), moved=0, blocked=0, created_by=actor.id, created_at=now)))
    if cases:
        conn.execute(sa.insert(migration_case), [
            {"batch_id": batch_id, "case_id": c, "status": "pending"} for c in cases])
    journal.record(conn, actor=actor.id, action="migration.started",
                   subject=f"process:{key}", at=now, payload={
                       "batch": batch_id, "from_version": from_version,
                       "to_version": to_version, "mapping": given, "cases": len(cases)})
    return batch_id


@dataclass(frozen=True)
class BatchItem:
    item_id: int
    case_id: int
    process_key: str
    from_version: int
    to_version: int
    mapping: dict[str, str]


def pending_items(conn: Connection, batch_id: int, limit: int | None = None) -> list[BatchItem]:
    """The batch's cases still to move, oldest first."""
    batch = conn.execute(sa.select(migration_batch).where(
        migration_batch.c.id == batch_id)).one_or_none()
    if batch is None:
        raise NotFound(f"迁移批次 {batch_id} 不存在 (migration batch {batch_id} does not exist)")
    query = sa.select(migration_case.c.id, migration_case.c.case_id).where(
        migration_case.c.batch_id == batch_id, migration_case.c.status == "pending"
    ).order_by(migration_case.c.id)
    mapping = json.loads(batch.mapping)
    return [BatchItem(item_id, case_id, batch.process_key, batch.from_version,
                      batch.to_version, mapping)
            for item_id, case_id in conn.execute(query.limit(limit) if limit else query)]


def mark_blocked(conn: Connection, engine: Engine, item_id: int, reason: str) -> None:
    conn.execute(sa.update(migration_case).where(migration_case.c.id == item_id)
                 .values(status="blocked", reason=reason[:1000], at=engine.clock.now()))


def run_batch(engine: Engine, transaction: Transaction, batch_id: int, actor: Actor,
              limit: int | None = None) -> dict[str, Any]:
    """Move up to ``limit`` pending cases of the batch (all by default), each in a
    transaction of its own that ``transaction()`` opens (the engine never commits); a case
    that cannot move is marked blocked with the reason. Returns the batch's status."""
    with transaction() as conn:
        pending = pending_items(conn, batch_id, limit)
    for item in pending:
        try:
            with transaction() as conn:
                migrate_case(conn, engine, item.case_id, item.process_key, item.from_version,
                             item.to_version, item.mapping, actor, item_id=item.item_id)
            continue
        except Blocked as exc:
            reason = exc.reason
        except Exception as exc:  # anything else: that case's transaction rolled back
            log.exception("migrating case %s failed", item.case_id)
            reason = f"迁移出错 ({type(exc).__name__}: {exc})"
        with transaction() as conn:
            mark_blocked(conn, engine, item.item_id, reason)
    with transaction() as conn:
        finish_if_done(conn, engine, batch_id, actor)
        return batch_status(conn, batch_id)


def finish_if_done(conn: Connection, engine: Engine, batch_id: int, actor: Actor) -> None:
    """Count the batch's results; once no case is pending, the batch is done."""
    now = engine.clock.now()
    rows = conn.execute(sa.select(migration_case.c.status, sa.func.count())
                        .where(migration_case.c.batch_id == batch_id)
                        .group_by(migration_case.c.status)).all()
    counts: dict[str, int] = {str(status): int(n) for status, n in rows}
    values: dict[str, Any] = {"moved": counts.get("moved", 0),
                              "blocked": counts.get("blocked", 0)}
    batch = conn.execute(sa.select(migration_batch).where(
        migration_batch.c.id == batch_id)).one()
    if not counts.get("pending") and batch.status == "running":
        values.update(status="done", finished_at=now)
        journal.record(conn, actor=actor.id, action="migration.finished",
                       subject=f"process:{batch.process_key}", at=now, payload={
                           "batch": batch_id, "from_version": batch.from_version,
                           "to_version": batch.to_version, **values})
    conn.execute(sa.update(migration_batch).where(migration_batch.c.id == batch_id)
                 .values(**values))


def batch_status(conn: Connection, batch_id: int) -> dict[str, Any]:
    batch = conn.execute(sa.select(migration_batch).where(
        migration_batch.c.id == batch_id)).one_or_none()
    if batch is None:
        raise NotFound(f"迁移批次 {batch_id} 不存在 (migration batch {batch_id} does not exist)")
    cases = conn.execute(sa.select(migration_case).where(
        migration_case.c.batch_id == batch_id).order_by(migration_case.c.id)).all()
    done = sum(1 for c in cases if c.status != "pending")
    return {"id": batch.id, "key": batch.process_key, "from_version": batch.from_version,
            "to_version": batch.to_version, "mapping": json.loads(batch.mapping),
            "status": batch.status, "total": batch.total, "moved": batch.moved,
            "blocked": batch.blocked, "done": done, "created_by": batch.created_by,
            "created_at": batch.created_at.isoformat(),
            "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
            "cases": [{"case_id": c.case_id, "status": c.status, "reason": c.reason,
                       "from_revision": c.from_revision, "to_revision": c.to_revision}
                      for c in cases]}


# -- one case ------------------------------------------------------------------------


def migrate_case(conn: Connection, engine: Engine, case_id: int, key: str, from_version: int,
                 to_version: int, mapping: Mapping[str, str], actor: Actor,
                 item_id: int | None = None) -> dict[str, Any]:
    """Move one case in the caller's transaction; raises Blocked if it cannot (roll back:
    nothing changed)."""
    row = engine.store.lock(conn, case_id)
    source = engine.definitions.get(conn, row.definition_id)
    if (source.key, source.version) != (key, from_version):
        raise Blocked(f"案件现在处于 {source.key} 第 {source.version} 版，不是第 {from_version} 版 "
                      f"(the case is on {source.key} version {source.version} now, not version "
                      f"{from_version})")
    if row.status != "active":
        raise Blocked(OPEN_INCIDENT if row.status == "incident"
                      else f"案件处于 {row.status} 状态，不能迁移 (the case is {row.status})")
    target = _definition(conn, engine, key, to_version)
    workflow = engine.store.load_fresh(conn, row, source)
    at = positions(workflow)
    outcome = Rebinder(target.spec, target.subprocess_specs, mapping,
                       engine.store.serializer.registry, target.version).rebind(workflow)
    now = engine.clock.now()
    revision = row.revision
    try:
        result = _advance(engine, conn, row, target, workflow, actor, now)
    except Conflict:
        raise
    except Exception as exc:
        raise Blocked(f"案件无法在第 {to_version} 版上运行 (the case could not run on version "
                      f"{to_version}: {type(exc).__name__}: {exc})"[:1000]) from exc
    payload = {"from_version": from_version, "to_version": to_version, "positions": at,
               **outcome.as_dict(), "now_at": result, "batch": None}
    if item_id is not None:
        payload["batch"] = conn.execute(sa.select(migration_case.c.batch_id).where(
            migration_case.c.id == item_id)).scalar()
        conn.execute(sa.update(migration_case).where(migration_case.c.id == item_id)
                     .values(status="moved", from_revision=revision,
                             to_revision=row.revision, at=now))
    audit.append(conn, case_id, actor.id, "migrated", payload, now)
    on_commit(conn, lambda: engine.store.live.evict(case_id))
    return {**payload, "ok": True, "case_id": case_id, "revision": row.revision}


def _close_vanished(conn: Connection, case_id: int, workflow: Any, now: datetime) -> None:
    """Open inbox rows whose task the re-binding replaced: cancelled (the mirror then opens
    rows for the tasks that took their place)."""
    alive = {str(t.id) for t in all_tasks(workflow)}
    gone = [r.id for r in conn.execute(sa.select(human_task.c.id, human_task.c.spiff_task_id)
                                       .where(human_task.c.case_id == case_id,
                                              human_task.c.state == "open"))
            if r.spiff_task_id not in alive]
    if gone:
        conn.execute(sa.update(human_task).where(human_task.c.id.in_(gone))
                     .values(state="cancelled", completed_at=now))


def _advance(engine: Engine, conn: Connection, row: CaseRow, target: Definition,
             workflow: Any, actor: Actor, now: datetime) -> list[str]:
    """Run what the new version calls for, mirror tasks and timers, check and save."""
    savepoint = conn.begin_nested()
    try:
        with bound_clock(engine.clock), step_context(
                StepContext(conn=conn, case_id=row.id, actor=actor, now=now)):
            pending = engine.stepper._run(workflow, [], engine.stepper.budget)
            compact(workflow)
            conn.execute(sa.update(process_case).where(process_case.c.id == row.id)
                         .values(definition_id=target.id))
            _close_vanished(conn, row.id, workflow, now)
            active = engine.mirror.sync(conn, row.id, workflow, now)
            sync_timers(conn, row.id, workflow, now)
        blob = engine.store.serializer.dumps(workflow)
        engine.store.serializer.loads(blob, target.spec, target.subprocess_specs,
                                      engine.script_engine)  # it must load back
        row.definition_id = target.id
        status = "active" if has_unfinished(workflow) else "completed"
        if pending:
            engine.stepper.request_continuation(conn, row.id, now)
        engine.store.save(conn, row, workflow, status, now)
        engine.stepper._tell(conn, row, target, workflow, status, active, now)
        savepoint.commit()
    except Exception:
        savepoint.rollback()
        raise
    return sorted({element for _, element, _ in active})
