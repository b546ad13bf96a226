"""The general-hazard (一般隐患) lifecycle through the real engine, resolver, handlers and ledger.

Every step is checked by the driver (tests/workflows/lifecycle.py): a fresh deserialization
matches the live case, the task and timer mirrors match it, and the audit chain verifies.
Reclassification, voiding and a failing handler are here too: they happen mid-way in the
general path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, Forbidden, InvalidInput, NotFound

from .lifecycle import T0, Lifecycle, end_of_day
from .lifecycle_forms import (
    UNIT,
    controls_form,
    fix_form,
    major_order_form,
    on_spot_form,
    order_form,
    rectify_form,
    verify_failed,
    verify_passed,
)

D = date(2026, 11, 20)  # the rectification deadline: lapses 2026-11-20 24:00 in Lu'an
TRIAGE_CANDIDATES = {("safety_officer", UNIT), ("county_supervisor", "LA-JA"),
                     ("city_supervisor", "LA-JA")}
VERIFY_CANDIDATES = {("verifier", UNIT)}  # the unit's own finding, ordered by the unit
RECHECK_CANDIDATES = {("county_supervisor", "LA-JA"), ("inspector", "LA-JA"),
                      ("city_supervisor", "LA-JA")}
LADDER = ("BoundaryEvent_RectifyRemind", "BoundaryEvent_RectifyDue",
          "BoundaryEvent_RectifyOverdue", "BoundaryEvent_RectifyLetter",
          "BoundaryEvent_RectifyPublish")


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def ladder_due(deadline: date) -> dict[str, object]:
    return dict(zip(LADDER, (end_of_day(deadline + timedelta(days=n))
                             for n in (-3, 0, 1, 7, 30)), strict=True))


def test_reporting_registers_the_hazard_and_opens_triage(lc: Lifecycle) -> None:
    case_id = lc.report()
    hazard = lc.hazard(case_id)
    assert hazard["code"] == "YH-2026-000001"
    assert (hazard["status"], hazard["level"], hazard["unit_code"], hazard["county_code"]) == \
        ("open", "general", UNIT, "LA-JA")
    assert (hazard["reported_by"], hazard["reported_at"], hazard["closed_at"]) == \
        ("safety", T0, None)
    assert hazard["notice_no"] is None and hazard["deadline"] is None
    task = lc.task(case_id, "Task_Triage")
    assert lc.candidates(task.id) == TRIAGE_CANDIDATES
    assert (task.assignee, task.due_at, task.priority, task.form_key) == \
        (None, T0 + timedelta(days=1), 50, "hazard_triage")
    assert lc.pending_timers(case_id) == {} and lc.notes(case_id) == []
    assert lc.actions(case_id) == ["start"]
    assert lc.case(case_id).status == "active"


def test_the_ledger_shows_the_stage_from_the_start(lc: Lifecycle) -> None:
    case_id = lc.report()
    assert lc.hazard(case_id)["stage"] == "下达整改通知/现场处置"


def test_a_person_outside_the_unit_or_not_a_candidate_is_refused(lc: Lifecycle) -> None:
    case_id = lc.report()
    with pytest.raises(NotFound):  # another hospital's safety officer: not theirs to see
        lc.complete(case_id, "Task_Triage", "safety2", order_form(D))
    with pytest.raises(InvalidInput) as info:  # a rectifier of another hospital
        lc.complete(case_id, "Task_Triage", "safety", order_form(D, responsible="rectifier2"))
    assert [d.field for d in info.value.details] == ["responsible_user"]
    with pytest.raises(InvalidInput) as info:  # ordering needs a deadline
        lc.complete(case_id, "Task_Triage", "safety",
                    {"disposition": "order", "responsible_user": "rectifier"})
    assert [d.field for d in info.value.details] == ["deadline"]
    assert lc.open_elements(case_id) == ["Task_Triage"]


def test_on_the_spot_fix_verified_closes_the_hazard(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.clock.advance(timedelta(hours=1))
    lc.complete(case_id, "Task_Triage", "safety", on_spot_form())
    fix = lc.task(case_id, "Task_FixOnSpot")
    assert (fix.assignee, fix.due_at) == ("rectifier", lc.now() + timedelta(days=1))
    assert lc.candidates(fix.id) == set()  # the named person only
    assert lc.pending_timers(case_id) == {}  # no ladder on an on-the-spot fix
    with pytest.raises(Forbidden):
        lc.complete(case_id, "Task_FixOnSpot", "safety", fix_form())
    lc.clock.advance(timedelta(hours=1))
    lc.complete(case_id, "Task_FixOnSpot", "rectifier", fix_form())
    verify = lc.task(case_id, "Task_Verify")
    assert lc.candidates(verify.id) == VERIFY_CANDIDATES
    assert (verify.assignee, verify.due_at) == (None, lc.now() + timedelta(days=3))
    assert lc.hazard(case_id)["stage"] == "验收/复查"
    lc.clock.advance(timedelta(hours=1))
    closed_at = lc.now()
    result = lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    assert result.status == "completed"
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["closed_at"], hazard["stage"], hazard["notice_no"]) == \
        ("closed", closed_at, None, None)
    assert lc.data(case_id)["outcome"] == "closed"
    assert (lc.case(case_id).status, lc.case(case_id).completed_at) == ("completed", closed_at)
    assert lc.open_tasks(case_id) == [] and lc.pending_timers(case_id) == {}
    assert lc.notes(case_id) == []
    assert lc.ran(case_id)[-4:] == ["EndEvent_GeneralDone", "SubProcess_Handle",
                                    "ServiceTask_Close", "EndEvent_Closed"]
    assert lc.actions(case_id) == ["start", "complete", "complete", "complete"]
    with pytest.raises(Conflict):  # nothing moves a closed case
        lc.engine.send_message(case_id, "void", {}, lc.actor("jinan"))


def test_failed_on_the_spot_fix_goes_back_to_triage_and_can_be_ordered(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", on_spot_form())
    lc.complete(case_id, "Task_FixOnSpot", "rectifier", fix_form())
    with pytest.raises(InvalidInput) as info:  # a failed verification needs its reason
        lc.complete(case_id, "Task_Verify", "verifier",
                    {"verify_result": "failed", "verify_opinion": "不合格"})
    assert [d.field for d in info.value.details] == ["fail_reason"]
    lc.complete(case_id, "Task_Verify", "verifier", verify_failed("杂物仅移至楼梯间"))
    assert lc.open_elements(case_id) == ["Task_Triage"]
    triage = lc.tasks(case_id, "Task_Triage")
    assert [t.state for t in triage] == ["completed", "open"]
    assert lc.candidates(triage[-1].id) == TRIAGE_CANDIDATES
    assert lc.data(case_id)["fail_reason"] == "杂物仅移至楼梯间"  # the triager sees why
    assert lc.hazard(case_id)["status"] == "open"
    lc.complete(case_id, "Task_Triage", "jinan", order_form(D))  # the county orders it now
    assert lc.open_elements(case_id) == ["Task_Rectify"]
    assert lc.hazard(case_id)["notice_no"] == "金安卫健整改〔2026〕1号"
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    # the body that ordered the rectification re-checks it
    assert lc.open_elements(case_id) == ["Task_Recheck"]
    assert lc.candidates(lc.task_id(case_id, "Task_Recheck")) == RECHECK_CANDIDATES
    lc.complete(case_id, "Task_Recheck", "jinan", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_ordered_rectification_failed_then_passed_verification(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    hazard = lc.hazard(case_id)
    assert hazard["notice_no"] == "金安卫健整改〔2026〕1号"
    assert lc.services(case_id, "hazard.number_notice") == [{
        "element": "ServiceTask_NumberNotice", "topic": "hazard.number_notice",
        "set": {"notice_no": "金安卫健整改〔2026〕1号"}}]
    assert hazard["stage"] == "整改"
    rectify = lc.task(case_id, "Task_Rectify")
    assert (rectify.assignee, rectify.due_at) == ("rectifier", end_of_day(D))
    assert rectify.due_at.isoformat() == "2026-11-20T16:00:00+00:00"  # 24:00 in Lu'an
    assert lc.candidates(rectify.id) == {("rectifier", UNIT)}
    assert lc.pending_timers(case_id) == ladder_due(D)
    with pytest.raises(Forbidden):  # assigned to the responsible person
        lc.complete(case_id, "Task_Rectify", "verifier", rectify_form())

    lc.clock.advance(timedelta(days=2))
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    assert lc.pending_timers(case_id) == {}  # rectified: the ladder is retired
    assert {t.element_id for t in lc.timers(case_id, pending=False)} == set(LADDER)
    verify = lc.task(case_id, "Task_Verify")
    assert lc.candidates(verify.id) == VERIFY_CANDIDATES
    assert verify.due_at == lc.now() + timedelta(days=3)

    lc.clock.advance(timedelta(days=1))
    lc.complete(case_id, "Task_Verify", "verifier", verify_failed("安全出口仍被锁闭"))
    again = lc.tasks(case_id, "Task_Rectify")
    assert [t.state for t in again] == ["completed", "open"]
    assert (again[-1].assignee, again[-1].due_at) == ("rectifier", end_of_day(D))
    assert lc.data(case_id)["fail_reason"] == "安全出口仍被锁闭"  # the rectifier sees why
    assert lc.pending_timers(case_id) == ladder_due(D)  # before the deadline: re-armed
    assert lc.hazard(case_id)["status"] == "open"

    lc.clock.advance(timedelta(days=1))
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form("已拆除门锁，换装推杠锁"))
    lc.clock.advance(timedelta(days=1))
    closed_at = lc.now()
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["closed_at"]) == ("closed", closed_at)
    assert (hazard["deadline"], hazard["responsible_user"]) == ("2026-11-20", "rectifier")
    assert hazard["notice_no"] == "金安卫健整改〔2026〕1号"
    assert lc.data(case_id)["outcome"] == "closed"
    assert lc.notes(case_id) == []  # closed before any rung of the ladder
    assert lc.actions(case_id) == ["start"] + ["complete"] * 5
    # the next notice of the same county takes the next number
    second = lc.report()
    lc.complete(second, "Task_Triage", "safety", order_form(D))
    assert lc.hazard(second)["notice_no"] == "金安卫健整改〔2026〕2号"


def test_a_city_direct_unit_is_supervised_by_the_city_itself(lc: Lifecycle) -> None:
    lc.add_user("zs_rect", "rectifier@LA-ZS-01")
    case_id = lc.report(by="city", unit_code="LA-ZS-01", source="spot_check")
    assert lc.hazard(case_id)["county_code"] == "LA"
    triage = lc.task(case_id, "Task_Triage")
    assert lc.candidates(triage.id) == {("safety_officer", "LA-ZS-01"),
                                        ("county_supervisor", "LA"), ("city_supervisor", "LA")}
    with pytest.raises(NotFound):  # 金安区 does not even see a city hospital's hazard
        lc.complete(case_id, "Task_Triage", "jinan", order_form(D, responsible="zs_rect"))
    lc.complete(case_id, "Task_Triage", "city", order_form(D, responsible="zs_rect"))
    assert lc.hazard(case_id)["notice_no"] == "六卫健整改〔2026〕1号"
    lc.complete(case_id, "Task_Rectify", "zs_rect", rectify_form())
    # the city, supervising its own city-direct unit, found and ordered it: it re-checks
    recheck = lc.task(case_id, "Task_Recheck")
    assert lc.candidates(recheck.id) == {("county_supervisor", "LA"), ("inspector", "LA"),
                                         ("city_supervisor", "LA")}
    lc.complete(case_id, "Task_Recheck", "city", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_ordering_puts_deadline_and_responsible_person_on_the_ledger(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    hazard = lc.hazard(case_id)
    assert (hazard["deadline"], hazard["responsible_user"]) == ("2026-11-20", "rectifier")


def test_the_verifier_who_rectified_is_refused(lc: Lifecycle) -> None:
    lc.add_user("both", f"rectifier@{UNIT}", f"verifier@{UNIT}")
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(D, responsible="both"))
    lc.complete(case_id, "Task_Rectify", "both", rectify_form())
    with pytest.raises(Forbidden) as info:
        lc.complete(case_id, "Task_Verify", "both", verify_passed())
    assert "职责分离" in info.value.message and "separation of duties" in info.value.message
    assert "Task_Rectify" not in info.value.message  # a person reads it: no element id
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_the_verifier_who_fixed_on_the_spot_is_refused(lc: Lifecycle) -> None:
    lc.add_user("both", f"rectifier@{UNIT}", f"verifier@{UNIT}")
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", on_spot_form(responsible="both"))
    lc.complete(case_id, "Task_FixOnSpot", "both", fix_form())
    with pytest.raises(Forbidden) as info:
        lc.complete(case_id, "Task_Verify", "both", verify_passed())
    assert "separation of duties" in info.value.message
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


# -- reclassify and void -----------------------------------------------------------------

def test_reclassified_as_major_mid_way_the_case_re_enters_on_the_major_path(
        lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    assert lc.open_elements(case_id) == ["Task_Rectify"]
    lc.clock.advance(timedelta(days=1))
    result = lc.message(case_id, "reclassify",
                        {"level": "major", "reason": "经复核，安全出口锁闭属重大火灾隐患"}, "jinan")
    assert result.status == "active"
    assert lc.open_elements(case_id) == ["Task_MajorOrder"]  # the regulator orders first
    assert [t.state for t in lc.tasks(case_id, "Task_Rectify")] == ["cancelled"]
    assert lc.pending_timers(case_id) == {}  # the general ladder went with Task_Rectify
    hazard = lc.hazard(case_id)
    assert (hazard["level"], hazard["status"], hazard["stage"]) == \
        ("major", "open", "责令立即整改/停止使用")
    assert lc.data(case_id)["level"] == "major"
    assert lc.ran(case_id)[-6:] == ["BoundaryEvent_Reclassify", "ServiceTask_Reclassify",
                                    "Gateway_HandleJoin", "StartEvent_Handle", "Gateway_Level",
                                    "ServiceTask_MajorRegistered"]
    assert lc.actions(case_id)[-1] == "message"
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    controls = lc.task(case_id, "Task_Controls")
    assert lc.candidates(controls.id) == {("principal", UNIT)}
    assert (controls.due_at, controls.priority) == (lc.now() + timedelta(days=1), 90)
    lc.complete(case_id, "Task_Controls", "principal", controls_form())
    assert lc.open_elements(case_id) == ["Task_ReportEmergency"]
    assert [k for k, _ in lc.note_summary(case_id)] == ["major_registered", "report_up",
                                                        "report_up"]


def test_reclassified_as_general_a_major_case_goes_to_triage(lc: Lifecycle) -> None:
    case_id = lc.report(level="major")
    lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
    lc.complete(case_id, "Task_Controls", "principal", controls_form())
    lc.message(case_id, "reclassify", {"level": "general", "reason": "经专家复核属一般隐患"},
               "jinan")
    assert lc.open_elements(case_id) == ["Task_Triage"]
    assert lc.hazard(case_id)["level"] == "general"
    lc.complete(case_id, "Task_Triage", "safety", on_spot_form())
    lc.complete(case_id, "Task_FixOnSpot", "rectifier", fix_form())
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["level"]) == ("closed", "general")


def test_a_reclassification_without_a_reason_is_refused_and_changes_nothing(
        lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    with pytest.raises(InvalidInput):
        lc.message(case_id, "reclassify", {"level": "major"}, "jinan")
    assert lc.case(case_id).status == "active"
    assert lc.open_elements(case_id) == ["Task_Rectify"]


def test_void_ends_the_case_with_the_ledger_voided(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    lc.clock.advance(timedelta(hours=3))
    result = lc.message(case_id, "void", {"reason": "重复登记"}, "jinan")
    assert result.status == "completed"
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["closed_at"], hazard["stage"]) == ("voided", None, None)
    assert lc.open_tasks(case_id) == []
    assert [t.state for t in lc.tasks(case_id, "Task_Rectify")] == ["cancelled"]
    assert lc.pending_timers(case_id) == {}
    assert (lc.case(case_id).status, lc.data(case_id)["outcome"]) == ("completed", "voided")
    assert lc.ran(case_id)[-3:] == ["BoundaryEvent_Void", "ServiceTask_Void", "EndEvent_Voided"]
    assert lc.fire(case_id, end_of_day(D + timedelta(days=31))) == 0
    assert lc.notes(case_id) == []
    with pytest.raises(Conflict):
        lc.engine.send_message(case_id, "void", {}, lc.actor("jinan"))


def test_void_from_triage(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.message(case_id, "void", {"reason": "误报"}, "safety")
    assert (lc.hazard(case_id)["status"], lc.case(case_id).status) == ("voided", "completed")
    assert [t.state for t in lc.tasks(case_id)] == ["cancelled"]


# -- a failing handler ---------------------------------------------------------------------

def test_a_failing_handler_becomes_an_incident_and_a_retry_continues(
        lc: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> None:
    handlers = lc.engine.handlers.handlers

    def down(call: object) -> None:
        raise RuntimeError("numbering service down")

    monkeypatch.setitem(handlers, "hazard.number_notice", down)
    case_id = lc.report()
    result = lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    assert result.status == "incident" and result.incident_id is not None
    [incident] = lc.incidents(case_id)
    assert incident.id == result.incident_id
    assert (incident.element_id, incident.origin) == ("ServiceTask_NumberNotice", "completion")
    assert "numbering service down" in incident.message
    assert lc.case(case_id).status == "incident"
    # the caller's part is kept: triage is done, and nothing half-done is visible
    assert [t.state for t in lc.tasks(case_id, "Task_Triage")] == ["completed"]
    assert lc.open_tasks(case_id) == [] and lc.pending_timers(case_id) == {}
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["notice_no"], hazard["stage"]) == ("open", None, None)
    assert lc.actions(case_id) == ["start", "complete", "incident"]

    again = lc.retry(case_id, incident.id)  # still down: fails honestly, same incident
    assert (again.status, again.incident_id) == ("incident", incident.id)
    assert lc.incidents(case_id)[0].attempts == 2
    assert lc.hazard(case_id)["notice_no"] is None

    monkeypatch.undo()  # the service is back
    lc.clock.advance(timedelta(minutes=5))
    done = lc.retry(case_id, incident.id)
    assert done.status == "active"
    assert lc.incidents(case_id) == []
    [resolved] = lc.incidents(case_id, open_only=False)
    assert (resolved.resolved_at, resolved.resolved_by) == (lc.now(), "admin")
    assert lc.open_elements(case_id) == ["Task_Rectify"]
    assert lc.hazard(case_id)["notice_no"] == "金安卫健整改〔2026〕1号"  # no number lost
    assert lc.pending_timers(case_id) == ladder_due(D)
    assert lc.actions(case_id)[-2:] == ["retry", "incident_resolved"]
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"
