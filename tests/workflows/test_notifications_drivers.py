"""Both drivers run one job list: the embedded scheduler and Celery beat are generated from
``workflows.jobs.JOBS``, and the due-task notices are one of its jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hazardflow import worker
from hazardflow.engine.scheduler import EmbeddedScheduler, FileLock, PeriodicJob
from hazardflow.workflows.jobs import JOBS, embedded_scheduler
from hazardflow.workflows.notifications import DUE_SWEEP_SECONDS

from .lifecycle import T0, Lifecycle


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_the_embedded_scheduler_runs_due_notices_at_most_once_a_minute(lc: Lifecycle) -> None:
    case_id = lc.report()
    scheduler = embedded_scheduler(lc.rt)
    try:
        lc.set_time(T0 + timedelta(days=1, minutes=1))  # triage is overdue now
        assert "notify_due_tasks" in scheduler.tick()
        assert len(lc.notes(case_id, "task_overdue")) == 3
        lc.set_time(T0 + timedelta(days=1, minutes=1, seconds=DUE_SWEEP_SECONDS - 1))
        assert "notify_due_tasks" not in scheduler.tick()
        lc.set_time(T0 + timedelta(days=1, minutes=2, seconds=1))
        assert "notify_due_tasks" in scheduler.tick()
        assert len(lc.notes(case_id, "task_overdue")) == 3  # still once each
    finally:
        scheduler.stop()


def test_a_failing_job_is_logged_and_the_others_still_run(
        caplog: pytest.LogCaptureFixture) -> None:
    seen: list[datetime] = []

    def broken(now: datetime) -> None:
        raise RuntimeError("mail server down")

    scheduler = EmbeddedScheduler([PeriodicJob("broken", broken), PeriodicJob("ok", seen.append)],
                                  now=lambda: T0)
    assert scheduler.tick() == ["ok"]
    assert seen == [T0]
    assert "periodic job broken failed" in caplog.text


def test_only_the_process_holding_the_lock_runs_the_jobs(tmp_path: Path) -> None:
    ran: list[str] = []
    path = str(tmp_path / "scheduler.lock")
    first = EmbeddedScheduler([PeriodicJob("a", lambda now: ran.append("first"))],
                              now=lambda: T0, lock=FileLock(path))
    second = EmbeddedScheduler([PeriodicJob("a", lambda now: ran.append("second"))],
                               now=lambda: T0, lock=FileLock(path))
    assert first.tick() == ["a"]
    assert second.tick() == []  # a second gunicorn worker: the lock is taken
    first.stop()  # the first worker goes away: its lock is released
    assert second.tick() == ["a"]
    second.stop()
    assert ran == ["first", "second"]


def test_beat_is_generated_from_the_job_list(lc: Lifecycle,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = worker.celery.conf.beat_schedule
    assert set(schedule) == {j.name for j in JOBS}
    for job in JOBS:
        assert schedule[job.name]["task"] == f"hazardflow.{job.name}"
        assert schedule[job.name]["task"] in worker.celery.tasks
    assert schedule["notify_due_tasks"]["schedule"] == DUE_SWEEP_SECONDS
    case_id = lc.report()
    monkeypatch.setattr(worker, "_runtime", lc.rt)  # this test's runtime and database
    late = (T0 + timedelta(days=2)).isoformat()
    task = worker.JOB_TASKS["notify_due_tasks"]
    assert task.run(late) == {"task_overdue": 3, "task_due_soon": 0}
    assert task.run(late) == {"task_overdue": 0, "task_due_soon": 0}
    assert len(lc.notes(case_id, "task_overdue")) == 3


def test_importing_the_worker_writes_no_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"HAZARDFLOW_INSTANCE_PATH": str(tmp_path / "inst"), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", "import hazardflow.worker"], env=env, check=True,
                   timeout=60)
    assert not (tmp_path / "inst").exists()
