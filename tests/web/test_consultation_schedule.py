"""A consultation arranged ahead on its page (SQLite only: the use-cases are tested on both
backends, tests/test_readiness_drivers.py): it is listed as 已安排, and when its time nears
the periodic job marks it 待召开, tells its convenor, and the page still offers to hold it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.workflows.jobs import job

from .conftest import Login
from .pages import Browser

API = "/api/v1"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_arranged_session_is_listed_then_due_with_its_convenor_told_and_held(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    county = Browser(app, "jinan")
    done = county.post("/consultations", {
        "body_code": "LA-JA", "kind": "scheduled", "title": "月度安全风险研判会商",
        "topics": "冬季用电", "participants": ["jinan", "safety"],
        "planned_at": "2026-11-05T09:00"})
    assert done.status_code == 302
    session_id = int(re.findall(r"/consultations/(\d+)", done.headers["Location"])[0])
    assert "已安排" in county.html("/consultations")
    runtime = app.extensions["hazardflow"]
    assert job("consultation_due").run(runtime, clock.now()) == 0  # three days ahead
    clock.set(clock.now() + timedelta(days=2, hours=1))  # 10:00 on the 4th: within a day
    assert job("consultation_due").run(runtime, clock.now()) == 1
    county = Browser(app, "jinan")  # signed in again: two days went by
    page = county.html(f"/consultations/{session_id}")
    assert "待召开" in page and 'id="consultation-hold"' in page
    assert "【会商待召开】月度安全风险研判会商" in county.html("/notifications")
    assert "【会商待召开】" not in Browser(app, "safety").html("/notifications")  # convenor only
    assert client.post(f"{API}/consultations/{session_id}/hold", headers=login("jinan"),
                       json={"decisions": "按期整改", "actions": []}).status_code == 200
    assert "已召开" in county.html(f"/consultations/{session_id}")
