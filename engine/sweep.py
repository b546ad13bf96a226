"""The one sweep both drivers run: fire due timers and finish what requests left behind.

The engine never commits, so the sweep asks its caller for transactions: ``transaction()``
opens one and commits it on leaving. Each timer and each case is advanced in a transaction
of its own, so one broken case is logged and skipped without holding back the others (its
failure inside the process is an incident already). The embedded scheduler calls
:func:`sweep` directly; Celery beat calls :meth:`Engine.due_work` and fans the same ids out
to workers, each calling the same per-case function.

**Timers in parallel (PostgreSQL).** :func:`drain` loops: in one transaction it claims a
chunk of cases with a due timer (``SELECT … FOR UPDATE OF process_case SKIP LOCKED``, the
earliest due first, ``LIMIT chunk``), fires each claimed case's due timers in one step with
the chunk's statements (:mod:`.chunk`: three reads and two writes for the whole chunk; a step
that fails is an incident and the others still fire) and commits; then it claims the next
chunk, until none is due. If the chunk raises (a statement failed), it is rolled back to its
savepoint and its cases are fired one by one, each in a savepoint of its own, so one broken
case is logged and rolled back alone. Several sweepers (Celery workers) drain at once and
never meet: a case locked by one is skipped by the others. The claim is the case row, not the
timer row, because a case's timers change only under its lock: claiming timer rows could split
one case's timers between two sweepers that then wait on each other. A timer fires at most
once: its ``fired_at`` is written in the step's transaction, under the claim, and a case is
fired only while it still has an unfired due timer. On SQLite (one writer) a single sweeper
fires case by case, as before.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .chunk import fire_chunk
from .db import AFTER_COMMIT
from .schema import process_case, timer

if TYPE_CHECKING:
    from .runtime import Engine

SWEEP_LIMIT = 500  # timers, timer cases and outbox cases taken per sweep, each
CHUNK = 50  # cases claimed per transaction by a parallel sweeper
DRAIN_SECONDS = 60.0  # a drain stops claiming after this long; the next sweep goes on
Transaction = Callable[[], contextlib.AbstractContextManager[Connection]]
log = logging.getLogger("hazardflow.sweep")


@dataclass(frozen=True)
class SweepResult:
    started: int = 0  # cases started by timer start events
    fired: int = 0  # cases whose timers fired
    continued: int = 0  # cases continued from the outbox
    failed: int = 0  # items that raised (logged; their case holds an incident or retries)
    timers: int = 0  # timers fired (a case fires all of its due timers in one step)

    @property
    def advanced(self) -> int:
        return self.started + self.fired + self.continued


def _one(transaction: Transaction, work: Callable[[Connection], bool], what: str) -> bool | None:
    try:
        with transaction() as conn:
            return work(conn)
    except Exception:
        log.exception("sweep: %s failed", what)
        return None


def sweep(engine: Engine, transaction: Transaction, now: datetime | None = None,
          limit: int = SWEEP_LIMIT) -> SweepResult:
    """Fire every timer due at ``now`` and continue every case left in the outbox."""
    now = now or engine.clock.now()
    with transaction() as conn:
        due = engine.due_work(conn, now, limit)
        parallel = conn.dialect.name == "postgresql"
    if parallel and due.timer_cases:  # chunks claimed with SKIP LOCKED, as workers do
        drained = drain(engine, transaction, lambda: now, limit=limit)
        due = type(due)(due.start_timers, [], due.outbox_cases)
    else:
        drained = SweepResult()
    started = [_one(transaction, partial(engine.fire_start_timer, timer_id=t, now=now),
                    f"start timer {t}") for t in due.start_timers]
    fired = [_one(transaction, partial(engine.fire_case_timers, case_id=c, now=now),
                  f"timers of case {c}") for c in due.timer_cases]
    continued = [_one(transaction, partial(engine.continue_case, case_id=c),
                      f"continuing case {c}") for c in due.outbox_cases]
    everything = [*started, *fired, *continued]
    return SweepResult(started=sum(1 for v in started if v),
                       fired=drained.fired + sum(1 for v in fired if v),
                       continued=sum(1 for v in continued if v),
                       failed=drained.failed + sum(1 for v in everything if v is None),
                       timers=drained.timers)


def claim_timer_cases(conn: Connection, now: datetime, limit: int,
                      skip: Collection[int] = ()) -> list[tuple[int, int]]:
    """Lock up to ``limit`` active cases with a due timer, the earliest due first, passing
    over cases another transaction holds (PostgreSQL) and those in ``skip``; each claimed
    case's id with its number of due timers."""
    due = (sa.select(timer.c.case_id, sa.func.min(timer.c.due_at).label("first_due"),
                     sa.func.count().label("timers"))
           .where(timer.c.fired_at.is_(None), timer.c.due_at <= now,
                  timer.c.case_id.is_not(None))
           .group_by(timer.c.case_id).cte("due"))
    query = (sa.select(process_case.c.id, due.c.timers)
             .join(due, due.c.case_id == process_case.c.id)
             .where(process_case.c.status == "active")
             .order_by(due.c.first_due, process_case.c.id).limit(limit))
    if skip:
        query = query.where(process_case.c.id.not_in(list(skip)))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=process_case, skip_locked=True)
    return [(int(r[0]), int(r[1])) for r in conn.execute(query)]


