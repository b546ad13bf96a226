"""The monitor pages: stuck list and bulk repair (preview, results), the diagram with piles,
the dashboard, escalations with the printable 督办 letter, extensions and thresholds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.workflows.jobs import sweep_due

from .conftest import Login
from .pages import Browser
from .support import ordered_hazard, report


def test_stuck_page_lists_only_the_viewers_county_and_refuses_others(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    mine = report(client, login("inspector"))
    theirs = report(client, login("safety2"), unit_code="LA-YA-H01")
    clock.advance(timedelta(days=2))
    city, jinan = Browser(app, "city"), Browser(app, "jinan")
    page = city.html("/monitor/")
    assert mine["hazard"]["code"] in page and theirs["hazard"]["code"] in page
    assert "任务超期" in page
    own = jinan.html("/monitor/")
    assert mine["hazard"]["code"] in own and theirs["hazard"]["code"] not in own
    assert theirs["hazard"]["code"] in city.html("/monitor/?county=LA-YA")
    # the filters offer units, counties and campaigns by name (the code is the value)
    assert '<option value="LA-JA-H01" >金安区人民医院</option>' in page
    assert '<option value="LA-YA" selected>' in city.html("/monitor/?county=LA-YA")
    assert ">LA-JA-H01<" not in page and 'placeholder="LA-JA' not in page
    Browser(app, "rectifier").html("/monitor/", status=403)
    refused = jinan.post(f"/monitor/cases/{theirs['case']['id']}/repair",
                         {"action": "suspend", "reason": "越权"})
    assert refused.status_code == 404


def test_bulk_repair_pages_preview_then_show_each_result(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    first = report(client, login("inspector"))["case"]["id"]
    second = report(client, login("inspector"))["case"]["id"]
    clock.advance(timedelta(days=2))
    jinan = Browser(app, "jinan")
    preview = jinan.post("/monitor/repairs/preview", {
        "action": "suspend", "reason": "集中核查", "case": [str(first), str(second)]})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "执行" in html and 'id="ready-count">2<' in html
    run = jinan.post("/monitor/repairs", {"action": "suspend", "reason": "集中核查",
                                           "case": [str(first), str(second)]})
    assert run.status_code == 302
    batch_page = jinan.html(run.headers["Location"])
    assert batch_page.count('data-outcome="ok"') == 2 and "已完成" in batch_page
    assert "金安区卫健委监管员" in batch_page and "：jinan<" not in batch_page
    polled = jinan.get(run.headers["Location"] + ".json").get_json()
    assert (polled["done"], polled["succeeded"]) == (2, 2)
    again = jinan.post("/monitor/repairs", {"action": "suspend", "reason": "再次",
                                             "case": [str(first)]})
    assert 'data-outcome="refused"' in jinan.html(again.headers["Location"])


def test_process_page_shows_piles_and_lists_the_cases_of_an_activity(
        app: Flask, client: FlaskClient, login: Login) -> None:
    hazard = ordered_hazard(client, login)
    city = Browser(app, "city")
    latest = city.get("/monitor/process")
    assert latest.status_code == 302
    page = city.html(latest.headers["Location"])
    assert 'id="pile-diagram"' in page and "vendor/bpmn-viewer.js" in page
    assert '"Task_Rectify": {"active": 1' in page
    definition = re.search(r"/monitor/process/(\d+)", latest.headers["Location"]).group(1)
    listed = city.get(f"/monitor/process/{definition}/elements/Task_Rectify.json").get_json()
    assert [r["case_id"] for r in listed["items"]] == [hazard["case_id"]]
    assert Browser(app, "yuan").get(
        f"/monitor/process/{definition}/elements/Task_Rectify.json").get_json()["items"] == []


def test_dashboard_page_loads_echarts_and_exports(app: Flask, client: FlaskClient,
                                                  login: Login) -> None:
    report(client, login("inspector"))
    city = Browser(app, "city")
    page = city.html("/monitor/dashboard")
    assert "vendor/echarts.min.js" in page and 'id="chart-weekly"' in page
    data = city.get("/monitor/dashboard.json?weeks=4").get_json()
    assert sum(data["weeks"]["found"]) == 1
    xlsx = city.get("/monitor/dashboard.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    Browser(app, "safety").html("/monitor/dashboard", status=403)


def test_escalated_hazard_has_a_printable_supervision_letter(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    hazard = ordered_hazard(client, login)  # deadline 2026-11-20
    clock.set(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))  # a week and more past the deadline
    sweep_due(app.extensions["hazardflow"], clock.now())  # reminder, due, overdue, letter
    city = Browser(app, "city")
    page = city.html("/monitor/escalations")
    assert hazard["code"] in page and "打印督办函" in page
    # sent at 01:00 UTC, shown in business time (Asia/Shanghai)
    assert "2026-11-29 09:00" in page and "UTC" not in page
    letter = city.html(f"/monitor/letters/{hazard['case_id']}")
    assert "督办〔2026〕1号" in letter and "金安区人民医院" in letter
    assert "经查，你单位" in letter and ">打印<" in letter
    # an English reader gets the page in English and the letter as issued, in Chinese
    english = city.html(f"/monitor/letters/{hazard['case_id']}?lang=en")
    assert '<article class="letter" lang="zh-CN">' in english and '<html lang="en">' in english
    assert "经查，你单位" in english and "安全生产隐患整改督办函" in english
    assert ">打印<" not in english and "Inspection found" not in english
    county = Browser(app, "jinan").html("/monitor/escalations")
    assert "逾期通知县区" in county
    Browser(app, "yuan").html(f"/monitor/letters/{hazard['case_id']}", status=404)


def test_extension_pages_ask_and_decide(app: Flask, client: FlaskClient, login: Login) -> None:
    hazard = ordered_hazard(client, login)
    rectifier = Browser(app, "rectifier")
    asked = rectifier.post(f"/monitor/cases/{hazard['case_id']}/extension",
                           {"deadline": "2026-12-01", "reason": "等待配件"})
    assert asked.status_code == 302
    jinan = Browser(app, "jinan")
    page = jinan.html("/monitor/extensions")
    assert ">金安区人民医院整改责任人</td>" in page and ">rectifier<" not in page
    request_id = re.search(r'data-request="(\d+)"', page).group(1)
    decided = jinan.post(f"/monitor/extensions/{request_id}",
                         {"decision": "approve", "note": "同意"})
    assert decided.status_code == 302
    assert "approved" in jinan.html("/monitor/extensions?status=approved")


def test_thresholds_are_set_by_the_city_only(app: Flask) -> None:
    city = Browser(app, "city")
    saved = city.post("/monitor/thresholds", {"process_key": "hazard_lifecycle",
                                              "element_id": "Task_Rectify", "kind": "idle",
                                              "days": "20"})
    assert saved.status_code == 302
    listed = city.html("/monitor/thresholds")
    assert "Task_Rectify" in listed and '<td data-label="修改人">市卫健委综合监督科</td>' in listed
    refused = Browser(app, "jinan").post("/monitor/thresholds", {
        "process_key": "*", "element_id": "", "kind": "idle", "days": "1"})
    assert refused.status_code == 403
