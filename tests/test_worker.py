"""Distributed mode with real parts: PostgreSQL, Redis and `celery worker` processes.

The same engine functions the embedded scheduler calls run inside Celery workers: a case left
in the outbox is finished by a worker, and the beat sweep's fan-out fires deadline timers,
each once even when two sweeps race.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.config import load_settings
from hazardflow.db import upgrade
from hazardflow.engine import FixedClock
from hazardflow.engine.db import make_engine, write_transaction
from hazardflow.engine.schema import human_task, outbox
from hazardflow.workflows import cases, demo
from hazardflow.workflows.runtime import build_engine, seed_definitions
from hazardflow.workflows.schema import notification
from hazardflow.workflows.users import actor_for

from .conftest import REQUIRE_SERVICES, postgres_or_skip

BROKER = os.environ.get("HAZARDFLOW_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=3).ping()
    except Exception as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis at {BROKER} is unreachable: {exc} (required here)")
        pytest.skip(f"!!! SKIPPING CELERY TESTS: Redis at {BROKER} is unreachable: {exc}")


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated PostgreSQL schema with demo data, an empty Redis queue, two workers."""
    postgres_or_skip()
    _redis_or_skip()
    import redis

    from .conftest import PG_URL, pg_schema_url

    redis.Redis.from_url(BROKER).flushdb()
    schema, url = pg_schema_url()
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{url}?options=-csearch_path%3D{schema}"
    db = make_engine(database_url)
    upgrade(db)
    instance = tmp_path_factory.mktemp("worker-instance")
    env = {**os.environ, "HAZARDFLOW_DATABASE_URL": database_url,
           "HAZARDFLOW_BROKER_URL": BROKER, "HAZARDFLOW_INSTANCE_PATH": str(instance)}
    log = Path(instance) / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hazardflow.worker", "worker",
             "--loglevel=INFO", "--concurrency=2", "--without-gossip", "--without-mingle",
             "-n", f"test-{schema}@%h"], env=env, stdout=out, stderr=subprocess.STDOUT)
    settings = load_settings(overrides={"database_url": database_url, "broker_url": BROKER,
                                        "instance_path": str(instance)})
    from hazardflow.worker import create_celery

    client = create_celery(settings)
    try:
        yield {"db": db, "client": client, "log": log, "worker": worker}
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def wait_for(check: Callable[[], bool], what: str, log: Path, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log.exists() else ""
    pytest.fail(f"timed out waiting for {what}; worker log:\n{tail}")


def _engine(db: sa.Engine, **kwargs: Any) -> Any:
    engine = build_engine(db, clock=FixedClock(T0), **kwargs)
    seed_definitions(engine)
    with write_transaction(db) as conn:
        demo.seed_demo(conn, T0)
    return engine


def _report(engine: Any) -> int:
    with engine.db.connect() as conn:
        inspector = actor_for(conn, "inspector")
    data = {"unit_code": "LA-JA-H01", "location": "锅炉房", "category": "special_equipment",
            "level": "general", "description": "压力表未检定", "photos_before": ["ev-1"],
            "source": "inspection"}
    return int(cases.report_hazard(engine, inspector, data)["case"].case_id)


def test_a_case_left_in_the_outbox_is_finished_by_a_worker(distributed: dict[str, Any]) -> None:
    engine = _engine(distributed["db"], step_budget=0)
    case_id = _report(engine)

    def triage_open() -> bool:
        with engine.db.connect() as conn:
            return conn.execute(sa.select(human_task.c.id).where(
                human_task.c.case_id == case_id, human_task.c.element_id == "Task_Triage",
                human_task.c.state == "open")).first() is not None

    assert not triage_open()  # the request only accepted the start
    distributed["client"].send_task("hazardflow.sweep")
    wait_for(triage_open, "the worker to run the case up to triage", distributed["log"])
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.case_id == case_id, outbox.c.done_at.is_(None))).scalar() == 0


def test_the_sweep_fans_out_deadline_timers_each_fired_once(distributed: dict[str, Any]) -> None:
    engine = _engine(distributed["db"])
    case_id = _report(engine)
    with engine.db.connect() as conn:
        safety = actor_for(conn, "safety")
        triage = conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")).scalar_one()
    cases.complete_task(engine, triage, safety, {
        "disposition": "order", "responsible_user": "rectifier", "deadline": "2026-11-20"})
    remind_at = datetime(2026, 11, 17, 16, 0, 1, tzinfo=UTC)  # D-3, end of day in Lu'an

    def reminders() -> int:
        with engine.db.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(notification).where(
                notification.c.case_id == case_id, notification.c.kind == "remind")).scalar())

    client = distributed["client"]
    for _ in range(2):  # two sweeps racing for the same due timer
        client.send_task("hazardflow.sweep", kwargs={"now": remind_at.isoformat()})
    wait_for(lambda: reminders() == 1, "the reminder", distributed["log"])
    client.send_task("hazardflow.sweep", kwargs={"now": (remind_at + timedelta(hours=1))
                                                 .isoformat()})
    time.sleep(3)
    assert reminders() == 1
