"""The campaigns API and pages: inspections through the API, the spot-check draw kept from
units until published, the consolidated report and the ranking exported to Excel."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from .conftest import Login, assert_error
from .pages import Browser
from .support import photo

API = "/api/v1"


def fire_checklist(client: FlaskClient, headers: dict[str, str],
                   failed: dict[int, str]) -> list[dict[str, Any]]:
    response = client.get(f"{API}/checklists/hospital_fire", headers=headers)
    assert response.status_code == 200
    items = response.get_json()["checklist"]["items"]
    return [{"item": i["position"], "result": "fail" if i["position"] in failed else "pass",
             "note": failed.get(i["position"], ""),
             "photos": [photo(client, headers)] if i["position"] in failed else []}
            for i in items]


def test_an_inspection_through_the_api_opens_cases_tagged_with_the_campaign(
        client: FlaskClient, login: Login) -> None:
    inspector = login("inspector")
    body = {"unit_code": "LA-JA-H01", "kind": "supervision", "checklist_code": "hospital_fire",
            "campaign_code": "2026-YDQ",
            "results": fire_checklist(client, inspector, {1: "通道堆物", 2: "喷淋关闭"})}
    response = client.post(f"{API}/inspections", json=body, headers=inspector)
    assert response.status_code == 201, response.get_json()
    found = response.get_json()["inspection"]
    codes = [r["hazard_code"] for r in found["results"] if r["hazard_code"]]
    assert len(codes) == 2
    progress = client.get(f"{API}/campaigns/2026-YDQ", headers=login("city")).get_json()
    assert progress["totals"]["found"] == 2 and progress["totals"]["major"] == 1
    assert_error(client.post(f"{API}/inspections", json={**body, "kind": "unannounced"},
                             headers=login("safety")), 403)  # a unit makes no 暗访
    assert_error(client.post(f"{API}/inspections", json={**body, "results": body["results"][:1]},
                             headers=inspector), 422)


def test_a_draw_is_hidden_from_units_until_the_city_publishes_it(
        client: FlaskClient, login: Login) -> None:
    city = login("city")
    response = client.post(f"{API}/spotchecks", json={
        "title": "第一批抽查", "kind": "spot_check", "size": 3, "seed": "abc",
        "stratified": True}, headers=city)
    assert response.status_code == 201, response.get_json()
    draw = response.get_json()["draw"]
    again = client.post(f"{API}/spotchecks", json={"kind": "spot_check", "size": 3,
                                                   "seed": "abc", "stratified": True},
                        headers=city).get_json()["draw"]
    assert [c["unit_code"] for c in again["checks"]] == [c["unit_code"] for c in draw["checks"]]
    assert_error(client.get(f"{API}/spotchecks/{draw['id']}", headers=login("safety")), 404)
    assert_error(client.post(f"{API}/spotchecks/{draw['id']}/publish", headers=city), 409)
    assert_error(client.post(f"{API}/spotchecks", json={"kind": "spot_check", "size": 1},
                             headers=login("jinan")), 403)


def test_pages_show_progress_reports_and_export_the_ranking(app: Flask) -> None:
    city = Browser(app, "city")
    assert "迎大庆、防风险、除隐患、保安全" in city.html("/campaigns/")
    page = city.html("/campaigns/c/2026-YDQ")
    assert "有限空间" in page and 'id="by-unit"' in page
    assert "疏散通道" in city.html("/campaigns/inspections/new?checklist=hospital_fire")
    assert 'id="reports"' in city.html("/campaigns/reports?kind=monthly&period=2026-11")
    export = city.get("/campaigns/reports/export.xlsx?kind=monthly&period=2026-11")
    assert export.status_code == 200
    assert load_workbook(io.BytesIO(export.data)).active.cell(1, 2).value == "单位"
    ranking = city.get("/campaigns/assessment/export.xlsx?year=2026")
    sheet = load_workbook(io.BytesIO(ranking.data)).active
    assert sheet.cell(1, 1).value == "名次" and sheet.max_row > 10
    response = city.post("/campaigns/spotchecks", {"title": "暗访", "kind": "unannounced",
                                                   "size": "2", "seed": "s1"})
    assert response.status_code == 302
    assert "s1" in city.html(response.headers["Location"])
    safety = Browser(app, "safety")
    assert "暗访" not in safety.html("/campaigns/spotchecks")


def test_an_inspection_naming_someone_elses_photo_records_nothing(
        client: FlaskClient, login: Login) -> None:
    inspector = login("inspector")
    results = fire_checklist(client, inspector, {1: "通道堆物"})
    results[0]["photos"] = [photo(client, login("safety"))]
    body = assert_error(client.post(f"{API}/inspections", headers=inspector, json={
        "unit_code": "LA-JA-H01", "kind": "supervision", "checklist_code": "hospital_fire",
        "results": results}), 422)
    assert [d["field"] for d in body["details"]] == ["photos1"]
    assert client.get(f"{API}/hazards", headers=login("city")).get_json()["items"] == []


def test_an_assessment_year_outside_2000_to_next_year_is_refused_by_api_and_pages(
        app: Flask, client: FlaskClient, login: Login) -> None:
    city, page = login("city"), Browser(app, "city")
    for year in (0, 1, 9999):
        body = assert_error(client.get(f"{API}/assessment/{year}", headers=city), 422)
        assert [d["field"] for d in body["details"]] == ["year"]
        assert body["message"].startswith("考核年度须为2000到2027之间的年份")
        for path in ("/campaigns/assessment", "/campaigns/assessment/export.xlsx"):
            response = page.get(f"{path}?year={year}")
            assert response.status_code == 422, (path, year, response.status_code)
            assert "考核年度须为2000到2027之间的年份" in response.get_data(as_text=True)
    assert page.get("/campaigns/assessment?year=abc").status_code == 422
    assert client.get(f"{API}/assessment/2027", headers=city).status_code == 200
    assert "2026" in page.html("/campaigns/assessment")


def test_a_page_and_its_api_twin_give_the_same_answer(
        app: Flask, client: FlaskClient, login: Login) -> None:
    found = client.post(f"{API}/inspections", headers=login("city"), json={
        "unit_code": "LA-JA-H01", "kind": "unannounced", "checklist_code": "hospital_fire",
        "results": fire_checklist(client, login("city"), {1: "安全出口上锁"})})
    assert found.status_code == 201, found.get_json()
    inspection_id = found.get_json()["inspection"]["id"]
    county, safety = login("jinan"), login("safety")
    campaign = {"code": "2027-XF", "name": "冬春火灾防控", "starts_on": "2027-01-01",
                "ends_on": "2027-03-31"}
    assert_error(client.post(f"{API}/campaigns", headers=county, json={
        **campaign, "themes": [{"code": "fire", "name": "消防", "category": "fire"}]}), 403)
    assert Browser(app, "jinan").post("/campaigns/", {**campaign, "themes": "fire"}) \
        .status_code == 403
    assert_error(client.post(f"{API}/inspections/{inspection_id}/publish", headers=county), 403)
    assert Browser(app, "jinan").post(f"/campaigns/inspections/{inspection_id}/publish") \
        .status_code == 403
    # an unpublished unannounced visit does not exist for the unit visited: its safety
    # officer, who signs the unit's own notices, cannot issue the visit's either
    assert_error(client.post(f"{API}/inspections/{inspection_id}/notice", headers=safety), 404)
    assert Browser(app, "safety").post(f"/campaigns/inspections/{inspection_id}/notice") \
        .status_code == 404
    assert_error(client.get(f"{API}/inspections/{inspection_id}", headers=safety), 404)
    assert Browser(app, "safety").get(f"/campaigns/inspections/{inspection_id}") \
        .status_code == 404
    assert Browser(app, "jinan").post("/campaigns/spotchecks", {
        "kind": "spot_check", "size": "1"}).status_code == 403


def test_bad_inspection_and_report_input_is_refused_never_a_500(
        app: Flask, client: FlaskClient, login: Login) -> None:
    city = login("city")
    results = fire_checklist(client, city, {})
    body = {"unit_code": "LA-JA-H01", "kind": "routine", "checklist_code": "hospital_fire",
            "results": results}
    for wrong, field, status in (  # not the documented type: 400; refused by the use-case: 422
            ({"unit_code": "NO-SUCH"}, "unit_code", 422),
            ({"spot_check_id": "abc"}, "spot_check_id", 422),
            ({"spot_check_id": 99999}, "spot_check_id", 422),
            ({"inspected_on": 20261102}, "inspected_on", 400),
            ({"campaign_code": ["2026-YDQ"]}, "campaign_code", 400),
            ({"results": [{"item": [1], "result": "pass"}]}, "results[0]", 422),
            ({"results": [{**results[0], "photos": "ev-1"}]}, "results[0]", 422)):
        refused = assert_error(client.post(f"{API}/inspections", headers=city,
                                           json={**body, **wrong}), status)
        assert [d["field"] for d in refused["details"]] == [field], wrong
    for period in ("2026-13", "9999-12", "x"):
        assert_error(client.get(f"{API}/reports/monthly/{period}", headers=city), 422)
        export = Browser(app, "city").get(
            f"/campaigns/reports/export.xlsx?kind=monthly&period={period}")
        assert export.status_code == 422, period
    # not the documented type: 400 (the seed is text, the units a list of codes)
    assert_error(client.post(f"{API}/spotchecks", headers=city, json={
        "kind": "spot_check", "size": 1, "seed": 5}), 400)
    assert_error(client.post(f"{API}/campaigns", headers=city, json={
        "code": "2027-XF", "name": "x", "starts_on": "2027-01-01", "ends_on": "2027-03-31",
        "themes": [{"code": "fire", "name": "消防", "category": "fire"}], "units": 7}), 400)


def test_a_published_notice_reads_as_issued_in_chinese_on_an_english_page(
        app: Flask, client: FlaskClient, login: Login) -> None:
    city = login("city")
    draw = client.post(f"{API}/spotchecks", json={
        "title": "十一月抽查", "kind": "spot_check", "size": 1, "seed": "en"},
        headers=city).get_json()["draw"]
    for check in draw["checks"]:
        response = client.post(f"{API}/inspections", headers=city, json={
            "unit_code": check["unit_code"], "kind": "spot_check",
            "checklist_code": "hospital_fire", "spot_check_id": check["id"],
            "results": fire_checklist(client, city, {})})
        assert response.status_code == 201, response.get_json()
    published = client.post(f"{API}/spotchecks/{draw['id']}/publish", headers=city,
                            json={"summary": "各单位对照整改"})
    assert published.status_code == 200, published.get_json()
    page = Browser(app, "city")
    chinese = page.html(f"/campaigns/spotchecks/{draw['id']}/notice")
    english = page.html(f"/campaigns/spotchecks/{draw['id']}/notice?lang=en")
    for html in (chinese, english):
        assert '<article class="notice card" id="notice" lang="zh-CN">' in html
        assert "关于十一月抽查情况的通报" in html and "检查结果纳入年度目标管理考核。" in html
    assert ">专项行动<" in chinese and ">专项行动<" not in english  # the page around it
    assert '<html lang="en">' in english
