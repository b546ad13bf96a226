"""Firing the due timers of a chunk of claimed cases with a few statements for the chunk.

The parallel sweep (:mod:`.sweep`) claims cases in chunks under ``FOR UPDATE SKIP LOCKED``.
Fired one by one, each case cost nine statements (savepoint, lock, due check, state, timers
retired, save, audit record, release). Here a chunk is read in three statements (the cases'
rows with their state, their unfired timers, their open tasks), each case's step runs in
memory as :meth:`Stepper.advance` runs it, and the chunk is written in two: one ``UPDATE``
retiring the fired timers, and on PostgreSQL one statement saving every case and appending
its audit record (``WITH v AS (unnest …), saved AS (UPDATE process_case … FROM v WHERE the
tail is where the lock found it) INSERT INTO audit_event … FROM saved``); on SQLite each case
is saved as a step saves it.

What stays per case is what only some cases need: a savepoint before a service task (its
handler is given the connection), rows of tasks a timer opens or closes, the incident of a
step that fails (written at once; that case is left out of the chunk's save, the others
fire). Listeners are told of each case as a step tells them, before the chunk's save is
written (they are given the case's view, not its row). Anything else that raises (a
statement that fails, a state that does not load) propagates: the caller rolls the chunk
back to its savepoint and fires its cases one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit
from .clock import FixedClock, bound_clock
from .schema import human_task, process_case, timer
from .services import SYSTEM
from .steps import Deferred
from .store import _ROW, _case_row
from .sync import RETIRE_TIMERS, mirrored

if TYPE_CHECKING:
    from .runtime import Engine

_B = sa.bindparam
CASES = (sa.select(*_ROW, process_case.c.state)
         .where(process_case.c.id.in_(_B("ids", expanding=True))))
TIMERS = (sa.select(timer.c.id, timer.c.case_id, timer.c.spiff_task_id, timer.c.due_at)
          .where(timer.c.case_id.in_(_B("ids", expanding=True)), timer.c.fired_at.is_(None)))
TASKS = (sa.select(human_task.c.id, human_task.c.case_id, human_task.c.spiff_task_id,
                   human_task.c.element_id, human_task.c.name)
         .where(human_task.c.case_id.in_(_B("ids", expanding=True)),
                human_task.c.state == "open"))
# PostgreSQL: every case's save and audit record in one statement. A case is saved only if
# its chain's tail is still where the lock found it; the others are saved one by one.
# UtcDateTime columns hold naive UTC.
SAVE_CHUNK = sa.text("""
WITH v AS (
  SELECT * FROM unnest(CAST(:ids AS integer[]), CAST(:states AS bytea[]),
                       CAST(:statuses AS varchar[]), CAST(:revisions AS integer[]),
                       CAST(:prev_seqs AS integer[]), CAST(:seqs AS integer[]),
                       CAST(:hashes AS varchar[]), CAST(:prev_hashes AS varchar[]),
                       CAST(:actors AS varchar[]), CAST(:actions AS varchar[]),
                       CAST(:elements AS varchar[]), CAST(:payloads AS text[]),
                       CAST(:ats AS timestamp[]))
    AS v(id, state, status, revision, prev_seq, seq, hash, prev_hash, actor, action,
         element_id, payload, at)),
saved AS (
  UPDATE process_case AS p
     SET state = v.state, status = v.status, revision = v.revision, updated_at = v.at,
         completed_at = CASE WHEN v.status = 'completed' THEN v.at ELSE p.completed_at END,
         audit_seq = v.seq, audit_hash = v.hash
    FROM v
   WHERE p.id = v.id AND p.audit_seq = v.prev_seq
  RETURNING v.id, v.seq, v.hash, v.prev_hash, v.actor, v.action, v.element_id, v.payload,
            v.at)
INSERT INTO audit_event (case_id, seq, actor, action, element_id, payload, at, prev_hash,
                         hash)
