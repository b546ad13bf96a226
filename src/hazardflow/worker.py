"""The Celery driver: the same engine functions the embedded scheduler calls, run by workers.

Tasks are thin: they take ids, call one engine function, hold no logic of their own, and
are safe to deliver twice (the engine re-checks everything under the case's lock). Beat
runs ``hazardflow.sweep`` every few seconds; the sweep fans out one task per due case.

    celery -A hazardflow.worker worker      (or: hazardflow worker)
    celery -A hazardflow.worker beat        (or: hazardflow beat)
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger
from sqlalchemy.exc import OperationalError

from hazardflow.config import Settings, load_settings
from hazardflow.engine import Engine
from hazardflow.logs import JsonFormatter, about_case
from hazardflow.workflows.dashboard import ROLLUP_SECONDS
from hazardflow.workflows.notifications import DUE_SWEEP_SECONDS

TRANSIENT = (OperationalError,)


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
        beat_schedule={"sweep": {"task": "hazardflow.sweep",
                                 "schedule": settings.scheduler_interval_seconds},
                       "notify_due_tasks": {"task": "hazardflow.notify_due_tasks",
                                            "schedule": DUE_SWEEP_SECONDS},
                       "refresh_dashboard": {"task": "hazardflow.refresh_dashboard",
                                             "schedule": ROLLUP_SECONDS}},
        hazardflow_settings=settings,
    )
    return app


celery = create_celery()


@after_setup_logger.connect
def _json_logs(logger: Any, *args: Any, **kwargs: Any) -> None:
    if celery.conf.hazardflow_settings.log_format == "json":
        for handler in logger.handlers:
            handler.setFormatter(JsonFormatter())

_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """This worker process's engine, built once from the settings."""
    global _engine
    with _engine_lock:
        if _engine is None:
            from hazardflow.db import open_database
            from hazardflow.workflows.runtime import build_engine

            settings: Settings = celery.conf.hazardflow_settings
            _engine = build_engine(open_database(settings.database_url),
                                   business_tz=settings.business_tz,
                                   step_budget=settings.step_budget,
                                   max_bpmn_bytes=settings.max_bpmn_bytes,
                                   handler_modules=settings.handler_modules)
        return _engine


def _now(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else datetime.now(UTC)


RETRY: dict[str, Any] = {"autoretry_for": TRANSIENT, "retry_backoff": True,
                         "retry_backoff_max": 60, "max_retries": 8}


@celery.task(name="hazardflow.continue_case", **RETRY)
def continue_case(case_id: int) -> bool:
    """Finish the automatic steps a request left in the outbox."""
    with about_case(case_id):
        return engine().continue_case(case_id)


@celery.task(name="hazardflow.fire_case_timers", **RETRY)
def fire_case_timers(case_id: int, now: str | None = None) -> bool:
    with about_case(case_id):
        return engine().fire_case_timers(case_id, _now(now))


@celery.task(name="hazardflow.fire_start_timer", **RETRY)
def fire_start_timer(timer_id: int, now: str | None = None) -> bool:
    return engine().fire_start_timer(timer_id, _now(now))


@celery.task(name="hazardflow.sweep", **RETRY)
def sweep(now: str | None = None) -> dict[str, int]:
    """Fan out one task per case with due timers or outbox work, and per due start timer."""
    due = engine().due_work(_now(now))
    moment = _now(now).isoformat()
    for timer_id in due.start_timers:
        fire_start_timer.delay(timer_id, moment)
    for case_id in due.timer_cases:
        fire_case_timers.delay(case_id, moment)
    for case_id in due.outbox_cases:
        continue_case.delay(case_id)
    return {"start_timers": len(due.start_timers), "timer_cases": len(due.timer_cases),
            "outbox_cases": len(due.outbox_cases)}


@celery.task(name="hazardflow.notify_due_tasks", **RETRY)
def notify_due_tasks(now: str | None = None) -> dict[str, int]:
    """Notify open tasks that became due soon or overdue (each once): run by beat."""
    from hazardflow.workflows.notifications import notify_due_tasks as notify

    return notify(engine().db, _now(now))


@celery.task(name="hazardflow.refresh_dashboard", **RETRY)
def refresh_dashboard() -> int:
    """Bring the dashboard's weekly rollup up to date with the ledger: run by beat."""
    from hazardflow.workflows.dashboard import refresh

    return refresh(engine().db)


def queue_depth(app: Celery) -> int | None:
    """Messages waiting in the broker's queue (Redis), for monitoring; None if unknown."""
    try:
        with app.connection_for_read() as conn:
            return int(conn.default_channel.client.llen("hazardflow"))
    except Exception:
        return None


