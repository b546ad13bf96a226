"""Distributed mode with real parts: PostgreSQL, Redis and `celery worker` processes.

The same engine functions the embedded scheduler calls run inside Celery workers: a case left
in the outbox is finished by a worker, and the beat sweep's fan-out fires deadline timers,
each once even when two sweeps race.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.config import load_settings
from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import human_task, outbox
from hazardflow.workflows import demo
from hazardflow.workflows.notifications import TASK_KINDS
from hazardflow.workflows.runtime import seed_definitions
from hazardflow.workflows.schema import notification
from hazardflow.workflows.usecases import cases, tasks
from hazardflow.workflows.users import actor_for

from .distributed import (
    app_env,
    celery_worker,
    flush_redis,
    redis_or_skip,
    scratch_schema,
    wait_for,
)
from .factories import make_runtime, with_uploads

BROKER = os.environ.get("HAZARDFLOW_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated PostgreSQL schema with demo data, an empty Redis queue, two workers."""
    redis_or_skip(BROKER)
    flush_redis(BROKER)
    instance = tmp_path_factory.mktemp("worker-instance")
    with scratch_schema() as (database_url, db):
        worker = celery_worker(app_env(database_url, instance, broker_url=BROKER),
                               instance / "worker.log", f"test-{instance.name}",
                               "--concurrency=2")
        settings = load_settings(env={}, overrides={
            "database_url": database_url, "broker_url": BROKER, "instance_path": str(instance)})
        from hazardflow.worker import create_celery

        try:
            yield {"db": db, "client": create_celery(settings), "log": worker.log,
                   "worker": worker}
        finally:
            worker.stop(grace=20)
            flush_redis(BROKER)


def _engine(db: sa.Engine, **kwargs: Any) -> Any:
    """A runtime over the workers' database (``.db``, the use-cases' ``rt``)."""
    rt = make_runtime(db, FixedClock(T0), **kwargs)
    seed_definitions(rt.engine)
    with write_transaction(db) as conn:
        demo.seed_demo(conn, T0)
    return rt


def _report(rt: Any) -> int:
    with rt.db.connect() as conn:
        inspector = actor_for(conn, "inspector")
    data = {"unit_code": "LA-JA-H01", "location": "锅炉房", "category": "special_equipment",
            "level": "general", "description": "压力表未检定", "photos_before": ["ev-before-1"],
            "source": "inspection"}
    return int(cases.report_hazard(rt, inspector, with_uploads(rt, data, "inspector"))
               ["case"].case_id)


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
    tasks.complete(engine, safety, triage, {
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


def test_beat_drives_the_sweep_that_completes_a_deadline_escalation(
        distributed: dict[str, Any], tmp_path: Any) -> None:
    """A real `celery beat` sends the sweep every second; the worker fires every lapsed rung
    of the ladder (remind, due, overdue, the city's 督办 letter), each once."""
    from .distributed import Process

    now = datetime.now(UTC)
    engine = make_runtime(distributed["db"], FixedClock(now - timedelta(days=12)))
    seed_definitions(engine.engine)
    with write_transaction(distributed["db"]) as conn:
        demo.seed_demo(conn, now)
    case_id = _report(engine)
    with engine.db.connect() as conn:
        safety = actor_for(conn, "safety")
        triage = conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")).scalar_one()
    deadline = (now - timedelta(days=9)).date().isoformat()  # D+7 has passed, D+30 has not
    tasks.complete(engine, safety, triage, {
        "disposition": "order", "responsible_user": "rectifier", "deadline": deadline})
    env = app_env(str(distributed["db"].url.render_as_string(hide_password=False)), tmp_path,
                  broker_url=BROKER, scheduler_interval_seconds="1")
    beat = Process([sys.executable, "-m", "celery", "-A", "hazardflow.worker", "beat",
                    "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")],
                   env, tmp_path / "beat.log").start()

    def kinds() -> list[str]:
        with engine.db.connect() as conn:
            return sorted(set(conn.execute(sa.select(notification.c.kind).where(
                notification.c.case_id == case_id,
                notification.c.kind.not_in(TASK_KINDS))).scalars()))

    try:
        wait_for(lambda: kinds() == ["due", "overdue", "remind", "supervision_letter"],
                 "the escalation ladder", distributed["log"], beat.log)
        time.sleep(3)  # more sweeps: nothing fires twice
        with engine.db.connect() as conn:
            per_kind = dict(conn.execute(
                sa.select(notification.c.kind, sa.func.count(sa.distinct(
                    notification.c.created_at)))
                .where(notification.c.case_id == case_id,
                       notification.c.kind.not_in(TASK_KINDS))
                .group_by(notification.c.kind)).all())
        assert per_kind == {"remind": 1, "due": 1, "overdue": 1, "supervision_letter": 1}
    finally:
        beat.stop(grace=10)


def test_workers_run_the_due_task_notices_and_the_dashboard_rollup(
        distributed: dict[str, Any]) -> None:
    """The two periodic jobs beat schedules besides the sweep, run by a real worker."""
    from hazardflow.workflows.schema_monitor import hazard_stat

    engine = _engine(distributed["db"])
    case_id = _report(engine)  # the triage task is due a day after T0
    client = distributed["client"]
    later = (T0 + timedelta(days=2)).isoformat()
    client.send_task("hazardflow.notify_due_tasks", kwargs={"now": later})
    client.send_task("hazardflow.refresh_dashboard")

    def overdue_notice() -> bool:
        with engine.db.connect() as conn:
            return conn.execute(sa.select(notification.c.id).where(
                notification.c.case_id == case_id,
                notification.c.kind == "task_overdue")).first() is not None

    def rolled_up() -> bool:
        with engine.db.connect() as conn:
            return bool(conn.execute(sa.select(sa.func.count()).select_from(hazard_stat))
                        .scalar())

    wait_for(overdue_notice, "the worker to notify the overdue triage", distributed["log"])
    wait_for(rolled_up, "the worker to roll the ledger up for the dashboard",
             distributed["log"])
