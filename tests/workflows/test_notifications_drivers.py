"""Both drivers run the due-task notices: the embedded scheduler's periodic jobs and a Celery
task on beat's schedule, calling the same ``notify_due_tasks``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from hazardflow import worker
from hazardflow.engine.scheduler import EmbeddedScheduler, PeriodicJob
from hazardflow.workflows.notifications import DUE_SWEEP_SECONDS, due_task_job

from .lifecycle import T0, Lifecycle


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_the_embedded_sweep_runs_due_notices_at_most_once_a_minute(lc: Lifecycle) -> None:
    case_id = lc.report()
    scheduler = EmbeddedScheduler(lc.engine, jobs=[due_task_job(lc.db)])
    lc.set_time(T0 + timedelta(days=1, minutes=1))  # triage is overdue now
    scheduler.tick()
    assert len(lc.notes(case_id, "task_overdue")) == 3
    lc.set_time(T0 + timedelta(days=1, minutes=1, seconds=DUE_SWEEP_SECONDS - 1))
    assert scheduler.run_jobs(lc.now()) == []
    lc.set_time(T0 + timedelta(days=1, minutes=2, seconds=1))
    assert scheduler.run_jobs(lc.now()) == ["notify_due_tasks"]
    assert len(lc.notes(case_id, "task_overdue")) == 3  # still once each


def test_a_failing_job_is_logged_and_the_others_still_run(lc: Lifecycle,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    seen: list[datetime] = []

    def broken(now: datetime) -> None:
        raise RuntimeError("mail server down")

    scheduler = EmbeddedScheduler(lc.engine, jobs=[PeriodicJob("broken", broken),
                                                   PeriodicJob("ok", seen.append)])
    assert scheduler.run_jobs(T0) == ["ok"]
    assert seen == [T0]
    assert "periodic job broken failed" in caplog.text


def test_beat_schedules_the_celery_task_that_sends_due_notices(
        lc: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = worker.celery.conf.beat_schedule["notify_due_tasks"]
    assert entry == {"task": "hazardflow.notify_due_tasks", "schedule": DUE_SWEEP_SECONDS}
    assert "hazardflow.notify_due_tasks" in worker.celery.tasks
    case_id = lc.report()
    monkeypatch.setattr(worker, "_engine", lc.engine)  # this test's engine and database
    late = (T0 + timedelta(days=2)).isoformat()
    assert worker.notify_due_tasks.run(late) == {"task_overdue": 3, "task_due_soon": 0}
    assert worker.notify_due_tasks.run(late) == {"task_overdue": 0, "task_due_soon": 0}
    assert len(lc.notes(case_id, "task_overdue")) == 3
