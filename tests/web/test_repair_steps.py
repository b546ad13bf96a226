"""The bulk repair form offers the steps to move to by name (the diagram's names, grouped by
process name); the element id is only the value sent, never typed."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock

from .conftest import Login
from .pages import Browser
from .support import ordered_hazard, report


def test_bulk_repair_offers_the_steps_by_name(app: Flask, client: FlaskClient,
                                               login: Login) -> None:
    report(client, login("inspector"))
    page = Browser(app, "city").html("/monitor/")
    assert '<select name="target">' in page
    assert '<option value="Task_Rectify" >整改</option>' in page
    assert "元素ID" not in page and 'name="target" maxlength' not in page
    assert '<optgroup label="hazard_lifecycle"' not in page


def test_monitor_pages_name_processes_steps_and_statuses_in_chinese(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    report(client, login("inspector"))
    hazard = ordered_hazard(client, login)
    asked = Browser(app, "rectifier").post(f"/monitor/cases/{hazard['case_id']}/extension",
                                           {"deadline": "2026-12-01", "reason": "等待配件"})
    assert asked.status_code == 302
    page = Browser(app, "jinan").html("/monitor/extensions")
    assert ">待审批</td>" in page and ">pending</td>" not in page
    clock.advance(timedelta(days=2))
    city = Browser(app, "city")
    stuck = city.html("/monitor/")
    assert "隐患排查治理 <span class=\"muted\">第 1 版</span>" in stuck
    assert "hazard_lifecycle v" not in stuck
    saved = city.post("/monitor/thresholds", {"process_key": "hazard_lifecycle",
                                              "element_id": "Task_Rectify", "kind": "idle",
                                              "days": "20"})
    assert saved.status_code == 302
    listed = city.html("/monitor/thresholds")
    assert '<td data-label="流程">隐患排查治理</td><td data-label="环节">整改</td>' in listed
    assert '<select name="element_id">' in listed and "元素ID" not in listed
    assert '<option value="Task_Rectify">整改</option>' in listed


def test_the_repair_preview_shows_the_case_status_in_chinese(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    clock.advance(timedelta(days=2))
    preview = Browser(app, "jinan").post("/monitor/repairs/preview", {
        "action": "suspend", "reason": "集中核查", "case": [str(case_id)]})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert ">进行中</td>" in html and ">active</td>" not in html
