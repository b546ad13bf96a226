"""Operations: liveness, readiness (database and broker), Prometheus metrics, JSON logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.logs import JsonFormatter

from .conftest import Login, make_app
from .support import order_form, report


def test_healthz_answers_without_touching_anything(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_the_database_and_says_no_broker_is_used(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "broker": "not used"}


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # a broker needs PostgreSQL
def test_readyz_is_503_when_the_broker_is_unreachable(database_url: str, clock: FixedClock,
                                                      tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path, broker_url="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["broker"].startswith("unreachable")
    app.extensions["hazardflow"].db.dispose()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} missing from:\n{text}")


def test_metrics_count_cases_completions_and_timer_lag(client: FlaskClient, login: Login,
                                                       clock: FixedClock) -> None:
    from datetime import timedelta

    hazard = report(client, login("inspector"))
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hazardflow_cases{status="active"} 1' in text
    assert _metric(text, "hazardflow_task_completions_total") == 0
    assert _metric(text, "hazardflow_open_incidents") == 0
    safety = login("safety")
    task = client.get("/api/v1/tasks?view=groups", headers=safety).get_json()["items"][0]["id"]
    response = client.post(f"/api/v1/tasks/{task}/complete", headers=safety,
                           json={"data": order_form()})
    assert response.status_code == 200, response.get_json()
    clock.advance(timedelta(days=30))  # every ladder timer is now overdue, none swept yet
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "hazardflow_task_completions_total") == 1
    assert _metric(text, "hazardflow_timer_lag_seconds") > 24 * 3600
    assert hazard["hazard"]["code"]


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition, parsed by prometheus-client's own parser."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return None


def test_metrics_time_requests_by_route_method_and_status_class(client: FlaskClient,
                                                                login: Login) -> None:
    headers = login("safety")
    for _ in range(2):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/cases/999999", headers=headers).status_code == 404
    assert client.get("/no/such/page").status_code == 404
    response = client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    count = "hazardflow_http_request_duration_seconds_count"
    assert _sample(text, count, route="/api/v1/me", method="GET", status="2xx") == 2
    assert _sample(text, count, route="/api/v1/auth/token", method="POST", status="2xx") == 1
    assert _sample(text, count, route="/api/v1/cases/<int:case_id>", method="GET",
                   status="4xx") == 1
    assert _sample(text, count, route="unmatched", method="GET", status="4xx") == 1
    assert _sample(text, "hazardflow_http_request_duration_seconds_bucket",
                   route="/api/v1/me", method="GET", status="2xx", le="+Inf") == 2


def test_metrics_speak_openmetrics_to_a_scraper_that_asks(client: FlaskClient) -> None:
    response = client.get("/metrics", headers={
        "Accept": "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"})
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    text = response.get_data(as_text=True)
    assert text.rstrip().endswith("# EOF")
    assert "hazardflow_task_completions_total 0" in text


def test_metrics_time_engine_steps_per_process_and_count_open_tasks(
        client: FlaskClient, login: Login) -> None:
    text = client.get("/metrics").get_data(as_text=True)
    steps = "hazardflow_engine_step_duration_seconds_count"
    assert _sample(text, steps, process="hazard_lifecycle") is None
    assert _sample(text, "hazardflow_open_tasks") == 0
    report(client, login("inspector"))
    text = client.get("/metrics").get_data(as_text=True)
    assert _sample(text, steps, process="hazard_lifecycle") == 1  # the start
    assert (_sample(text, "hazardflow_engine_step_duration_seconds_sum",
                    process="hazard_lifecycle") or 0) > 0
    assert _sample(text, "hazardflow_open_tasks") == 1  # the triage


def test_each_app_keeps_its_own_metrics(client: FlaskClient, database_url: str,
                                        clock: FixedClock, tmp_path: Path) -> None:
    other = make_app(database_url, clock, tmp_path / "other")
    try:
        client.get("/healthz")
        mine = client.get("/metrics").get_data(as_text=True)
        theirs = other.test_client().get("/metrics").get_data(as_text=True)
        count = "hazardflow_http_request_duration_seconds_count"
        assert _sample(mine, count, route="/healthz", method="GET", status="2xx") == 1
        assert _sample(theirs, count, route="/healthz", method="GET", status="2xx") is None
    finally:
        other.extensions["hazardflow"].close()


class FakeQueue:
    def __call__(self, case_id: int) -> None:
        pass

    def ping(self) -> None:
        pass

    def depth(self) -> int | None:
        return 3


def test_the_brokers_queue_depth_is_a_gauge_when_there_is_a_broker(app: Flask) -> None:
    client = app.test_client()
    text = client.get("/metrics").get_data(as_text=True)
    assert _sample(text, "hazardflow_celery_queue_depth") is None  # no broker: no gauge
    app.extensions["hazardflow"].queue = FakeQueue()
    text = client.get("/metrics").get_data(as_text=True)
    assert _sample(text, "hazardflow_celery_queue_depth") == 3
    assert client.get("/readyz").get_json()["broker"] == "ok"


def test_json_logs_carry_the_case_id() -> None:
    record = logging.LogRecord("hazardflow.engine", logging.INFO, __file__, 1,
                               "complete case %s: %s", (7, "active"), None)
    record.case_id = 7
    line = json.loads(JsonFormatter().format(record))
    assert line["case_id"] == 7 and line["message"] == "complete case 7: active"
    assert line["level"] == "info"


def test_lines_logged_while_working_on_a_case_carry_its_id() -> None:
    from hazardflow.logs import about_case

    record = logging.LogRecord("sqlalchemy.engine", logging.WARNING, __file__, 1,
                               "slow query", (), None)
    with about_case(42):
        inside = json.loads(JsonFormatter().format(record))
    outside = json.loads(JsonFormatter().format(record))
    assert inside["case_id"] == 42 and "case_id" not in outside
