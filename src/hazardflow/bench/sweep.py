"""``hazardflow bench sweep``: due timers drained by real Celery workers on PostgreSQL.

1. A scratch PostgreSQL schema is migrated and a small process is deployed: five timers in
   parallel (``PT1H``), each followed by an end event of its own, so each case waits on five
   timers at once (no joining gateway: its cost in SpiffWorkflow is not the sweep's).
2. ``timers / 5`` cases are started on an engine clock set two hours back: SpiffWorkflow
   sees every timer as due. Their rows' ``due_at`` is then set to the moment of release, so
   the lag (due → fired) is measured from when they fall due, not from the seeding.
3. ``workers`` ``celery worker`` processes (one process each) start on a Redis database of
   their own; at the release the sweep task is sent, as beat would send it
   (``hazardflow.sweep``); it enqueues the drain tasks, and each worker claims chunks of
   cases with ``FOR UPDATE SKIP LOCKED`` and fires them until none is due.
4. When no timer is left due, the figures: timers per second (from the release to the last
   timer fired), the lag at p50 and p99, and the check that no timer fired twice: every
   case completed, with exactly one timer step in its audit chain (a second firing would
   be a second step) and every timer row fired once.

A benchmark prints figures; it asserts nothing beyond the no-double-firing check it reports.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hazardflow.bench.api import _percentile, _runtime
from hazardflow.bench.engine import _postgres_schema

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"  # a database of the bench's own
TIMERS_PER_CASE = 5
SEED_BATCH = 200  # cases started per transaction


def _bpmn() -> bytes:
    timers = "".join(f"""
    <bpmn:sequenceFlow id="F_in{i}" sourceRef="Fork" targetRef="Wait{i}" />
    <bpmn:intermediateCatchEvent id="Wait{i}" name="Wait {i}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="F_out{i}" sourceRef="Wait{i}" targetRef="Finish{i}" />
    <bpmn:endEvent id="Finish{i}" />"""
                     for i in range(TIMERS_PER_CASE))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="Defs_bench_timers" targetNamespace="http://hazardflow/bench">
  <bpmn:process id="bench_timers" name="Bench timers" isExecutable="true">
    <bpmn:startEvent id="Begin" />
    <bpmn:sequenceFlow id="F_start" sourceRef="Begin" targetRef="Fork" />
    <bpmn:parallelGateway id="Fork" />{timers}
  </bpmn:process>
</bpmn:definitions>""".encode()


def _seed(db: sa.Engine, cases: int, say: Callable[[str], None]) -> None:
    from hazardflow.engine import FixedClock
    from hazardflow.engine.db import write_transaction
    from hazardflow.engine.services import SYSTEM

    rt = _runtime(db, FixedClock(datetime.now(UTC) - timedelta(hours=2)))
    with write_transaction(db) as conn:
        rt.engine.deploy(conn, _bpmn(), {}, actor="bench")
    for first in range(0, cases, SEED_BATCH):
        with write_transaction(db) as conn:
            definition = rt.engine.definitions.resolve(conn, "bench_timers")
            for _ in range(min(SEED_BATCH, cases - first)):
                rt.engine.start_case_within(conn, definition, {}, SYSTEM)
        say(f"  {min(first + SEED_BATCH, cases)} / {cases} cases")
    rt.close()


