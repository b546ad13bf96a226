"""The one list of periodic jobs, run by both drivers.

Embedded (``hazardflow serve``, gunicorn without a broker), :class:`EmbeddedScheduler`
(``hazardflow.engine.scheduler``) runs each job when its interval has passed; distributed,
Celery beat is generated from the same list (``hazardflow.worker``): one task per job, named
``hazardflow.<name>``, each a thin call of the job's ``run``. A job takes the runtime and the
time of the run.

The sweep is the one job whose work is spread: embedded it fires and continues cases in
process (``engine.sweep.sweep``, one transaction per case); distributed the runtime carries a
``fan_out`` that sends each due id to a worker, which calls the same per-case engine function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from hazardflow.config import Settings
from hazardflow.engine.db import write_transaction
from hazardflow.engine.scheduler import EmbeddedScheduler, FileLock, PeriodicJob
from hazardflow.engine.sweep import SWEEP_LIMIT, sweep

from .audit_seal import SEAL_SECONDS, seal_with_settings
from .consultation_due import SWEEP_SECONDS as CONSULTATION_SECONDS
from .consultation_due import notify_consultations_due
from .dashboard import ROLLUP_SECONDS
from .delivery import send_due
from .emergency_supplies import SWEEP_SECONDS as SUPPLY_SECONDS
from .emergency_supplies import notify_supply_expiry
from .notifications import DUE_SWEEP_SECONDS, notify_due_tasks
from .runtime import Runtime
from .usecases.lookback import LOOKBACK_SECONDS, draw_due
from .usecases.monitor import refresh_rollup


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Runtime, datetime], Any]
    every: Callable[[Settings], float]  # seconds between runs


def sweep_due(rt: Runtime, now: datetime) -> dict[str, int]:
    """Fire due timers and continue the outbox, at most SWEEP_LIMIT of each per run."""
    fan_out = rt.extras.get("fan_out")
    if fan_out is not None:  # distributed: each due id becomes a worker's task
        with write_transaction(rt.db) as conn:
            due = rt.engine.due_work(conn, now, SWEEP_LIMIT)
        fan_out(due, now)
        return {"start_timers": len(due.start_timers), "timer_cases": len(due.timer_cases),
                "outbox_cases": len(due.outbox_cases)}
    result = sweep(rt.engine, lambda: write_transaction(rt.db), now, SWEEP_LIMIT)
    return {"started": result.started, "fired": result.fired, "continued": result.continued,
            "failed": result.failed}


def seal_audit(rt: Runtime, now: datetime) -> int | None:
    """Seal the audit heads that grew; the checkpoint's number (None when nothing grew)."""
    checkpoint = seal_with_settings(rt.db, rt.settings, now)
    return checkpoint.id if checkpoint is not None else None


JOBS: tuple[Job, ...] = (
    Job("sweep", sweep_due, lambda s: s.scheduler_interval_seconds),
    Job("notify_due_tasks", lambda rt, now: notify_due_tasks(rt.db, now, rt.calendar),
        lambda s: DUE_SWEEP_SECONDS),
    Job("refresh_dashboard", lambda rt, now: refresh_rollup(rt), lambda s: ROLLUP_SECONDS),
    # seal every case's audit head under the key kept off the database (an alarm each hour
    # if no key is configured)
    Job("seal_audit", lambda rt, now: seal_audit(rt, now), lambda s: SEAL_SECONDS),
    # notices by e-mail, SMS, 企业微信, 钉钉: the due deliveries, retried with backoff
    Job("send_notices", send_due, lambda s: s.notify_interval_seconds),
    # emergency supplies (应急一张图) that became expiring or expired: their keepers told once
    Job("supply_expiry", lambda rt, now: notify_supply_expiry(
        rt.db, now, rt.calendar, rt.settings.map_expiry_days), lambda s: SUPPLY_SECONDS),
    # arranged consultations (专题会商) falling due: their convenors told once
    Job("consultation_due", lambda rt, now: notify_consultations_due(rt.db, now, rt.calendar),
        lambda s: CONSULTATION_SECONDS),
    # 回头看: each sample rule's round of the month, its re-checks into the inboxes
    Job("lookback", draw_due, lambda s: LOOKBACK_SECONDS),
)


def job(name: str) -> Job:
    for item in JOBS:
        if item.name == name:
            return item
    raise KeyError(name)


def embedded_scheduler(rt: Runtime) -> EmbeddedScheduler:
    """The in-process driver of every job, sweeping only while it holds the instance
    folder's scheduler lock (one process of several, e.g. gunicorn's workers)."""
    lock = FileLock(str(Path(rt.settings.instance_path) / "scheduler.lock"))
    periodic = [PeriodicJob(j.name, partial(j.run, rt), j.every(rt.settings)) for j in JOBS]
    return EmbeddedScheduler(periodic, rt.now, rt.settings.scheduler_interval_seconds, lock)
