"""Information reports and consultations through the pages and API v1 (SQLite only: the
routes are the same on both backends; the use-cases they call are tested on PostgreSQL
too): a hospital reports an event with its first report, the county sees it in the live
list and acknowledges it, a follow-up is filed through the API; a county records a
consultation whose action shows on its page and in the printable minutes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .pages import Browser

API = "/api/v1"
EVENT = {"unit_code": "LA-JA-H01", "title": "配电间冒烟", "place": "门诊楼三楼",
         "level": "general", "occurred_at": "2026-11-02T08:30", "known_at": "2026-11-02T08:40",
         "situation": "配电间冒烟，已断电", "deaths": "0", "injuries": "1",
         "measures": "疏散三楼患者"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_event_is_reported_listed_acknowledged_and_followed_up(
        app: Flask, client: FlaskClient, login: Login) -> None:
    safety = Browser(app, "safety")
    assert "报告突发事件（首报）" in safety.html("/events")
    done = safety.post("/events", EVENT)
    assert done.status_code == 302
    event_id = int(re.findall(r"/events/(\d+)", done.headers["Location"])[0])
    county = Browser(app, "jinan")
    rows = county.html("/events/live")
    assert "配电间冒烟" in rows and "金安区人民医院" in rows and "尚未首报" not in rows
    page = county.html(f"/events/{event_id}")
    assert "首报" in page and "金安区人民医院安全管理员" in page
    report_id = re.findall(rf"/events/{event_id}/reports/(\d+)/acknowledge", page)[0]
    county.post(f"/events/{event_id}/reports/{report_id}/acknowledge")
    assert "金安区卫健委监管员" in county.html(f"/events/{event_id}")
    assert "配电间冒烟" not in Browser(app, "yuan").html("/events/live")

    listed = client.get(f"{API}/events", headers=login("city")).get_json()["items"]
    assert [(e["id"], e["last_kind"], e["unacknowledged"]) for e in listed] == [
        (event_id, "首报", 0)]
    follow = {"kind": "followup", "level": "general", "situation": "已排除", "deaths": 0,
              "injuries": 1, "measures": "更换线路"}
    assert_error(client.post(f"{API}/events/{event_id}/reports", json=follow,
                             headers=login("jinan")), 403)
    deadlines = {"items": [{"level": lv, "first_minutes": 45, "final_days": 20}
                           for lv in ("general", "larger", "major", "grave")]}
    assert_error(client.put(f"{API}/events/deadlines", json=deadlines,
                            headers=login("jinan")), 403)
    saved = client.put(f"{API}/events/deadlines", json=deadlines, headers=login("city"))
    assert saved.status_code == 200, saved.get_json()
    assert {d["first_minutes"] for d in client.get(
        f"{API}/events/deadlines", headers=login("safety")).get_json()["items"]} == {45}
    filed = client.post(f"{API}/events/{event_id}/reports", json=follow, headers=login("safety"))
    assert filed.status_code == 201, filed.get_json()
    assert [r["kind"] for r in filed.get_json()["reports"]] == ["first", "followup"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_consultation_is_recorded_with_an_action_shown_on_its_page_and_minutes(
        app: Flask, client: FlaskClient, login: Login) -> None:
    county = Browser(app, "jinan")
    form = county.html("/consultations")
    assert '<option value="safety">金安区人民医院安全管理员（金安区人民医院）</option>' in form
    assert "裕安区" not in form  # another county's people are not offered
    done = county.post("/consultations", {
        "body_code": "LA-JA", "kind": "ad_hoc", "title": "配电安全专题会商", "topics": "配电间",
        "participants": ["jinan", "safety"], "decisions": "全面排查",
        "action_title": ["排查配电间", ""], "action_owner": ["safety", ""],
        "action_due": ["2026-11-20", ""]})
    assert done.status_code == 302
    session_id = int(re.findall(r"/consultations/(\d+)", done.headers["Location"])[0])
    page = county.html(f"/consultations/{session_id}")
    assert "排查配电间" in page and "金安区人民医院安全管理员" in page and "落实中" in page
    minutes = county.html(f"/consultations/{session_id}/minutes")
    assert "会商纪要" in minutes and "未销号重大隐患" in minutes
    items = client.get(f"{API}/consultations", headers=login("city")).get_json()["items"]
    assert [(s["id"], s["actions_open"]) for s in items] == [(session_id, 1)]
    assert_error(client.get(f"{API}/consultations/{session_id}", headers=login("yuan")), 404)