@contextmanager
def _workers(database_url: str, broker: str, count: int, workdir: Path) -> Iterator[None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDFLOW_")}
    env.update({"HAZARDFLOW_DATABASE_URL": database_url, "HAZARDFLOW_BROKER_URL": broker,
                "HAZARDFLOW_INSTANCE_PATH": str(workdir), "HAZARDFLOW_SCHEDULER": "false",
                "HAZARDFLOW_SECRET_KEY": "bench", "PYTHONUNBUFFERED": "1"})
    procs, logs = [], []
    for n in range(count):
        log = workdir / f"worker{n}.log"
        logs.append(log)
        with log.open("ab") as out:
            procs.append(subprocess.Popen(  # noqa: S603 -- our own interpreter and module
                [sys.executable, "-m", "celery", "-A", "hazardflow.worker", "worker",
                 "--concurrency=1", "--loglevel=WARNING", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-n", f"bench{n}-{os.getpid()}@%h"],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        yield
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the worker and its child
        for proc, log in zip(procs, logs, strict=True):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            if proc.returncode not in (0, -signal.SIGTERM):
                sys.stderr.write(log.read_text(errors="replace")[-2000:])


def _warm_up(client: Any, workers: int, seconds: float = 120.0) -> None:
    """Wait until every worker answers a ping, then let each build its runtime (drain tasks
    with nothing yet due: the timers' rows are not due until the release)."""
    from hazardflow.worker import DRAINERS

    deadline = time.monotonic() + seconds
    while len(client.control.ping(timeout=1.0) or []) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {workers} worker(s) answered within {seconds} s")
    for _ in range(DRAINERS):
        client.send_task("hazardflow.drain_timers")
    time.sleep(2.0)  # the drains run (each finds nothing due) while the workers settle


def _count_due(db: sa.Engine) -> int:
    from hazardflow.engine.schema import timer

    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(timer).where(
            timer.c.fired_at.is_(None), timer.c.case_id.is_not(None))).scalar_one())


def _figures(db: sa.Engine, released: datetime) -> dict[str, Any]:
    from hazardflow.engine.schema import audit_event, process_case, timer

    with db.connect() as conn:
        rows = conn.execute(sa.select(timer.c.due_at, timer.c.fired_at).where(
            timer.c.case_id.is_not(None))).all()
        steps = conn.execute(sa.select(audit_event.c.case_id, sa.func.count())
                             .where(audit_event.c.action == "timer")
                             .group_by(audit_event.c.case_id)).all()
        statuses: dict[str, int] = {
            str(status): int(n) for status, n in conn.execute(
                sa.select(process_case.c.status, sa.func.count())
                .group_by(process_case.c.status))}
    fired = [r for r in rows if r.fired_at is not None]
    lags = [(r.fired_at - r.due_at).total_seconds() for r in fired]
    seconds = (max(r.fired_at for r in fired) - released).total_seconds() if fired else 0.0
    cases = sum(statuses.values())
    twice = sum(1 for _, n in steps if n != 1) + (cases - len(steps))
    return {"timers_fired": len(fired), "timers_left": len(rows) - len(fired),
            "drain_seconds": round(seconds, 3),
            "timers_per_s": round(len(fired) / seconds, 1) if seconds > 0 else 0.0,
            "lag_p50_s": round(_percentile(lags, 0.50), 3) if lags else None,
            "lag_p99_s": round(_percentile(lags, 0.99), 3) if lags else None,
            "cases_completed": int(statuses.get("completed", 0)),
            "cases_not_one_timer_step": twice,
            "fired_twice": "none" if twice == 0 and len(fired) == len(rows) else "CHECK FAILED"}


def run(timers: int = 10_000, workers: int = 2, database_url: str = DEFAULT_URL,
        broker: str = DEFAULT_BROKER, progress: Callable[[str], None] | None = None,
        wait_seconds: float = 600.0) -> dict[str, Any]:
    """The figures as one dict (see the module's docstring)."""
    from hazardflow.config import load_settings
    from hazardflow.db import upgrade
    from hazardflow.engine.db import make_engine
    from hazardflow.engine.schema import timer
    from hazardflow.worker import create_celery

    say = progress or (lambda _: None)
    cases = math.ceil(timers / TIMERS_PER_CASE)
    settings = load_settings(env={}, overrides={"broker_url": broker,
                                                 "database_url": database_url})
    out: dict[str, Any] = {"timers": cases * TIMERS_PER_CASE, "cases": cases,
                           "workers": workers, "sweep_interval_s":
                           settings.scheduler_interval_seconds, "cpus": os.cpu_count(),
                           "load_average_1m": round(os.getloadavg()[0], 2)}
    url, drop = _postgres_schema(database_url)
    db = make_engine(url)
    client = create_celery(settings)
    try:
        say("migrating a scratch schema")
        upgrade(db)
        say(f"starting {cases} case(s), {TIMERS_PER_CASE} timers each")
        _seed(db, cases, say)
        client.control.purge()  # the bench's own broker database: nothing of anyone else
        with db.begin() as conn:  # not due until the release
            conn.execute(sa.update(timer).values(due_at=datetime.now(UTC) + timedelta(days=1)))
        with tempfile.TemporaryDirectory(prefix="hazardflow-bench-") as tmp, \
                _workers(url, broker, workers, Path(tmp)):
            say(f"{workers} worker(s) starting")
            _warm_up(client, workers)
            released = datetime.now(UTC)
            with db.begin() as conn:
                conn.execute(sa.update(timer).where(timer.c.fired_at.is_(None))
                             .values(due_at=released))
            client.send_task("hazardflow.sweep", args=[released.isoformat()])
            say("sweep sent; waiting for every timer to fire")
            deadline = time.monotonic() + wait_seconds
            while _count_due(db) and time.monotonic() < deadline:
                time.sleep(0.5)
        out["load_average_1m_after"] = round(os.getloadavg()[0], 2)
        out.update(_figures(db, released))
    finally:
        db.dispose()
        drop()
    out["goals"] = {"timers_per_s >= 1000 (2 workers)": out["timers_per_s"] >= 1000,
                    "lag_p99_s < sweep interval + 5 s": out["lag_p99_s"] is not None and
                    out["lag_p99_s"] < out["sweep_interval_s"] + 5,
                    "no timer fired twice": out["fired_twice"] == "none"}
    return out
