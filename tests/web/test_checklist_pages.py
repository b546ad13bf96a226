"""Checklists on the pages and through the API: the city changes items, each a new version;
an inspection form keeps the version it was opened on; the registration page and the API
offer the 2023 list and refuse a listed hazard kept 一般 without a reason."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error, hazard_data
from .pages import Browser
from .support import photo

API = "/api/v1"


def test_the_city_changes_a_checklist_on_its_page_and_others_only_read_it(app: Flask) -> None:
    city = Browser(app, "city")
    html = city.html("/campaigns/checklists/hospital_fire")
    assert 'id="add-item"' in html and "第 1 版" in html
    form = city.html("/campaigns/inspections/new?checklist=hospital_fire")
    assert 'name="checklist_version" value="1"' in form
    changed = city.post("/campaigns/checklists/hospital_fire/items/1", {
        "text": "疏散通道畅通（第二版）", "legal_basis": "消防法", "category": "fire"},
        follow_redirects=True)
    assert changed.status_code == 200 and "疏散通道畅通（第二版）" in changed.get_data(as_text=True)
    first = city.html("/campaigns/checklists/hospital_fire?version=1")
    assert "疏散通道畅通（第二版）" not in first and 'id="add-item"' not in first
    inspector = Browser(app, "inspector")
    html = inspector.html("/campaigns/checklists/hospital_fire")
    assert "第 2 版" in html and 'id="add-item"' not in html
    assert inspector.post("/campaigns/checklists/hospital_fire/items", {
        "text": "x", "category": "fire"}).status_code == 403


def test_the_checklist_api_changes_items_in_versions(client: FlaskClient, login: Login) -> None:
    city, inspector = login("city"), login("inspector")
    added = client.post(f"{API}/checklists/special_equipment/items", headers=city, json={
        "text": "氧舱操作人员持证上岗", "major_item": "1"})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["checklist"]["version"] == 2
    changed = client.patch(f"{API}/checklists/special_equipment/items/1", headers=city,
                           json={"major_item": ""})
    assert changed.get_json()["checklist"]["items"][0]["major_item"] is None
    retired = client.delete(f"{API}/checklists/special_equipment/items/2", headers=city)
    assert retired.get_json()["checklist"]["version"] == 4
    old = client.get(f"{API}/checklists/special_equipment?version=1", headers=inspector)
    assert old.get_json()["checklist"]["items"][0]["major_item"] == "1"
    assert_error(client.post(f"{API}/checklists/special_equipment/items", headers=inspector,
                             json={"text": "x"}), 403)
    assert_error(client.patch(f"{API}/checklists/special_equipment/items/99", headers=city,
                              json={"text": "x"}), 404)
    assert_error(client.get(f"{API}/checklists/special_equipment?version=9",
                            headers=inspector), 422)


def test_registration_offers_the_2023_list_and_needs_a_reason_to_keep_a_listed_hazard_general(
        app: Flask, client: FlaskClient, login: Login) -> None:
    html = Browser(app, "inspector").html("/hazards/new")
    offered = r'<option value="4"[^>]*>四 医疗机构使用的燃气设备未安装可燃气体报警装置'
    assert re.search(offered, html)
    items = client.get(f"{API}/major-hazard-items", headers=login("inspector")).get_json()
    assert items["document"].startswith("国家卫生健康委办公厅")
    assert [i["code"] for i in items["items"] if i["selectable"]][:2] == ["1", "2.1"]
    inspector = login("inspector")
    data = hazard_data(photos_before=[photo(client, inspector)], major_item="4",
                       category="gas_canteen")
    refused = assert_error(client.post(f"{API}/hazards", headers=inspector, json=data), 422)
    assert [d["field"] for d in refused["details"]] == ["major_item_reason"]
    made = client.post(f"{API}/hazards", headers=inspector, json={**data, "level": "major"})
    assert made.status_code == 201, made.get_json()


def test_unit_staff_cannot_mark_their_own_report_as_unannounced_on_the_page(
        app: Flask, client: FlaskClient, login: Login) -> None:
    safety = login("safety")
    data = hazard_data(photos_before=[photo(client, safety)], source="unannounced")
    refused = assert_error(client.post(f"{API}/hazards", headers=safety, json=data), 422)
    assert [d["field"] for d in refused["details"]] == ["source"]
    assert "本单位人员不能把本单位的隐患标为暗查暗访" in refused["details"][0]["message"]
