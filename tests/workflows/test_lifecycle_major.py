"""The major-hazard (重大隐患) lifecycle through the real engine, resolver, handlers and ledger:
the county told at once → the regulator's order → controls → report up → the report to 应急管理
→ governance plan (six parts) → plan review / 挂牌督办 → rectification → assessment and
application to resume use → regulator review within 10 days → 摘牌, 核销.

Every step is checked by the driver (tests/workflows/lifecycle.py): a fresh deserialization
matches the live case, the task and timer mirrors match it, and the audit chain verifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, InvalidInput

from .lifecycle import T0, Lifecycle, end_of_day
from .lifecycle_forms import (
    PLAN_PARTS,
    UNIT,
    apply_resume_form,
    controls_form,
    emergency_form,
    major_order_form,
    plan_approved,
    plan_form,
    rectify_form,
    review_failed,
    review_passed,
)

D = date(2026, 12, 31)  # the deadline in the governance plan
SUPERVISORS = {("county_supervisor", "LA-JA"), ("city_supervisor", "LA")}
MAJOR_LADDER = ("BoundaryEvent_MajorRemind", "BoundaryEvent_MajorDue",
                "BoundaryEvent_MajorOverdue", "BoundaryEvent_MajorLetter",
                "BoundaryEvent_MajorPublish")


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def report_major(lc: Lifecycle) -> int:
    return lc.report(level="major", category="medical_gas", location="液氧站",
                     description="液氧储罐安全阀失效，未按期检验")


def to_review(lc: Lifecycle, case_id: int, listed: bool) -> None:
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    lc.complete(case_id, "Task_Controls", "principal", controls_form())
    lc.complete(case_id, "Task_ReportEmergency", "principal", emergency_form())
    lc.complete(case_id, "Task_Plan", "principal", plan_form(D))
    lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved(listed))


def test_major_hazard_from_controls_to_written_off(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    assert lc.hazard(case_id)["level"] == "major"
    assert lc.note_summary(case_id) == [("major_registered", "county_supervisor@LA-JA")]
    order = lc.task(case_id, "Task_MajorOrder")
    assert lc.candidates(order.id) == {("county_supervisor", "LA-JA"), ("inspector", "LA-JA"),
                                       ("city_supervisor", "LA")}
    with pytest.raises(Forbidden):  # the hospital does not order itself
        lc.complete(case_id, "Task_MajorOrder", "principal", major_order_form())
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    controls = lc.task(case_id, "Task_Controls")
    assert lc.candidates(controls.id) == {("principal", UNIT)}
    assert (controls.assignee, controls.due_at, controls.priority) == \
        (None, T0 + timedelta(days=1), 90)
    with pytest.raises(Forbidden):  # the safety officer is not the principal
        lc.complete(case_id, "Task_Controls", "safety", controls_form())

    # controls and shutdown, then the report goes up to the county and the city
    lc.clock.advance(timedelta(hours=2))
    lc.complete(case_id, "Task_Controls", "principal", controls_form())
    assert lc.note_summary(case_id)[1:] == [("report_up", "county_supervisor@LA-JA"),
                                            ("report_up", "city_supervisor@LA")]
    report = lc.notes(case_id)[1]
    assert report.title == "【重大隐患上报】隐患 YH-2026-000001"
    assert "金安区人民医院" in report.body and "重大隐患" in report.body
    assert report.at == lc.now()
    lc.complete(case_id, "Task_ReportEmergency", "principal", emergency_form())

    # the governance plan: every one of the six parts is required, field by field
    plan = lc.task(case_id, "Task_Plan")
    assert lc.candidates(plan.id) == {("principal", UNIT)}
    for part in PLAN_PARTS:
        incomplete = plan_form(D)
        del incomplete[part]
        with pytest.raises(InvalidInput) as info:
            lc.complete(case_id, "Task_Plan", "principal", incomplete)
        assert [d.field for d in info.value.details] == [part], part
        blank = {**plan_form(D), part: ""}
        with pytest.raises(InvalidInput) as info:
            lc.complete(case_id, "Task_Plan", "principal", blank)
        assert [d.field for d in info.value.details] == [part], part
    lc.complete(case_id, "Task_Plan", "principal", plan_form(D))

    # plan review with listed supervision (挂牌督办): the city is told
    review = lc.task(case_id, "Task_ReviewPlan")
    assert lc.candidates(review.id) == SUPERVISORS
    with pytest.raises(Forbidden):
        lc.complete(case_id, "Task_ReviewPlan", "principal", plan_approved(listed=True))
    lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved(listed=True))
    assert lc.note_summary(case_id)[3:] == [("listed_supervision", "city_supervisor@LA")]
    assert lc.notes(case_id)[3].title == "【重大隐患挂牌督办】隐患 YH-2026-000001"

    # rectification by the responsible person named in the plan, under the major ladder
    rectify = lc.task(case_id, "Task_RectifyMajor")
    assert (rectify.assignee, rectify.due_at, rectify.priority) == \
        ("principal", end_of_day(D), 80)
    assert lc.candidates(rectify.id) == {("principal", UNIT)}
    assert set(lc.pending_timers(case_id)) == set(MAJOR_LADDER)
    assert lc.pending_timers(case_id)["BoundaryEvent_MajorDue"] == end_of_day(D)
    assert lc.hazard(case_id)["stage"] == "重大隐患整改"
    lc.clock.advance(timedelta(days=20))
    lc.complete(case_id, "Task_RectifyMajor", "principal", rectify_form("已更换并检验安全阀"))
    assert lc.pending_timers(case_id) == {}

    # assessment and written application to resume
    apply = lc.task(case_id, "Task_ApplyResume")
    assert lc.candidates(apply.id) == {("principal", UNIT)}
    no_agency = {**apply_resume_form()}
    del no_agency["assessment_agency"]  # required when a qualified agency assessed it
    with pytest.raises(InvalidInput) as info:
        lc.complete(case_id, "Task_ApplyResume", "principal", no_agency)
    assert [d.field for d in info.value.details] == ["assessment_agency"]
    applied_at = lc.now()
    lc.complete(case_id, "Task_ApplyResume", "principal", apply_resume_form())

    # the regulator reviews on site within 10 days; failed → rectify again
    regulator = lc.task(case_id, "Task_RegulatorReview")
    assert lc.candidates(regulator.id) == SUPERVISORS
    assert regulator.due_at == applied_at + timedelta(days=10)
    assert lc.pending_timers(case_id) == {
        "BoundaryEvent_ReviewWindow": applied_at + timedelta(days=10)}
    with pytest.raises(InvalidInput) as info:
        lc.complete(case_id, "Task_RegulatorReview", "jinan",
                    {"review_result": "failed", "review_opinion": "不同意"})
    assert [d.field for d in info.value.details] == ["fail_reason"]
    lc.clock.advance(timedelta(days=3))
    lc.complete(case_id, "Task_RegulatorReview", "jinan", review_failed("安全阀检验报告缺失"))
    assert lc.open_elements(case_id) == ["Task_RectifyMajor"]
    assert [t.state for t in lc.tasks(case_id, "Task_RectifyMajor")] == ["completed", "open"]
    assert lc.data(case_id)["fail_reason"] == "安全阀检验报告缺失"
    assert lc.pending_timers(case_id) == {  # re-armed, all still ahead of the deadline
        e: end_of_day(D + timedelta(days=n))
        for e, n in zip(MAJOR_LADDER, (-3, 0, 1, 7, 30), strict=True)}
    assert lc.hazard(case_id)["status"] == "open"

    lc.clock.advance(timedelta(days=2))
    lc.complete(case_id, "Task_RectifyMajor", "principal", rectify_form("已补做检验"))
    lc.complete(case_id, "Task_ApplyResume", "principal", apply_resume_form())
    lc.clock.advance(timedelta(days=4))
    closed_at = lc.now()
    result = lc.complete(case_id, "Task_RegulatorReview", "jinan", review_passed())
    assert result.status == "completed"
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["closed_at"], hazard["level"]) == \
        ("closed", closed_at, "major")
    assert (hazard["deadline"], hazard["responsible_user"]) == ("2026-12-31", "principal")
    assert lc.data(case_id)["outcome"] == "closed"
    assert lc.ran(case_id)[-5:] == ["ServiceTask_Delist", "EndEvent_MajorDone",
                                    "SubProcess_Handle", "ServiceTask_Close", "EndEvent_Closed"]
    assert lc.open_tasks(case_id) == [] and lc.pending_timers(case_id) == {}
    assert len(lc.notes(case_id)) == 4  # registered, report up ×2, listed; nothing lapsed


def test_plan_review_without_listing_tells_no_one(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    to_review(lc, case_id, listed=False)
    assert [k for k, _ in lc.note_summary(case_id)] == ["major_registered", "report_up",
                                                        "report_up"]
    assert "ServiceTask_List" not in lc.ran(case_id)
    assert "ServiceTask_ListedNotify" not in lc.ran(case_id)
    assert lc.open_elements(case_id) == ["Task_RectifyMajor"]
    lc.complete(case_id, "Task_RectifyMajor", "principal", rectify_form())
    lc.complete(case_id, "Task_ApplyResume", "principal", apply_resume_form())
    lc.complete(case_id, "Task_RegulatorReview", "jinan", review_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_the_lapsed_regulator_review_window_tells_the_city_once(lc: Lifecycle) -> None:
    case_id = report_major(lc)
    to_review(lc, case_id, listed=False)
    lc.complete(case_id, "Task_RectifyMajor", "principal", rectify_form())
    applied_at = lc.now()
    lc.complete(case_id, "Task_ApplyResume", "principal", apply_resume_form())
    window = applied_at + timedelta(days=10)
    before = len(lc.notes(case_id))
    assert lc.fire(case_id, window - timedelta(seconds=1)) == 0
    assert len(lc.notes(case_id)) == before
    assert lc.fire(case_id, window + timedelta(seconds=1)) == 1
    lapsed = lc.notes(case_id)[before:]
    assert [(n.kind, n.to) for n in lapsed] == [("overdue", "city_supervisor@LA")]
    assert lapsed[0].at == window + timedelta(seconds=1)
    assert lc.ran(case_id)[-3:] == ["BoundaryEvent_ReviewWindow", "ServiceTask_ReviewOverdue",
                                    "EndEvent_ReviewOverdue"]
    assert lc.fire(case_id) == 0 and lc.fire(case_id, window + timedelta(days=5)) == 0
    assert len(lc.notes(case_id)) == before + 1
    # the window lapsing does not close the review: the regulator still decides
    assert lc.open_elements(case_id) == ["Task_RegulatorReview"]
    lc.complete(case_id, "Task_RegulatorReview", "jinan", review_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_the_regulator_who_rectified_is_refused(lc: Lifecycle) -> None:
    # a principal who also holds a county supervisor's role (two hats, one person)
    lc.add_user("twohats", f"principal@{UNIT}", "county_supervisor@LA-JA")
    case_id = report_major(lc)
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    lc.complete(case_id, "Task_Controls", "twohats", controls_form())
    lc.complete(case_id, "Task_ReportEmergency", "twohats", emergency_form())
    lc.complete(case_id, "Task_Plan", "twohats", plan_form(D, responsible="twohats"))
    lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved())
    lc.complete(case_id, "Task_RectifyMajor", "twohats", rectify_form())
    lc.complete(case_id, "Task_ApplyResume", "principal", apply_resume_form())
    with pytest.raises(Forbidden) as info:
        lc.complete(case_id, "Task_RegulatorReview", "twohats", review_passed())
    assert "separation of duties" in info.value.message
    lc.complete(case_id, "Task_RegulatorReview", "jinan", review_passed())
    assert lc.hazard(case_id)["status"] == "closed"