def _fire_in_savepoint(engine: Engine, conn: Connection, case_id: int,
                       now: datetime) -> bool | None:
    """Fire one claimed case's due timers; on failure roll back only this case (and drop
    what it asked to run after the commit) and answer None."""
    callbacks = conn.info.setdefault(AFTER_COMMIT, [])
    mark = len(callbacks)
    try:
        with conn.begin_nested():
            return engine.fire_case_timers(conn, case_id, now)
    except Exception:
        del callbacks[mark:]
        log.exception("sweep: timers of case %s failed", case_id)
        return None


def _fire_claimed(engine: Engine, conn: Connection, case_ids: list[int],
                  now: datetime) -> dict[int, bool | None]:
    """Fire a claimed chunk with the chunk's statements (:func:`.chunk.fire_chunk`) in a
    savepoint; if that raises, roll it back and fire the cases one by one, each in a
    savepoint of its own (one broken case is then logged and skipped alone)."""
    if not case_ids:
        return {}
    callbacks = conn.info.setdefault(AFTER_COMMIT, [])
    mark = len(callbacks)
    try:
        with conn.begin_nested():
            return dict(fire_chunk(engine, conn, case_ids, now))
    except Exception:
        del callbacks[mark:]
        log.exception("sweep: a chunk of %s cases failed; firing them one by one",
                      len(case_ids))
    return {c: _fire_in_savepoint(engine, conn, c, now) for c in case_ids}


def drain(engine: Engine, transaction: Transaction, now: Callable[[], datetime] | None = None,
          chunk: int = CHUNK, limit: int | None = None,
          seconds: float = DRAIN_SECONDS) -> SweepResult:
    """Claim and fire chunks of due timer cases until none is due (or ``limit`` cases, or
    ``seconds`` passed); safe to run in several processes at once (see the module)."""
    clock = now or engine.clock.now
    stop = time.monotonic() + seconds
    seen: set[int] = set()
    stuck: set[int] = set()  # failed, or claimed again: not retried by this drain
    fired = failed = timers = 0
    while time.monotonic() < stop and (limit is None or len(seen) < limit):
        with transaction() as conn:
            claimed = claim_timer_cases(conn, clock(), chunk, stuck)
            if not claimed:
                break
            fresh = {}
            for case_id, due in claimed:
                if case_id in seen:
                    stuck.add(case_id)  # fired, yet a timer is still due: leave it be
                    continue
                seen.add(case_id)
                fresh[case_id] = due
            for case_id, done in _fire_claimed(engine, conn, list(fresh), clock()).items():
                if done is None:
                    stuck.add(case_id)
                    failed += 1
                elif done:
                    fired += 1
                    timers += fresh[case_id]
    return SweepResult(fired=fired, failed=failed, timers=timers)
