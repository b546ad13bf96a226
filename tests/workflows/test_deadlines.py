"""A deadline a person sets is today or later and at most HAZARDFLOW_MAX_DEADLINE_DAYS ahead.

One rule (``workflows/deadlines.py``), called by every use-case that sets one before the
engine step: the order (``Task_Triage``, ``Task_TriageCity``), the major hazard's plan
(``Task_Plan``), an extension request and its approval, a supervisor's ``extend`` repair. A
refused deadline is a 422 naming the field, in Chinese with English beside, and changes
nothing (the lifecycle driver checks the case is as it was). The shipped forms' date fields
are enumerated so that a new deadline field cannot be missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
import sqlalchemy as sa

from hazardflow.config import ConfigError, load_settings
from hazardflow.engine import InvalidInput
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.deadlines import check_deadline, check_form_deadlines, deadline_fields
from hazardflow.workflows.runtime import bundled_forms
from hazardflow.workflows.usecases import repair as repair_uc

from .lifecycle import T0, TODAY, Lifecycle
from .lifecycle_forms import controls_form, emergency_form, major_order_form, order_form, plan_form

# Date fields of the shipped forms that are not deadlines a person sets, and why.
NOT_DEADLINES = {
    ("hazard_emergency_report", "emergency_reported_on"): "the day it was reported: a past day",
    ("report_start", "due_on"): "a report round's last day, set by the rounds; a backfilled "
                                "round (补报) lies in the past by design",
    ("consultation_action_start", "due_on"): "an action's deadline, set at the session and "
                                             "checked there by the one rule (the use-case)",
    ("lookback_start", "closed_on"): "the day the sampled hazard was closed: a past day",
    ("plan_drill", "held_on"): "the day a drill was held: a past day",
    ("report_received", "accept_by"): "counted by the triage from working days, not set",
    ("report_received", "close_by"): "counted by the triage from the day it came in, not set",
    ("reward_pay", "paid_on"): "the day a reward was paid: a past day",
}
# The user tasks whose form sets a deadline (each completes through usecases.tasks.complete).
DEADLINE_TASKS = {"Task_Triage": "hazard_triage", "Task_TriageCity": "hazard_triage",
                  "Task_Plan": "hazard_governance_plan"}


def refused(exc: pytest.ExceptionInfo[InvalidInput], field: str = "deadline") -> str:
    assert [d.field for d in exc.value.details] == [field]
    text = str(exc.value)
    assert "期限" in text and "deadline" in text, text  # Chinese, with English beside
    return text


# -- the rule -------------------------------------------------------------------------------

def test_today_up_to_the_maximum_is_accepted_in_business_time() -> None:
    assert check_deadline("2026-11-02", DEFAULT_CALENDAR, T0, 365) == TODAY
    assert check_deadline(TODAY + timedelta(days=365), DEFAULT_CALENDAR, T0, 365) == \
        TODAY + timedelta(days=365)
    # 1 November 17:00 UTC is already 2 November in Lu'an: the 1st has passed there
    late_evening = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput) as exc:
        check_deadline("2026-11-01", DEFAULT_CALENDAR, late_evening, 365)
    assert "2026-11-02" in refused(exc)


@pytest.mark.parametrize("value", [
    "2026-11-01", "2025-12-01", "0001-01-01", "2027-11-03", "9999-12-31", "2026-13-01",
    "tomorrow", "", None, 20261120, "2026-11-20T00:00:00"])
def test_a_day_before_today_too_far_ahead_or_not_a_date_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_deadline(value, DEFAULT_CALENDAR, T0, 365)
    refused(exc)


def test_the_maximum_is_a_setting() -> None:
    assert load_settings({}).max_deadline_days == 365
    assert load_settings({"HAZARDFLOW_MAX_DEADLINE_DAYS": "90"}).max_deadline_days == 90
    for wrong in ("0", "-1", "100000"):
        with pytest.raises(ConfigError, match="MAX_DEADLINE_DAYS"):
            load_settings({"HAZARDFLOW_MAX_DEADLINE_DAYS": wrong})


# -- every deadline field of the shipped forms is covered -----------------------------------

def _date_fields() -> set[tuple[str, str]]:
    found = set()
    for key, form in bundled_forms().items():
        for name, spec in (form.get("properties") or {}).items():
            if "deadline" in name.lower() or spec.get("format") == "date":
                found.add((key, name))
    return found


def _form_keys_of_tasks() -> dict[str, str]:
    root = resources.files("hazardflow.bpmn")
    out = {}
    for path in root.iterdir():
        if path.name.endswith(".bpmn"):
            text = path.read_text(encoding="utf-8")
            for task_id, key in _user_tasks(text):
                out[task_id] = key
    return out


def _user_tasks(text: str) -> list[tuple[str, str]]:
    from lxml import etree

    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "camunda": "http://camunda.org/schema/1.0/bpmn"}
    tree = etree.fromstring(text.encode("utf-8"))
    key = "{http://camunda.org/schema/1.0/bpmn}formKey"
    return [(t.get("id"), t.get(key)) for t in tree.iterfind(".//bpmn:userTask", ns)
            if t.get(key)]


def test_every_date_field_of_the_shipped_forms_is_a_checked_deadline_or_known_not_one() -> None:
    forms = bundled_forms()
    fields = _date_fields()
    checked = {(key, name) for key, form in forms.items() for name in deadline_fields(form)}
    assert checked == {("hazard_triage", "deadline"), ("hazard_governance_plan", "deadline")}
    assert fields == checked | set(NOT_DEADLINES), \
        f"a new date field: is it a deadline? {sorted(fields - checked - set(NOT_DEADLINES))}"
    for key, name in checked:  # the rule refuses each, naming it
        assert forms[key]["properties"][name].get("format") == "date"
        with pytest.raises(InvalidInput) as exc:
            check_form_deadlines(forms[key], {name: "2026-11-01"}, DEFAULT_CALENDAR, T0, 365)
        refused(exc, name)
    # and the tasks that show those forms are the ones proved below, through the use-case
    tasks = {task: key for task, key in _form_keys_of_tasks().items()
             if key in {k for k, _ in checked}}
    assert tasks == DEADLINE_TASKS


# -- through the use-cases: refused before the engine step, nothing changed -----------------

@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db, max_deadline_days=60)


@pytest.mark.parametrize("days", [-1, -330, 61])
def test_the_order_refuses_a_deadline_out_of_range(lc: Lifecycle, days: int) -> None:
    case_id = lc.report()
    with pytest.raises(InvalidInput) as exc:
        lc.complete(case_id, "Task_Triage", "safety", order_form(TODAY + timedelta(days=days)))
    refused(exc)
    assert lc.open_elements(case_id) == ["Task_Triage"]
    assert lc.hazard(case_id)["deadline"] is None and lc.notes(case_id) == []
    lc.complete(case_id, "Task_Triage", "safety", order_form(TODAY + timedelta(days=60)))
    assert lc.open_elements(case_id) == ["Task_Rectify"]


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_far_deadline_is_a_422_not_an_incident(lc: Lifecycle, value: str) -> None:
    case_id = lc.report()
    with pytest.raises(InvalidInput) as exc:
        lc.complete(case_id, "Task_Triage", "safety", {**order_form(TODAY), "deadline": value})
    refused(exc)
    assert lc.incidents(case_id) == [] and lc.case(case_id).status == "active"


def test_the_city_order_and_the_major_plan_refuse_a_past_deadline(lc: Lifecycle) -> None:
    city = lc.report(by="city", source="spot_check")
    assert lc.open_elements(city) == ["Task_TriageCity"]
    with pytest.raises(InvalidInput) as exc:
        lc.complete(city, "Task_TriageCity", "city",
                    order_form(TODAY - timedelta(days=1)))
    refused(exc)
    major = lc.report(level="major")
    lc.complete(major, "Task_MajorOrder", "jinan", major_order_form())
    lc.complete(major, "Task_Controls", "principal", controls_form())
    lc.complete(major, "Task_ReportEmergency", "principal", emergency_form())
    with pytest.raises(InvalidInput) as exc:
        lc.complete(major, "Task_Plan", "principal", plan_form(TODAY - timedelta(days=1)))
    refused(exc)
    assert lc.open_elements(major) == ["Task_Plan"]


def test_extensions_and_the_extend_repair_follow_the_same_rule(lc: Lifecycle) -> None:
    deadline = TODAY + timedelta(days=10)
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(deadline))
    rectifier, jinan = lc.actor("rectifier"), lc.actor("jinan")
    for wrong in (TODAY - timedelta(days=1), TODAY + timedelta(days=61)):
        with pytest.raises(InvalidInput) as exc:
            repair_uc.request_extension(lc.rt, rectifier, case_id, wrong.isoformat(), "太难")
        refused(exc)
    assert repair_uc.extension_requests(lc.rt, jinan) == []
    asked = TODAY + timedelta(days=20)
    ask = repair_uc.request_extension(lc.rt, rectifier, case_id, asked.isoformat(), "采购")
    # the approval comes after the asked day: refused, the request still waits
    lc.set_time(T0 + timedelta(days=21))
    with pytest.raises(InvalidInput) as exc:
        repair_uc.decide_extension(lc.rt, jinan, ask, True)
    refused(exc)
    assert [r["status"] for r in repair_uc.extension_requests(lc.rt, jinan)] == ["pending"]
    assert lc.hazard(case_id)["deadline"] == deadline.isoformat()
    assert repair_uc.decide_extension(lc.rt, jinan, ask, False)["status"] == "rejected"
    with pytest.raises(InvalidInput) as exc:
        repair_uc.repair_one(lc.rt, lc.actor("city"), case_id, "extend", "延期",
                             {"deadline": (TODAY + timedelta(days=20)).isoformat()})
    refused(exc)
    assert lc.hazard(case_id)["deadline"] == deadline.isoformat()
    assert lc.pending_timers(case_id)["BoundaryEvent_RectifyDue"] == lc.rt.calendar.end_of(
        deadline)  # still armed for the old deadline
