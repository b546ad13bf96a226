"""Operations: liveness, readiness (database and broker), Prometheus metrics, JSON logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
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
