"""The embedded driver: a daemon thread that sweeps due timers and drains the outbox.

It calls the same engine functions a Celery beat and its workers call in distributed mode:
one code path, two drivers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .runtime import Engine

log = logging.getLogger("hazardflow.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    """Something else to run from the sweep, at most every ``every_seconds``: a callable
    taking the engine clock's time (the domain's due-task notices, for instance). Celery
    beat runs the same function in distributed mode."""

    name: str
    run: Callable[[datetime], object]
    every_seconds: float = 60.0


class EmbeddedScheduler:
    def __init__(self, engine: Engine, interval_seconds: float = 5.0,
                 jobs: Sequence[PeriodicJob] = ()) -> None:
        self.engine = engine
        self.interval = interval_seconds
        self.jobs = tuple(jobs)
        self._last_run: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> tuple[int, int]:
        """One sweep: (cases whose timers fired, cases continued from the outbox), then the
        periodic jobs that are due; a failing job is logged and does not stop the sweep."""
        fired = self.engine.fire_due_timers()
        continued = self.engine.run_pending()
        self.run_jobs(self.engine.clock.now())
        return fired, continued

    def run_jobs(self, now: datetime) -> list[str]:
        """Run each job whose interval has passed since its last run; returns their names."""
        ran = []
        for job in self.jobs:
            last = self._last_run.get(job.name)
            if last is not None and (now - last).total_seconds() < job.every_seconds:
                continue
            self._last_run[job.name] = now
            try:
                job.run(now)
                ran.append(job.name)
            except Exception:
                log.exception("periodic job %s failed", job.name)
        return ran

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                fired, continued = self.tick()
                if fired or continued:
                    log.info("timers fired for %d case(s); %d case(s) continued",
                             fired, continued)
            except Exception:  # keep sweeping; each failure is logged (and cases get incidents)
                log.exception("scheduler sweep failed")

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="hazardflow-scheduler",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
