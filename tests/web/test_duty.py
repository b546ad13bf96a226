"""Duty rosters through the API and the pages: today's officers from the demo's rosters (the
demo seeds this month's for the city, 金安区 and a few hospitals), a month replaced by its
keeper and refused to others, the roster page, its print and Excel twins."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from .conftest import Login, assert_error
from .pages import Browser

API = "/api/v1"
MONTH = "2026-12"


def test_the_api_answers_today_lets_only_the_keeper_replace_a_month_and_swaps_need_approval(
        client: FlaskClient, login: Login) -> None:
    today = client.get(f"{API}/duty/today", headers=login("jinan"))
    assert today.status_code == 200, today.get_json()
    body = today.get_json()
    assert body["day"] == "2026-11-02"  # 09:00 in 六安
    assert [c["code"] for c in body["counties"]] == ["LA-JA"]  # a county sees its own
    units = {u["code"]: u for u in body["counties"][0]["units"]}
    hospital = units["LA-JA-H01"]
    assert hospital["rostered"] and hospital["duty_phone"] == "0564-3310000"
    assert [p["name"] for p in hospital["leaders"]] == ["金安区人民医院安全管理员"]
    assert hospital["staff"][0]["phone"].startswith("1380564")
    assert not units["LA-JA-H02"]["rostered"]

    plan = {"days": {"2026-12-01": {"leader": ["principal"], "staff": ["safety"]}},
            "duty_phone": "0564-3311111"}
    path = f"{API}/units/LA-JA-H01/rosters/{MONTH}"
    assert_error(client.put(path, json=plan, headers=login("jinan")), 403)
    assert_error(client.get(path, headers=login("yuan")), 403)
    assert_error(client.get(f"{API}/units/LA-JA-H01/rosters/2026-13",
                            headers=login("safety")), 422)
    assert_error(client.get(f"{API}/units/NOPE/rosters/{MONTH}", headers=login("city")), 404)
    bad = {"days": {"2026-12-01": {"leader": ["jinan"]}}}
    assert_error(client.put(path, json=bad, headers=login("safety")), 422)
    untouched = client.get(path, headers=login("jinan")).get_json()
    assert not untouched["exists"]
    saved = client.put(path, json=plan, headers=login("safety"))
    assert saved.status_code == 200, saved.get_json()
    first = saved.get_json()["days"][0]
    assert [p["username"] for p in first["leaders"]] == ["principal"]
    read = client.get(path, headers=login("jinan")).get_json()
    assert read["exists"] and read["duty_phone"] == "0564-3311111" and not read["may_keep"]
    assert len(read["days"]) == 31
    swap_and_declare_through_the_api(client, login)


def test_the_pages_show_today_the_roster_its_print_and_its_export(app: Flask) -> None:
    city = Browser(app, "city")
    html = city.html("/duty/today")
    assert "金安区人民医院" in html and "市卫健委分管领导" in html and "0564-3370000" in html
    assert "六安市卫生健康委员会" in html
    safety = Browser(app, "safety")
    roster = safety.html("/duty/LA-JA-H01/2026-11")
    assert 'id="roster-form"' in roster and "金安区人民医院院长" in roster
    rotated = safety.post("/duty/LA-JA-H01/2026-11/rotate", {
        "leaders": ["principal", "safety"], "staff": ["rectifier", "verifier"],
        "staff_per_day": "1"}, follow_redirects=True)
    assert "已按顺序轮班生成" in rotated.get_data(as_text=True)
    saved = safety.post("/duty/LA-JA-H01/2026-11", {
        "leader-2026-11-03": ["principal"], "staff-2026-11-03": ["verifier", "rectifier"],
        "duty_phone": "0564-3312222"})
    assert saved.status_code == 302
    printed = city.html("/duty/LA-JA-H01/2026-11/print")
    assert "0564-3312222" in printed and "金安区人民医院验收人" in printed
    read = city.html("/duty/LA-JA-H01/2026-11")
    assert 'id="roster-form"' not in read
    assert "编排值班表" in read.split('id="history"')[1]  # the change, by whom, in the journal
    export = city.get("/duty/LA-JA-H01/2026-11.xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(
        values_only=True))
    assert rows[3][0].date().isoformat() == "2026-11-03"
    assert rows[3][4] == "金安区人民医院验收人、金安区人民医院整改责任人" or \
        rows[3][4] == "金安区人民医院整改责任人、金安区人民医院验收人"
    assert Browser(app, "yuan").get("/duty/LA-JA-H01/2026-11").status_code == 403


def swap_and_declare_through_the_api(client: FlaskClient, login: Login) -> None:
    """A swap needs the colleague, then the keeper; the city declares a level."""
    roster = f"{API}/units/LA-JA-H01/rosters/2026-11"
    asked = client.post(f"{roster}/swaps", headers=login("rectifier"), json={
        "day": "2026-11-05", "colleague": "verifier", "reason": "外出培训"})
    assert asked.status_code == 201, asked.get_json()
    swap = asked.get_json()
    assert swap["status"] == "requested" and swap["post"] == "staff"
    early = client.post(f"{API}/duty/swaps/{swap['id']}/decision", headers=login("safety"),
                        json={"approve": True})
    assert_error(early, 409)
    assert_error(client.post(f"{API}/duty/swaps/{swap['id']}/answer",
                             headers=login("principal"), json={"accept": True}), 403)
    accepted = client.post(f"{API}/duty/swaps/{swap['id']}/answer", headers=login("verifier"),
                           json={"accept": True})
    assert accepted.get_json()["status"] == "accepted"
    approved = client.post(f"{API}/duty/swaps/{swap['id']}/decision", headers=login("safety"),
                           json={"approve": True, "note": "同意"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    day = client.get(roster, headers=login("safety")).get_json()["days"][4]
    assert [p["username"] for p in day["staff"]] == ["verifier"]
    level = {"name": "测试提级", "starts_on": "2026-11-04", "ends_on": "2026-11-05",
             "min_leaders": 1, "min_staff": 2}
    assert_error(client.post(f"{API}/duty/levels", headers=login("jinan"), json=level), 403)
    declared = client.post(f"{API}/duty/levels", headers=login("city"), json=level)
    assert declared.status_code == 201 and declared.get_json()["units_told"] >= 5
    listed = client.get(f"{API}/duty/levels", headers=login("safety")).get_json()["items"]
    assert [lv["name"] for lv in listed] == ["测试提级"]
