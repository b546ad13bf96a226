"""The regulator's part of a major hazard (16号令 第十四条、第十六条、第二十条、第二十三条;
安全生产法 第四十一条、第六十五条): the county told at registration, the regulator's order (from
which a hidden 暗访 finding reaches the unit's principal), not stopping only with a reason and
interim measures, a plan sent back, the 挂牌督办 register, the report to 应急管理, 已核销.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, InvalidInput
from hazardflow.workflows.ledger import get_hazard, status_name
from hazardflow.workflows.usecases import supervision

from .lifecycle import Lifecycle
from .lifecycle_forms import (
    apply_resume_form,
    controls_form,
    emergency_form,
    major_order_form,
    plan_approved,
    plan_form,
    rectify_form,
    review_passed,
)

D = date(2026, 12, 31)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def report_major(lc: Lifecycle, by: str = "inspector", **extra: str) -> int:
    return lc.report(by=by, level="major", category="medical_gas", location="液氧站",
                     description="液氧储罐安全阀失效，未按期检验", **extra)


def to_plan(lc: Lifecycle, case_id: int) -> None:
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    lc.complete(case_id, "Task_Controls", "principal", controls_form())
    lc.complete(case_id, "Task_ReportEmergency", "principal", emergency_form())


def sees(lc: Lifecycle, username: str, case_id: int) -> bool:
    with lc.db.connect() as conn:
        return get_hazard(conn, lc.actor(username), lc.hazard(case_id)["code"]) is not None


def test_registering_a_major_hazard_notifies_the_county_at_once_even_from_an_unannounced_visit(
        lc: Lifecycle) -> None:
    case_id = report_major(lc, by="city", source="unannounced")
    notes = lc.notes(case_id)
    assert [(n.kind, n.to) for n in notes] == [("major_registered", "county_supervisor@LA-JA")]
    assert notes[0].at == lc.now()
    assert notes[0].title == "【重大隐患登记】隐患 YH-2026-000001"
    assert lc.open_elements(case_id) == ["Task_MajorOrder"]  # with the regulators, not nobody
    assert not sees(lc, "principal", case_id) and sees(lc, "jinan", case_id)


def test_a_hidden_major_finding_is_visible_to_the_principal_from_the_regulators_order(
        lc: Lifecycle) -> None:
    case_id = report_major(lc, by="city", source="unannounced")
    assert lc.hazard(case_id)["visible_to_unit"] is False
    lc.clock.advance(timedelta(hours=2))
    lc.complete(case_id, "Task_MajorOrder", "city", major_order_form("stop_use"))
    row = lc.hazard(case_id)
    assert row["visible_to_unit"] is True and row["published_at"] is None
    assert (row["order_kind"], row["ordered_by_body"], row["ordered_by_user"],
            row["ordered_on"]) == ("regulator", "LA", "city", "2026-11-02")
    assert lc.data(case_id)["order_measure"] == "stop_use"
    assert sees(lc, "principal", case_id)
    lc.complete(case_id, "Task_Controls", "principal", controls_form())  # and must act


def test_not_stopping_needs_a_reason_and_interim_measures(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form("rectify_now"))
    with pytest.raises(InvalidInput) as info:
        lc.complete(case_id, "Task_Controls", "principal", controls_form(shutdown_scope="none"))
    assert [d.field for d in info.value.details] == ["no_stop_reason"]
    for measure in ("evacuated", "warning_posted", "monitoring"):
        with pytest.raises(InvalidInput) as info:
            lc.complete(case_id, "Task_Controls", "principal", controls_form(
                shutdown_scope="none", no_stop_reason="急诊不能中断", **{measure: False}))
        assert [d.field for d in info.value.details] == [measure], measure
    lc.complete(case_id, "Task_Controls", "principal", controls_form(
        shutdown_scope="none", no_stop_reason="供氧不能中断，已启用备用汇流排并专人监测"))
    assert lc.open_elements(case_id) == ["Task_ReportEmergency"]


def test_the_plan_review_can_send_the_plan_back(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    to_plan(lc, case_id)
    lc.complete(case_id, "Task_Plan", "principal", plan_form(D))
    with pytest.raises(InvalidInput) as info:
        lc.complete(case_id, "Task_ReviewPlan", "jinan", {"plan_decision": "returned"})
    assert [d.field for d in info.value.details] == ["return_reason"]
    lc.complete(case_id, "Task_ReviewPlan", "jinan", {
        "plan_decision": "returned", "return_reason": "经费未落实，应急预案缺备用氧源"})
    assert lc.open_elements(case_id) == ["Task_Plan"]
    assert [t.state for t in lc.tasks(case_id, "Task_Plan")] == ["completed", "open"]
    assert lc.data(case_id)["return_reason"] == "经费未落实，应急预案缺备用氧源"
    lc.complete(case_id, "Task_Plan", "principal", plan_form(D))
    with pytest.raises(InvalidInput) as info:  # approving needs the listing decision
        lc.complete(case_id, "Task_ReviewPlan", "jinan", {"plan_decision": "approved"})
    assert [d.field for d in info.value.details] == ["listed_supervision"]
    lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved())
    assert lc.open_elements(case_id) == ["Task_RectifyMajor"]


def test_listing_and_delisting_are_on_the_register(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    to_plan(lc, case_id)
    lc.complete(case_id, "Task_Plan", "principal", plan_form(D))
    with pytest.raises(InvalidInput) as info:  # listing needs its reason
        lc.complete(case_id, "Task_ReviewPlan", "jinan",
                    {"plan_decision": "approved", "listed_supervision": True})
    assert [d.field for d in info.value.details] == ["listing_reason"]
    listed_at = lc.now()
    lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved(listed=True))
    [row] = supervision.register(lc.rt, lc.actor("jinan"))
    assert (row["hazard_code"], row["listed_level"], row["listed_by_body"],
            row["listed_by_user"], row["listed_at"], row["delisted_at"]) == \
        (lc.hazard(case_id)["code"], "county", "LA-JA", "jinan", listed_at, None)
    assert row["listing_reason"] == "涉及住院部供氧安全，列为区级挂牌督办"
    assert row["listed_by_name"] == "金安区卫生健康委员会"
    assert len(supervision.register(lc.rt, lc.actor("city"))) == 1  # the city sees all
    assert supervision.register(lc.rt, lc.actor("yuan")) == []  # another county: not its own
    with pytest.raises(Forbidden):
        supervision.register(lc.rt, lc.actor("principal"))

    lc.complete(case_id, "Task_RectifyMajor", "principal", rectify_form())
    lc.complete(case_id, "Task_ApplyResume", "principal", apply_resume_form())
    lc.clock.advance(timedelta(days=3))
    lc.complete(case_id, "Task_RegulatorReview", "city", review_passed())
    [row] = supervision.register(lc.rt, lc.actor("jinan"))
    assert (row["delisted_at"], row["delisted_by_user"], row["delisted_by_body"]) == \
        (lc.now(), "city", "LA")
    assert row["delisting_reason"] == review_passed()["review_opinion"]
    assert supervision.register(lc.rt, lc.actor("jinan"), listed_only=True) == []


def test_voiding_a_listed_hazard_delists_it(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    to_plan(lc, case_id)
    lc.complete(case_id, "Task_Plan", "principal", plan_form(D))
    lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved(listed=True))
    lc.message(case_id, "void", {"reason": "重复登记"}, "jinan")
    [row] = supervision.register(lc.rt, lc.actor("city"))
    assert (row["delisted_by_user"], row["delisting_reason"]) == ("jinan", "隐患作废：重复登记")


def test_the_report_to_emergency_management_is_recorded_with_its_date(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    lc.complete(case_id, "Task_Controls", "principal", controls_form())
    report = lc.task(case_id, "Task_ReportEmergency")
    assert lc.candidates(report.id) == {("principal", "LA-JA-H01"),
                                        ("county_supervisor", "LA-JA")}
    with pytest.raises(Forbidden):
        lc.complete(case_id, "Task_ReportEmergency", "safety", emergency_form())
    with pytest.raises(InvalidInput) as info:
        lc.complete(case_id, "Task_ReportEmergency", "jinan",
                    {**emergency_form(), "emergency_reported_on": ""})
    assert [d.field for d in info.value.details] == ["emergency_reported_on"]
    lc.complete(case_id, "Task_ReportEmergency", "jinan", emergency_form(date(2026, 11, 3)))
    assert lc.hazard(case_id)["emergency_reported_on"] == "2026-11-03"
    data = lc.data(case_id)
    assert (data["emergency_department"], data["emergency_reporter"]) == \
        ("六安市金安区应急管理局", "金安区人民医院院长")
    assert lc.open_elements(case_id) == ["Task_Plan"]


def test_a_closed_major_hazard_is_written_off_and_a_general_one_closed() -> None:
    assert status_name("closed", "major") == "已核销"
    assert status_name("closed", "general") == "已销号"
    assert status_name("open", "major") == "整改中"
