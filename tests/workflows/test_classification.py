"""Classification by the 2023 list (医疗机构重大事故隐患判定清单（试行）): the items are seeded
data; an item picked at registration makes the hazard 重大, or needs a recorded reason to
keep it 一般 — in the form's JSON Schema and in the registration use-case alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import InvalidInput
from hazardflow.workflows import classification
from hazardflow.workflows.runtime import HAZARD_PROCESS
from hazardflow.workflows.usecases import cases

from .lifecycle import Lifecycle
from .lifecycle_forms import register_form


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_the_2023_list_is_seeded_once_with_its_items_and_sub_items(conn: Connection) -> None:
    assert classification.seed_major_hazard_list(conn) == 13
    assert classification.seed_major_hazard_list(conn) == 0
    items = {i.code: i for i in classification.list_items(conn)}
    assert list(items) == ["1", "2", "2.1", "2.2", "2.3", "2.4", "3", "4", "5", "5.1", "5.2",
                           "6", "6.1"]
    assert [i.code for i in classification.choices(conn)] == [
        "1", "2.1", "2.2", "2.3", "2.4", "3", "4", "5.1", "5.2", "6.1"]
    assert items["4"].title == ("四 医疗机构使用的燃气设备未安装可燃气体报警装置或无法保障其"
                                "正常使用的。")
    assert items["2.2"].number == "二（二）" and "未经检验" in items["2.2"].text
    assert "特种设备安全管理和作业人员" in items["1"].text
    assert "安全生产管理协议" in items["6.1"].text


def test_an_item_of_the_2023_list_makes_the_hazard_major_or_needs_a_reason(
        lc: Lifecycle) -> None:
    gas = {"category": "gas_canteen", "location": "职工食堂操作间",
           "description": "燃气灶具未安装可燃气体报警装置", "major_item": "4"}
    with pytest.raises(InvalidInput) as refused:
        lc.report(by="inspector", source="inspection", **gas)
    assert [d.field for d in refused.value.details] == ["major_item_reason"]
    assert "按清单应判定为重大隐患" in refused.value.details[0].message
    major = lc.report(by="inspector", source="inspection", level="major", **gas)
    kept = lc.report(by="inspector", source="inspection",
                     major_item_reason="报警装置已安装，仅探头过期待更换，现场已人工值守", **gas)
    with lc.db.connect() as conn:
        first = classification.classification_of(conn, major)
        second = classification.classification_of(conn, kept)
    assert first is not None and (first["item_code"], first["level"], first["reason"]) == (
        "4", "major", None)
    assert second is not None and (second["level"], second["number"]) == ("general", "四")
    assert second["reason"].startswith("报警装置已安装")
    assert lc.hazard(major)["level"] == "major"


def test_the_register_form_itself_asks_for_the_reason(lc: Lifecycle) -> None:
    """Straight to the engine, past the use-case: the form's if/then refuses it too."""
    data = lc.with_uploads(register_form(major_item="2.2"), "safety")
    with pytest.raises(InvalidInput) as refused:
        lc.engine.start_case(HAZARD_PROCESS, data, lc.actor("safety"))
    assert [d.field for d in refused.value.details] == ["major_item_reason"]


@pytest.mark.parametrize("item", ["2", "9", "六"])
def test_an_item_with_sub_items_or_not_on_the_list_is_refused(lc: Lifecycle,
                                                             item: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        lc.report(by="safety", level="major", major_item=item)
    assert [d.field for d in refused.value.details] == ["major_item"]


def test_the_registration_page_offers_the_list_items(lc: Lifecycle) -> None:
    page = cases.registration(lc.rt, lc.actor("safety"))
    offered = page["form"]["properties"]["major_item"]["oneOf"]
    assert [o["const"] for o in offered] == [
        "1", "2.1", "2.2", "2.3", "2.4", "3", "4", "5.1", "5.2", "6.1"]
    assert offered[0]["title"].startswith("一 医疗机构中的特种作业人员")
