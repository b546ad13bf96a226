"""The city's 综合监督科 adds and changes checklist items, each change a new version; a
running inspection keeps the version it started with; the new checklists of the 2023 list's
areas are seeded, their items pointing at the list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, InvalidInput
from hazardflow.engine.journal import events
from hazardflow.workflows import campaigns, classification
from hazardflow.workflows.usecases import checklists as checklist_uc
from hazardflow.workflows.usecases.inspections import new_inspection
from hazardflow.workflows.usecases.inspections import record as record_uc

from .lifecycle import Lifecycle

NEW_LISTS = {"special_equipment", "power_distribution", "mechanical_parking",
             "building_structure", "contractor_lease"}


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def _passed(lc: Lifecycle, items: list[dict[str, Any]], failed: int,
            by: str = "inspector") -> list[dict[str, Any]]:
    return [{"item": i["position"], "result": "fail" if i["position"] == failed else "pass",
             "note": "发现问题" if i["position"] == failed else "",
             "photos": lc.with_uploads({"p": ["ev-c-1"]}, by)["p"]
             if i["position"] == failed else []} for i in items]


def test_the_checklists_for_the_2023_list_areas_are_seeded_and_point_at_its_items(
        lc: Lifecycle) -> None:
    with lc.db.connect() as conn:
        codes = {c["code"] for c in campaigns.list_checklists(conn)}
        assert NEW_LISTS <= codes
        picked = {i.code for i in classification.choices(conn)}
        linked: dict[str, set[str]] = {}
        for code in codes:
            for item in campaigns.get_checklist(conn, code)["items"]:
                if item["major_item"]:
                    assert item["major_item"] in picked and item["major_trigger"], item
                    linked.setdefault(item["major_item"], set()).add(code)
    # operators' certificates (一), parking garages and power (二), structure (五), leases (六)
    assert {"special_equipment", "power_distribution", "mechanical_parking"} <= linked["1"]
    assert "mechanical_parking" in linked["2.2"] and "power_distribution" in linked["2.1"]
    assert "building_structure" in linked["5.1"] and "building_structure" in linked["5.2"]
    assert "contractor_lease" in linked["6.1"]
    assert linked["4"] == {"hospital_fire"}  # gas appliances without a gas alarm


def test_a_failed_item_of_the_2023_list_opens_a_major_case_naming_the_item(
        lc: Lifecycle) -> None:
    items = new_inspection(lc.rt, lc.actor("inspector"), "special_equipment")["checklist"]
    operators = next(i for i in items["items"] if i["major_item"] == "1")
    found = record_uc(lc.rt, lc.actor("inspector"), unit_code="LA-JA-H01", kind="routine",
                      checklist_code="special_equipment",
                      results=_passed(lc, items["items"], operators["position"]))
    [failed] = [r for r in found["results"] if r["result"] == "fail"]
    assert failed["level"] == "major"
    assert lc.data(failed["case_id"])["major_item"] == "1"
    with lc.db.connect() as conn:
        kept = classification.classification_of(conn, failed["case_id"])
    assert kept is not None and kept["number"] == "一"


def test_the_city_changes_an_item_and_each_change_is_a_new_version(lc: Lifecycle) -> None:
    city = lc.actor("city")
    with pytest.raises(Forbidden):
        checklist_uc.add_item(lc.rt, lc.actor("jinan"), "hospital_fire", {"text": "x"})
    changed = checklist_uc.change_item(lc.rt, city, "hospital_fire", 1, {
        "text": "疏散通道、安全出口畅通，常闭式防火门保持关闭，疏散指示标志完好"})
    assert (changed["version"], changed["items"][0]["text"][-8:]) == (2, "疏散指示标志完好")
    added = checklist_uc.add_item(lc.rt, city, "hospital_fire", {
        "text": "厨房燃气管道设置紧急切断装置", "category": "gas_canteen", "major_item": "4"})
    assert added["version"] == 3 and added["items"][-1]["major_trigger"] is True
    retired = checklist_uc.retire_item(lc.rt, city, "hospital_fire", 7)
    assert retired["version"] == 4 and 7 not in [i["position"] for i in retired["items"]]
    first = checklist_uc.checklist(lc.rt, city, "hospital_fire", 1)
    assert [len(first["items"]), len(retired["items"])] == [7, 7]
    assert first["items"][0]["text"].endswith("常闭式防火门保持关闭")
    with pytest.raises(InvalidInput) as refused:
        checklist_uc.add_item(lc.rt, city, "hospital_fire", {"text": "x", "major_item": "2"})
    assert refused.value.details[0].field == "major_item"
    with lc.db.connect() as conn:
        actions = [e["action"] for e in events(conn)
                   if e["subject"] == "checklist:hospital_fire"]  # newest first
    assert actions == ["checklist.item_retired", "checklist.item_added", "checklist.item_changed"]


def test_a_running_inspection_keeps_its_checklist_version(lc: Lifecycle) -> None:
    started = new_inspection(lc.rt, lc.actor("inspector"), "hospital_fire")["checklist"]
    assert started["version"] == 1
    # while the inspector is on site, the city rewrites item 1 and adds an item
    checklist_uc.change_item(lc.rt, lc.actor("city"), "hospital_fire", 1,
                             {"text": "疏散通道畅通（新版）"})
    checklist_uc.add_item(lc.rt, lc.actor("city"), "hospital_fire", {"text": "新增的检查项"})
    found = record_uc(lc.rt, lc.actor("inspector"), unit_code="LA-JA-H01", kind="routine",
                      checklist_code="hospital_fire", checklist_version=started["version"],
                      results=_passed(lc, started["items"], 1))
    assert found["checklist_version"] == 1
    assert [r["text"] for r in found["results"]] == [i["text"] for i in started["items"]]
    assert "疏散通道畅通（新版）" not in lc.hazard(found["results"][0]["case_id"])["description"]
    # a new inspection takes the current version: its items, the new one included
    current = new_inspection(lc.rt, lc.actor("inspector"), "hospital_fire")["checklist"]
    assert (current["version"], len(current["items"])) == (3, 8)
    with pytest.raises(InvalidInput):  # the started version's answers miss the new item
        record_uc(lc.rt, lc.actor("inspector"), unit_code="LA-JA-H01", kind="routine",
                  checklist_code="hospital_fire", results=_passed(lc, started["items"], 0))
    with pytest.raises(InvalidInput):
        record_uc(lc.rt, lc.actor("inspector"), unit_code="LA-JA-H01", kind="routine",
                  checklist_code="hospital_fire", checklist_version=9,
                  results=_passed(lc, started["items"], 0))
