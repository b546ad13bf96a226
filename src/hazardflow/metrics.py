"""Prometheus metrics the runtime records as it works: how long engine steps take.

The engine knows nothing of Prometheus: its stepper tells an observer (process key,
seconds) when a step finishes, and :func:`watch_steps` (called by
``hazardflow.bootstrap.build_runtime``) makes that observer a histogram. The histogram lives
in a registry of the runtime's own, not prometheus-client's global one, so that several
runtimes in one process (the tests make many) never collide; ``web/ops.py`` exposes it on
``/metrics`` beside the request latencies and the state gauges.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

from hazardflow.workflows.runtime import Runtime

EXTRA = "step_times"  # where the runtime keeps its StepTimes (Runtime.extras)
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class StepTimes:
    """``hazardflow_engine_step_duration_seconds{process}``: one observation per engine step
    (a start, a completion, a timer, a message, a repair), failed steps included."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.histogram = Histogram(
            "hazardflow_engine_step_duration_seconds",
            "Time one engine step took: running the case forward to where it waits.",
            ["process"], registry=self.registry, buckets=STEP_BUCKETS)

    def observe(self, process_key: str, seconds: float) -> None:
        self.histogram.labels(process=process_key).observe(seconds)


def watch_steps(runtime: Runtime) -> StepTimes:
    """Time every step of ``runtime``'s engine (once: a second call returns the first)."""
    found = step_times(runtime)
    if found is None:
        found = runtime.extras[EXTRA] = StepTimes()
        runtime.engine.stepper.on_step = found.observe
    return found


def step_times(runtime: Runtime) -> StepTimes | None:
    found = runtime.extras.get(EXTRA)
    return found if isinstance(found, StepTimes) else None