SELECT id, seq, actor, action, element_id, payload, at, prev_hash, hash FROM saved
RETURNING case_id
""")


def fire_chunk(engine: Engine, conn: Connection, case_ids: Sequence[int],
               now: datetime) -> dict[int, bool]:
    """Fire the due timers of claimed (locked) cases at ``now``: case id -> whether it
    fired (False: nothing was due any more, or the case is no longer active). A case whose
    step failed fired into an incident, as a single case's sweep does."""
    ids = list(case_ids)
    rows = {int(r.id): r for r in conn.execute(CASES, {"ids": ids})}
    timers: dict[int, list[Any]] = defaultdict(list)
    for t in conn.execute(TIMERS, {"ids": ids}):
        timers[int(t.case_id)].append(t)
    tasks: dict[int, dict[str, tuple[int, str, str]]] = defaultdict(dict)
    for task in conn.execute(TASKS, {"ids": ids}):
        tasks[int(task.case_id)][task.spiff_task_id] = (int(task.id), task.element_id,
                                                        task.name)
    # SpiffWorkflow fires a timer once its due time is strictly in the past (as
    # Drivers.fire_case_timers)
    clock = FixedClock(now + timedelta(microseconds=1))
    deferred = Deferred()
    done: dict[int, bool] = {}
    for case_id in ids:
        found = rows.get(case_id)
        if found is None or found.status != "active" \
                or not any(t.due_at <= now for t in timers[case_id]):
            done[case_id] = False  # another sweeper fired it first
            continue
        row = _case_row(found)
        definition = engine.definitions.get(conn, row.definition_id)
        workflow = engine.store.live.take(row.id, row.revision)
        if workflow is None:
            workflow = engine.store.serializer.loads(found.state, definition.spec,
                                                     definition.subprocess_specs,
                                                     engine.store.script_engine)
            known = mirrored(workflow)
            known.tasks = dict(tasks[case_id])
            known.timers = {t.spiff_task_id: (int(t.id), t.due_at) for t in timers[case_id]}
        with bound_clock(clock):
            workflow.refresh_timers()
        result, workflow = engine.stepper.advance(
            conn, row, definition, workflow, SYSTEM, action="timer", origin="timer",
            reapply=None, payload={"now": now.isoformat()}, now=now, clock=clock,
            budget=engine.driver_budget, deferred=deferred)
        if result.incident_id is not None:
            engine.remember_after_commit(conn, row, workflow)
        done[case_id] = True
    _write(engine, conn, deferred)
    for row, workflow, *_ in deferred.saves:
        engine.remember_after_commit(conn, row, workflow)
    return done


def _write(engine: Engine, conn: Connection, deferred: Deferred) -> None:
    """The chunk's writes: timers retired, then every case's save with its audit record."""
    for at, timer_ids in deferred.retire.items():
        conn.execute(RETIRE_TIMERS, {"ids": timer_ids, "now": at})
    if not deferred.saves:
        return
    if conn.dialect.name != "postgresql":
        for row, workflow, status, at, entry in deferred.saves:
            engine.store.save(conn, row, workflow, status, at, entry)
        return
    records = []
    blobs = []
    for row, workflow, _, _, entry in deferred.saves:
        assert row.audit_seq is not None and row.audit_hash is not None  # read with the row
        records.append(audit.chained(row.id, row.audit_seq + 1, row.audit_hash, entry))
        blobs.append(engine.store.serializer.dumps(workflow))
    saves = deferred.saves
    saved = {int(i) for i in conn.execute(SAVE_CHUNK, {
        "ids": [row.id for row, *_ in saves], "states": blobs,
        "statuses": [status for _, _, status, _, _ in saves],
        "revisions": [row.revision + 1 for row, *_ in saves],
        "prev_seqs": [row.audit_seq for row, *_ in saves],
        "seqs": [r["seq"] for r in records], "hashes": [r["hash"] for r in records],
        "prev_hashes": [r["prev_hash"] for r in records],
        "actors": [r["actor"] for r in records], "actions": [r["action"] for r in records],
        "elements": [r["element_id"] for r in records],
        "payloads": [r["payload"] for r in records],
        "ats": [_naive(r["at"]) for r in records]}).scalars()}
    for (row, workflow, status, at, entry), record in zip(saves, records, strict=True):
        if row.id in saved:
            row.revision += 1
            row.status = status
            row.audit_seq, row.audit_hash = record["seq"], record["hash"]
        else:  # the log grew since the lock: saved and chained as a single step saves
            engine.store.save(conn, row, workflow, status, at, entry)


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)

