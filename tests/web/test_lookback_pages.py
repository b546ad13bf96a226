"""The look-back (回头看) page and API: the city and a county set their own sample rules (a
county is refused another's, nothing written), a round drawn by the job lists its sampled
hazards by unit name with their outcome, on a phone-readable table, and the hazard's own
page says it is being looked back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import human_task
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_lookback import lookback_rule
from hazardflow.workflows.usecases import cases
from hazardflow.workflows.usecases import lookback as uc
from hazardflow.workflows.users import actor_for

from ..factories import with_uploads
from .conftest import Login, assert_error, hazard_data
from .pages import Browser

RULE = {"body_code": "LA-JA", "months": 1, "share_pct": 100, "at_least": 0}


def rules_stored(app: Flask) -> int:
    with app.extensions["hazardflow"].db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(lookback_rule))
                   .scalar_one())


def test_a_county_sets_its_rule_by_api_and_is_refused_anothers(
        app: Flask, client: FlaskClient, login: Login) -> None:
    refused = client.put("/api/v1/lookback/rule", headers=login("jinan"),
                         json={**RULE, "body_code": "LA-YA"})
    assert_error(refused, 403)
    assert_error(client.put("/api/v1/lookback/rule", headers=login("jinan"),
                            json={**RULE, "months": 0}), 400)
    assert_error(client.put("/api/v1/lookback/rule", headers=login("jinan"),
                            json={**RULE, "body_code": "LA-JA-H01"}), 422)
    assert rules_stored(app) == 0
    done = client.put("/api/v1/lookback/rule", headers=login("jinan"), json=RULE)
    assert done.status_code == 200, done.get_json()
    stored = done.get_json()
    assert (stored["body_name"], stored["share_pct"]) == ("金安区卫生健康委员会", 100)
    read = client.get("/api/v1/lookback", headers=login("city")).get_json()
    assert [r["body_code"] for r in read["rules"]] == ["LA-JA"] and read["rounds"] == []
    assert client.get("/api/v1/lookback", headers=login("yuan")).get_json()["rules"] == []


def test_the_page_lists_a_rounds_samples_by_name_with_their_outcome(
        app: Flask, clock: FixedClock) -> None:
    rt = app.extensions["hazardflow"]
    county = Browser(app, "jinan")
    page = county.html("/campaigns/lookback")
    assert 'id="rule-LA-JA"' in page and 'id="rule-LA"' not in page and "尚无抽取记录" in page
    assert county.post("/campaigns/lookback/rule", {
        "body_code": "LA-JA", "months": "1", "share_pct": "100", "at_least": "0",
        "majors_always": "1", "level": "", "active": "1"}).status_code == 302
    with rt.db.connect() as conn:
        safety = actor_for(conn, "safety")
    found = cases.report_hazard(rt, safety, with_uploads(
        rt, hazard_data(photos_before=["ev-before-1"]), "safety"))
    with write_transaction(rt.db) as conn:  # closed in October: due a month on
        conn.execute(sa.update(hazard).where(hazard.c.id == found["hazard"]["id"]).values(
            status="closed", closed_at=datetime(2026, 10, 15, 2, tzinfo=UTC)))
    assert len(uc.draw_due(rt, clock.now())) == 1
    page = county.html("/campaigns/lookback")
    assert "回头看抽样规则已保存" in page
    assert found["hazard"]["code"] in page and "金安区人民医院" in page
    assert "待复查" in page and "随机抽中" in page and "2026-10" in page
    assert 'data-label="复查结论"' in page and "LA-JA-H01" not in page
    assert found["hazard"]["code"] not in Browser(app, "yuan").html("/campaigns/lookback")
    summary = county.html(f"/cases/{found['hazard']['case_id']}")  # the hazard's own page
    assert 'id="lookback"' in summary and "待复查" in summary.split('id="lookback"')[1][:80]
    with rt.db.connect() as conn:  # the re-check, opened from the inspector's inbox
        task_id = conn.execute(sa.select(human_task.c.id).where(
            human_task.c.element_id == "Task_Lookback")).scalar_one()
    form = Browser(app, "inspector").html(f"/tasks/{task_id}")
    assert "回头看复查" in form and "隐患复现" in form and "已整改到位" in form
