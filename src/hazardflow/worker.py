"""The Celery driver: the domain's job list, run by beat and workers.

Beat is generated from ``hazardflow.workflows.jobs.JOBS``: one entry per job, each the task
``hazardflow.<job name>``. Tasks are thin: they take ids (and the time of the run), call one
function, hold no logic of their own, and are safe to deliver twice (the engine re-checks
everything under the case's lock). The sweep job fans out one task per due case, except
due timers on PostgreSQL: there it enqueues ``DRAINERS`` drain tasks, each looping over
chunks claimed with ``FOR UPDATE SKIP LOCKED`` until none is due
(``hazardflow.engine.sweep.drain``). Chosen over one task per chunk of ids because a drain
re-reads what is due at every chunk (timers falling due meanwhile fire without waiting for
the next beat), workers balance themselves (a fast one simply claims more chunks), and a beat
arriving mid-drain adds tasks that find everything claimed or fired and end at once, instead
of queueing the same ids twice.

    celery -A hazardflow.worker worker      (or: hazardflow worker)
    celery -A hazardflow.worker beat        (or: hazardflow beat)

Importing this module builds the Celery app from the settings and writes nothing; the
runtime (database, engine) is built on first use in each worker process.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger
from sqlalchemy.exc import OperationalError

from hazardflow.config import Settings, load_settings
from hazardflow.engine.db import write_transaction
from hazardflow.engine.drivers import DueWork
from hazardflow.engine.sweep import drain
from hazardflow.logs import JsonFormatter, about_case
from hazardflow.workflows.jobs import JOBS, Job
from hazardflow.workflows.runtime import Runtime

DRAINERS = 4  # drain tasks per sweep on PostgreSQL: at least the workers' processes
TRANSIENT = (OperationalError,)
RETRY: dict[str, Any] = {"autoretry_for": TRANSIENT, "retry_backoff": True,
                         "retry_backoff_max": 60, "max_retries": 8}


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or load_settings()
    app = Celery("hazardflow", broker=settings.broker_url or "memory://",
                 backend=settings.result_backend or None)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=120,
        task_time_limit=180,
        task_default_queue="hazardflow",
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_seconds},
        beat_schedule=beat_schedule(settings),
        hazardflow_settings=settings,
    )
    return app


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """One beat entry per job of the domain's job list."""
    return {j.name: {"task": f"hazardflow.{j.name}", "schedule": j.every(settings)} for j in JOBS}


celery = create_celery()


@after_setup_logger.connect
def _json_logs(logger: Any, *args: Any, **kwargs: Any) -> None:
    if celery.conf.hazardflow_settings.log_format == "json":
        for handler in logger.handlers:
            handler.setFormatter(JsonFormatter())


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This worker process's runtime, built once from the settings."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            from hazardflow.bootstrap import build_runtime, settle_process

            _runtime = build_runtime(celery.conf.hazardflow_settings)
            _runtime.extras["fan_out"] = _fan_out
            settle_process()
        return _runtime


def _now(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else datetime.now(UTC)


def _fan_out(due: DueWork, now: datetime) -> None:
    moment = now.isoformat()
    for timer_id in due.start_timers:
        fire_start_timer.delay(timer_id, moment)
    if due.timer_cases and runtime().db.dialect.name == "postgresql":
        for _ in range(min(DRAINERS, len(due.timer_cases))):
            drain_timers.delay(moment)
    else:  # SQLite has one writer: one task per case, as the embedded sweep does
        for case_id in due.timer_cases:
            fire_case_timers.delay(case_id, moment)
    for case_id in due.outbox_cases:
        continue_case.delay(case_id)


@celery.task(name="hazardflow.continue_case", **RETRY)
def continue_case(case_id: int) -> bool:
    """Finish the automatic steps a request left in the outbox."""
    rt = runtime()
    with about_case(case_id), write_transaction(rt.db) as conn:
        return rt.engine.continue_case(conn, case_id)


@celery.task(name="hazardflow.fire_case_timers", **RETRY)
def fire_case_timers(case_id: int, now: str | None = None) -> bool:
    rt = runtime()
    with about_case(case_id), write_transaction(rt.db) as conn:
        return rt.engine.fire_case_timers(conn, case_id, _now(now))


@celery.task(name="hazardflow.drain_timers", **RETRY)
def drain_timers(now: str | None = None) -> int:
    """Claim chunks of cases with due timers and fire them until none is due; the number
    of timers fired (safe beside other drains: each claims what the others do not hold).
    Due means due at the sweep's time ``now`` (a sweep given a later time, as the tests'
    injected clocks do, fires what is due then) or at the worker's clock, whichever is
    later, so timers falling due while it drains still fire."""
    rt = runtime()
    if now is None:
        return drain(rt.engine, lambda: write_transaction(rt.db)).timers
    at = _now(now)
    return drain(rt.engine, lambda: write_transaction(rt.db),
                 lambda: max(at, rt.engine.clock.now())).timers


@celery.task(name="hazardflow.fire_start_timer", **RETRY)
def fire_start_timer(timer_id: int, now: str | None = None) -> bool:
    rt = runtime()
    with write_transaction(rt.db) as conn:
        return rt.engine.fire_start_timer(conn, timer_id, _now(now))


def _job_task(job: Job) -> Any:
    def run(now: str | None = None) -> Any:
        return job.run(runtime(), _now(now))

    run.__name__ = run.__qualname__ = job.name
    run.__doc__ = f"The periodic job {job.name!r} (from hazardflow.workflows.jobs.JOBS)."
    return celery.task(name=f"hazardflow.{job.name}", **RETRY)(run)


JOB_TASKS: dict[str, Any] = {job.name: _job_task(job) for job in JOBS}
