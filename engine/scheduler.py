"""The embedded driver: a daemon thread that runs periodic jobs (the sweep among them).

The job list is the domain's (``hazardflow.workflows.jobs``); Celery beat is generated from
the same list in distributed mode: one code path, two drivers.

**Exactly one sweeper.** Under gunicorn every worker process starts this thread; before each
tick it takes a non-blocking exclusive lock on a file (the instance folder's
``scheduler.lock``), so only one process runs the jobs at a time, and when that process
dies the lock is released and another worker's thread takes over at its next tick.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger("hazardflow.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    """Something to run at most every ``every_seconds``, given the time of the run."""

    name: str
    run: Callable[[datetime], Any]
    every_seconds: float = 60.0


class FileLock:
    """A lock held by one process at a time (``flock``), released when the process dies."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class EmbeddedScheduler:
    def __init__(self, jobs: Sequence[PeriodicJob], now: Callable[[], datetime],
                 interval_seconds: float = 5.0, lock: FileLock | None = None) -> None:
        self.jobs = tuple(jobs)
        self.now = now
        self.interval = interval_seconds
        self.lock = lock
        self._last_run: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> list[str]:
        """Run each job whose interval has passed (if this process holds the lock); a
        failing job is logged and does not stop the others. Returns the names run."""
        if self.lock is not None and not self.lock.acquire():
            return []
        now = self.now()
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
                self.tick()
            except Exception:  # keep running; each failure is logged
                log.exception("scheduler tick failed")

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="hazardflow-scheduler",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.lock is not None:
            self.lock.release()
