"""What operations reads: readiness of the database and the broker, and the work in the
system at one instant (the /metrics gauges)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from hazardflow.engine import FixedClock
from hazardflow.engine.db import make_engine
from hazardflow.engine.schema import human_task, incident, outbox, process_case, timer
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.usecases import operations

from ..conftest import CaseFactory, _filled


class Queue:
    """A work queue whose broker is up or down, with messages waiting."""

    def __init__(self, up: bool, depth: int | None) -> None:
        self.up, self.waiting = up, depth

    def __call__(self, case_id: int) -> None:
        raise AssertionError("nothing is queued here")

    def ping(self) -> None:
        if not self.up:
            raise ConnectionRefusedError("broker down")

    def depth(self) -> int | None:
        return self.waiting


def test_readiness_says_what_answers(rt: Runtime, tmp_path: Path) -> None:
    checks = operations.readiness(rt)
    assert checks == {"database": "ok", "broker": "not used"}
    assert operations.is_ready(checks)
    rt.queue = Queue(up=False, depth=None)
    checks = operations.readiness(rt)
    assert checks == {"database": "ok", "broker": "unreachable: ConnectionRefusedError"}
    assert not operations.is_ready(checks)
    rt.queue = Queue(up=True, depth=None)
    assert operations.readiness(rt)["broker"] == "ok"
    nowhere = make_engine(f"sqlite:///{tmp_path}/no/such/folder/x.db")
    checks = operations.readiness(replace(rt, db=nowhere))
    assert checks == {"database": "unreachable: OperationalError", "broker": "ok"}
    assert not operations.is_ready(checks)


def test_state_counts_the_work_and_how_late_the_timers_are(
        rt: Runtime, clock: FixedClock, make_case: CaseFactory) -> None:
    empty = operations.state(rt)
    assert (empty.cases, empty.open_tasks, empty.completed_tasks, empty.timer_lag_seconds,
            empty.open_incidents, empty.outbox_pending, empty.queue_depth) == (
        {}, 0, 0, 0.0, 0, 0, None)
    now = rt.now()
    with rt.db.begin() as conn:
        first, second = make_case(conn), make_case(conn)
        conn.execute(sa.update(process_case).where(process_case.c.id == second)
                     .values(status="completed"))
        for n, state in enumerate(("open", "open", "completed", "cancelled")):
            conn.execute(human_task.insert().values(_filled(
                human_task, now, case_id=first, spiff_task_id=f"t{n}", state=state)))
        for due, fired in ((now - timedelta(hours=2), None), (now - timedelta(hours=5), now),
                           (now + timedelta(hours=1), None)):
            conn.execute(timer.insert().values(_filled(timer, now, case_id=first, due_at=due,
                                                       fired_at=fired)))
        conn.execute(incident.insert().values(_filled(incident, now, case_id=first)))
        conn.execute(incident.insert().values(_filled(incident, now, case_id=second,
                                                      resolved_at=now)))
        conn.execute(outbox.insert().values(_filled(outbox, now, case_id=first)))
    clock.advance(timedelta(minutes=1))
    rt.queue = Queue(up=True, depth=7)
    found = operations.state(rt)
    assert found.cases == {"active": 1, "completed": 1}
    assert (found.open_tasks, found.completed_tasks) == (2, 1)
    assert found.timer_lag_seconds == 2 * 3600 + 60  # the oldest unfired due timer
    assert (found.open_incidents, found.outbox_pending, found.queue_depth) == (1, 1, 7)
