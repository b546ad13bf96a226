"""The embedded driver: a daemon thread that sweeps due timers and drains the outbox.

It calls the same engine functions a Celery beat and its workers call in distributed mode:
one code path, two drivers.
"""

from __future__ import annotations

import logging
import threading

from .runtime import Engine

log = logging.getLogger("hazardflow.scheduler")


class EmbeddedScheduler:
    def __init__(self, engine: Engine, interval_seconds: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> tuple[int, int]:
        """One sweep: (cases whose timers fired, cases continued from the outbox)."""
        fired = self.engine.fire_due_timers()
        continued = self.engine.run_pending()
        return fired, continued

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
