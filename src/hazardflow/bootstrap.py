"""The composition root: the one place a runtime is built from settings.

The web app (``hazardflow.wsgi`` and ``hazardflow serve``), the CLI and the Celery worker all
call :func:`build_runtime` and hand the result on (``create_app(runtime)``, the use-cases,
the job list). Nothing here runs at import.
"""

from __future__ import annotations

import gc
import logging

import sqlalchemy as sa

from hazardflow.config import ConfigError, Settings
from hazardflow.engine import Clock
from hazardflow.workflows.calendar import BusinessCalendar
from hazardflow.workflows.evidence import LocalDiskStorage
from hazardflow.workflows.runtime import Runtime, build_engine
from hazardflow.workflows.workdays import configured

log = logging.getLogger("hazardflow")


def build_runtime(settings: Settings, *, clock: Clock | None = None,
                  db: sa.Engine | None = None) -> Runtime:
    """The database (``db``, or opened from the settings), engine (its steps timed for the
    metrics), calendar, storage and (with a broker) the work queue."""
    from hazardflow.db import open_database
    from hazardflow.metrics import watch_steps

    try:
        workdays = configured(settings.workday_overrides)
    except ValueError as exc:
        raise ConfigError(f"HAZARDFLOW_WORKDAY_OVERRIDES: {exc}") from None
    db = db if db is not None else open_database(settings.database_url)
    # the one calendar the whole domain reads
    calendar = BusinessCalendar.named(settings.business_tz, workdays)
    engine = build_engine(db, clock=clock, calendar=calendar,
                          step_budget=settings.step_budget,
                          max_bpmn_bytes=settings.max_bpmn_bytes,
                          handler_modules=settings.handler_modules)
    runtime = Runtime(settings=settings, db=db, engine=engine,
                      calendar=calendar,
                      storage=LocalDiskStorage(settings.storage_path))
    watch_steps(runtime)  # engine step durations, for /metrics
    if settings.broker_url:
        runtime.queue = WorkQueue(settings)
        engine.stepper.on_pending = runtime.queue
    return runtime


class WorkQueue:
    """Hands a case id to a Celery worker (``hazardflow.continue_case``); if the broker is
    down the outbox row waits for the next sweep."""

    def __init__(self, settings: Settings) -> None:
        from celery import Celery

        self.client = Celery("hazardflow", broker=settings.broker_url)
        self.client.conf.update(task_default_queue="hazardflow", broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_seconds})

    def __call__(self, case_id: int) -> None:
        try:
            self.client.send_task("hazardflow.continue_case", [case_id])
        except Exception:
            log.warning("could not queue case %s", case_id, extra={"case_id": case_id})

    def ping(self) -> None:
        """Raise unless the broker answers (for /readyz)."""
        with self.client.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)

    def depth(self) -> int | None:
        try:
            with self.client.connection_for_read() as conn:
                return int(conn.default_channel.client.llen("hazardflow"))
        except Exception:
            return None


def settle_process() -> None:
    """Called once by a long-lived process (a gunicorn worker, ``serve``, a Celery worker)
    when its runtime is built: every object made so far (modules, the app, the runtime) lives
    as long as the process, so it is moved out of the garbage collector's full collections
    (``gc.freeze``). A full collection walking them stopped every thread of the process for
    about 130 ms once in a hundred steps; it now walks only what was made since. Not for
    tests or short commands, which build many runtimes and would keep them all."""
    gc.collect()
    gc.freeze()
