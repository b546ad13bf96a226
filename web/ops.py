"""Operations endpoints: /healthz (alive), /readyz (database and broker reachable), /metrics
(Prometheus, from prometheus-client).

``/metrics`` exposes one registry per app (never prometheus-client's global one: a process
may hold several apps, as the tests do):

- ``hazardflow_http_request_duration_seconds{route, method, status}``: a histogram of every
  request, timed from the first before-request hook to the last after-request hook; ``route``
  is the Flask rule (``/api/v1/tasks/<int:task_id>``, ``unmatched`` for a 404 outside any
  rule), ``status`` the class (``2xx`` … ``5xx``);
- ``hazardflow_engine_step_duration_seconds{process}``: the runtime's engine steps
  (``hazardflow.metrics``);
- gauges read at scrape time through one use-case (``usecases.operations.state``):
  ``hazardflow_cases{status}``, ``hazardflow_task_completions_total``,
  ``hazardflow_open_tasks``, ``hazardflow_timer_lag_seconds``,
  ``hazardflow_open_incidents``, ``hazardflow_outbox_pending`` and, with a broker that can
  tell, ``hazardflow_celery_queue_depth``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from hazardflow.metrics import step_times
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.usecases import operations

from .extensions import KEY, runtime

bp = Blueprint("ops", __name__)

EXTENSION = "hazardflow_metrics"
STARTED = "hazardflow_request_started"
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, str], int]:
    checks = operations.readiness(runtime)
    ready = operations.is_ready(checks)
    return {"status": "ready" if ready else "not ready", **checks}, 200 if ready else 503


@bp.get("/metrics")
def metrics() -> Response:
    """The text format Prometheus asks for in Accept (OpenMetrics, text 1.0.0), else 0.0.4."""
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(_metrics().registry), content_type=content_type)


# -- what /metrics exposes ------------------------------------------------------------------

@dataclass(frozen=True)
class AppMetrics:
    registry: CollectorRegistry
    requests: Histogram


class StateCollector(Collector):
    """The state gauges, read when Prometheus scrapes (never at registration)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def describe(self) -> Iterable[Metric]:
        return []  # the registry must not scrape the database when this is registered

    def collect(self) -> Iterable[Metric]:
        now = operations.state(self.rt)
        cases = GaugeMetricFamily("hazardflow_cases", "Cases by status.", labels=["status"])
        for status, count in sorted(now.cases.items()):
            cases.add_metric([status], count)
        yield cases
        yield CounterMetricFamily("hazardflow_task_completions",
                                  "Human tasks completed.", value=now.completed_tasks)
        yield GaugeMetricFamily("hazardflow_open_tasks", "Human tasks open (not completed, "
                                "not cancelled).", value=now.open_tasks)
        yield GaugeMetricFamily("hazardflow_timer_lag_seconds",
                                "How late the oldest due timer is.", value=now.timer_lag_seconds)
        yield GaugeMetricFamily("hazardflow_open_incidents", "Incidents not yet resolved.",
                                value=now.open_incidents)
        yield GaugeMetricFamily("hazardflow_outbox_pending",
                                "Cases with automatic steps waiting.", value=now.outbox_pending)
        if now.queue_depth is not None:
            yield GaugeMetricFamily("hazardflow_celery_queue_depth",
                                    "Tasks waiting in the broker.", value=now.queue_depth)


def _metrics() -> AppMetrics:
    found: AppMetrics = current_app.extensions[EXTENSION]
    return found


def _start_timer() -> None:
    setattr(g, STARTED, time.perf_counter())


def _observe(response: Response) -> Response:
    started = getattr(g, STARTED, None)
    if started is not None:
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        _metrics().requests.labels(route=rule, method=request.method,
                                   status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """After the runtime (``app.extensions["hazardflow"]``) and before every other hook, so
    the request timer sees the whole request (sign-in, CSRF and security hooks included)."""
    rt: Runtime = app.extensions[KEY]
    registry = CollectorRegistry()
    requests = Histogram("hazardflow_http_request_duration_seconds",
                         "Time to answer a request, by route, method and status class.",
                         ["route", "method", "status"], registry=registry,
                         buckets=REQUEST_BUCKETS)
    steps = step_times(rt)
    if steps is not None:
        registry.register(steps.registry)  # a registry collects like any collector
    registry.register(StateCollector(rt))
    app.extensions[EXTENSION] = AppMetrics(registry, requests)
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)
