"""Monthly, quarterly and annual reports through the bundled BPMN on a fixed clock: the
timer opens them, the ledger fills them, the deadline decides lateness, reminders go out,
and the consolidated view counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hazardflow.workflows import reports
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.schema import notification

from .campaign_support import (
    cst,
    fill,
    open_round,
    open_task_elements,
    report_of,
    reporters_to,
    reporting_units,
    reports_of,
    sign,
    submit,
    unit_id,
)
from .lifecycle import Lifecycle
from .lifecycle_forms import order_form

DEC_1 = cst(2026, 12, 1)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_the_timer_opens_the_months_report_for_every_reporting_unit(lc: Lifecycle) -> None:
    assert lc.engine.fire_due_timers(DEC_1 - timedelta(minutes=1)) == 0
    assert reports_of(lc, "monthly", "2026-11") == {}
    assert lc.engine.fire_due_timers(DEC_1) == 1
    opened = reports_of(lc, "monthly", "2026-11")  # the month that has just ended
    assert set(opened) == reporting_units(lc)
    report = opened["LA-JA-H01"]  # to its county, by the 20th
    assert (report["status"], report["due_on"], report["reports_to"],
            report["campaign_code"]) == ("open", "2026-12-20", "LA-JA", "2026-YDQ")
    assert open_task_elements(lc, report["case_id"]) == ["Task_Fill"]
    assert lc.candidates(lc.task_id(report["case_id"], "Task_Fill")) == \
        {("safety_officer", "LA-JA-H01"), ("county_supervisor", "LA-JA-H01")}
    county = opened["LA-JA"]  # to the city, before the 24th
    assert (county["due_on"], county["reports_to"]) == ("2026-12-24", "LA")
    assert lc.candidates(lc.task_id(county["case_id"], "Task_Fill")) == \
        {("safety_officer", "LA-JA"), ("county_supervisor", "LA-JA")}
    assert (opened["LA-ZS-01"]["due_on"], opened["LA-ZS-01"]["reports_to"]) == \
        ("2026-12-24", "LA")
    # the same round started again (by hand) opens nothing new
    lc.clock.set(DEC_1 + timedelta(hours=2))
    open_round(lc, "monthly_report_round")
    assert len(reports_of(lc, "monthly", "2026-11")) == len(opened)


def test_next_month_the_timer_opens_the_next_period(lc: Lifecycle) -> None:
    lc.engine.fire_due_timers(DEC_1)
    lc.engine.fire_due_timers(cst(2027, 1, 1))
    assert set(reports_of(lc, "monthly", "2026-12")) == reporting_units(lc)
    assert report_of(lc, "monthly", "2026-12", "LA-JA-H01")["due_on"] == "2027-01-20"
    assert report_of(lc, "monthly", "2026-12", "LA-JA")["due_on"] == "2027-01-24"


@pytest.mark.parametrize(("when", "late"), [
    (cst(2026, 12, 20, 23, 59), False),
    (cst(2026, 12, 21, 0, 0), True),
    (cst(2026, 12, 30, 10, 0), True),
])
def test_a_unit_under_a_county_reports_to_it_by_the_20th_signed_by_its_principal(
        lc: Lifecycle, when: object, late: bool) -> None:
    lc.engine.fire_due_timers(DEC_1)
    case_id = report_of(lc, "monthly", "2026-11", "LA-JA-H01")["case_id"]
    lc.clock.set(when)  # type: ignore[arg-type]
    fill(lc, case_id, campaign_actions="开展有限空间专项检查")
    assert open_task_elements(lc, case_id) == ["Task_Sign"]
    assert lc.candidates(lc.task_id(case_id, "Task_Sign")) == {("principal", "LA-JA-H01")}
    sign(lc, case_id)
    report = report_of(lc, "monthly", "2026-11", "LA-JA-H01")
    assert report["status"] == "submitted"
    assert report["late"] is late
    assert (report["submitted_by"], report["signed_by"]) == ("safety", "principal")
    assert report["signed_at"] == when
    assert "开展有限空间专项检查" in report["narrative"]
    assert lc.case(case_id).status == "completed"


def test_the_report_is_filled_from_the_ledger_as_the_month_ended(lc: Lifecycle) -> None:
    lc.clock.set(cst(2026, 10, 20))
    old = lc.report(by="safety")  # October: deadline 25 November, open → overdue in November
    lc.complete(old, "Task_Triage", "safety", order_form(cst(2026, 11, 25).date()))
    lc.clock.set(cst(2026, 11, 5))
    lc.report(by="inspector", level="major", category="medical_gas", source="inspection")
    lc.report(by="safety", source="public_report")
    lc.engine.fire_due_timers(DEC_1)
    lc.clock.set(cst(2026, 12, 2))
    lc.report(by="safety", category="electrical")  # December's: not November's
    lc.clock.set(cst(2026, 12, 10))
    case_id = report_of(lc, "monthly", "2026-11", "LA-JA-H01")["case_id"]
    fill(lc, case_id)
    numbers = report_of(lc, "monthly", "2026-11", "LA-JA-H01")["figures"]
    assert numbers["new"]["total"] == 2
    assert numbers["new"]["by_level"] == {"general": 1, "major": 1}
    assert numbers["new"]["by_category"] == {"medical_gas": 1, "fire": 1}
    assert numbers["overdue"]["total"] == 1
    assert [m["category"] for m in numbers["major_open"]] == ["medical_gas"]
    assert numbers["public_reports"] == {"received": 1, "closed": 0}
    assert (numbers["from"], numbers["to"], numbers["as_of"]) == \
        ("2026-11-01", "2026-12-01", "2026-12-01")


@pytest.mark.parametrize(("registered", "period"), [
    (cst(2026, 10, 31, 23, 59), "2026-10"),
    (cst(2026, 11, 1, 0, 0), "2026-11"),
    (cst(2026, 11, 30, 23, 59), "2026-11"),
])
def test_a_hazard_registered_on_the_last_evening_of_the_month_is_in_that_months_report(
        lc: Lifecycle, registered: object, period: str) -> None:
    """Every moment of business time belongs to one month: the last evening's hazard is in
    that month's report, opened after the month ends; none is left out, none counted twice."""
    lc.clock.set(registered)  # type: ignore[arg-type]
    lc.report(by="safety")
    lc.clock.set(DEC_1)
    with lc.db.connect() as conn:
        found = {p: reports.figures(conn, [unit_id(lc, "LA-JA-H01")], "monthly", p, lc.now(),
                                    lc.rt.calendar)["new"]["total"]
                 for p in ("2026-10", "2026-11")}
    assert found == {"2026-10": int(period == "2026-10"), "2026-11": int(period == "2026-11")}


def test_reminders_before_the_deadline_and_a_notice_when_overdue(lc: Lifecycle) -> None:
    lc.engine.fire_due_timers(DEC_1)
    case_id = report_of(lc, "monthly", "2026-11", "LA-JA-H01")["case_id"]

    def kinds() -> list[str]:
        with lc.db.connect() as conn:
            return sorted(conn.execute(sa.select(notification.c.kind).where(
                notification.c.case_id == case_id,
                notification.c.kind.like("report_%"))).scalars())

    lc.fire(case_id, cst(2026, 12, 17, 23, 0))
    assert kinds() == []
    lc.fire(case_id, cst(2026, 12, 18, 0, 0))  # three days before the 20th's end
    assert kinds() == ["report_remind"]
    lc.fire(case_id, cst(2026, 12, 21, 0, 0))
    assert kinds() == ["report_overdue"] * 3 + ["report_remind"]  # officer, principal, county


def test_the_consolidated_view_counts_on_time_late_and_missing(lc: Lifecycle) -> None:
    lc.clock.set(cst(2026, 11, 5))
    lc.report(by="safety")  # one new hazard at 金安区人民医院 in November
    lc.engine.fire_due_timers(DEC_1)
    lc.clock.set(cst(2026, 12, 20, 18, 0))
    submit(lc, "monthly", "2026-11", "LA-JA-H01", "safety", "principal")
    lc.clock.set(cst(2026, 12, 26, 9, 0))
    submit(lc, "monthly", "2026-11", "LA-YA-H01", "safety2", "principal2")
    total = len(reporting_units(lc))
    with lc.db.connect() as conn:  # every report of the period (no body chosen)
        city = reports.consolidated(conn, lc.actor("city"), "monthly", "2026-11", lc.now(),
                                    lc.rt.calendar)
        county = reports.consolidated(conn, lc.actor("jinan"), "monthly", "2026-11", lc.now(),
                                      lc.rt.calendar, under="LA-JA")
    t = city["totals"]
    assert (t["units"], t["submitted"], t["on_time"]) == (total, 2, 1)
    assert (t["late"], t["missing"]) == (total - 1, total - 2)
    assert t["new"] == 2  # 金安区人民医院's own report, and 金安区's area
    assert {i["unit_code"] for i in county["items"]} == {
        r.code for r in reporters_to(lc, "LA-JA")} > {"LA-JA-H01", "LA-JA-H02", "LA-JA-H03"}
    assert county["totals"]["on_time"] == 1 and county["own"]["unit_code"] == "LA-JA"
    header, rows = reports.consolidated_table(city, lc.rt.calendar)
    assert header[1] == "单位" and len(rows) == total + 1
    named = {"LA-JA": "金安区卫生健康委员会"}
    header, rows = reports.consolidated_table(city, lc.rt.calendar, named)
    [hospital] = [r for r in rows if r[0] == "LA-JA-H01"]
    assert header[2] == "所属县区" and hospital[2] == "金安区卫生健康委员会"


def test_quarterly_report_is_signed_by_the_principal_returned_once(lc: Lifecycle) -> None:
    lc.clock.set(cst(2027, 1, 1))
    open_round(lc, "quarterly_report_round")
    report = report_of(lc, "quarterly", "2026-Q4", "LA-JA-H01")
    assert report["due_on"] == "2027-01-15"
    case_id = report["case_id"]
    fill(lc, case_id)
    assert open_task_elements(lc, case_id) == ["Task_Sign"]
    lc.complete(case_id, "Task_Sign", "principal",
                {"sign_result": "returned", "return_reason": "补充重大隐患治理情况"})
    assert open_task_elements(lc, case_id) == ["Task_Fill"]
    fill(lc, case_id)
    lc.clock.set(cst(2027, 1, 15, 17, 0))
    lc.complete(case_id, "Task_Sign", "principal", {"sign_result": "approved"})
    report = report_of(lc, "quarterly", "2026-Q4", "LA-JA-H01")
    assert (report["status"], report["late"]) == ("submitted", False)
    assert (report["submitted_by"], report["signed_by"]) == ("safety", "principal")


def test_annual_report_due_31_january(lc: Lifecycle) -> None:
    lc.engine.fire_due_timers(cst(2027, 1, 1))  # the monthly and the annual rounds are due
    report = report_of(lc, "annual", "2026", "LA-JA-H01")
    assert report["due_on"] == "2027-01-31"
    lc.clock.set(cst(2027, 2, 1, 9, 0))
    fill(lc, report["case_id"])
    lc.complete(report["case_id"], "Task_Sign", "principal", {"sign_result": "approved"})
    assert report_of(lc, "annual", "2026", "LA-JA-H01")["late"] is True


def test_a_second_report_for_the_same_period_is_an_incident(lc: Lifecycle) -> None:
    lc.engine.fire_due_timers(DEC_1)
    result = lc.engine.start_case("monthly_report", {
        "unit_code": "LA-JA-H01", "kind": "monthly", "period": "2026-11",
        "due_on": "2026-12-24"}, lc.actor("city"))
    assert result.status == "incident"


@pytest.mark.parametrize(("kind", "now", "period", "due"), [
    ("monthly", cst(2026, 2, 1), "2026-01", "2026-02-24"),
    ("monthly", cst(2026, 1, 1), "2025-12", "2026-01-24"),
    ("quarterly", cst(2026, 4, 1), "2026-Q1", "2026-04-15"),
    ("quarterly", cst(2027, 1, 1), "2026-Q4", "2027-01-15"),
    ("annual", cst(2027, 1, 1), "2026", "2027-01-31"),
])
def test_periods_and_deadlines(kind: str, now: object, period: str, due: str) -> None:
    assert reports.period_for(kind, DEFAULT_CALENDAR.today(now)) == period  # type: ignore[arg-type]
    assert reports.due_on(kind, period).isoformat() == due


def test_the_consolidated_export_drops_characters_xml_forbids(lc: Lifecycle) -> None:
    import io

    from openpyxl import load_workbook

    from hazardflow.workflows.exports import Sheet, to_xlsx
    from hazardflow.workflows.usecases import campaigns as campaign_uc

    lc.engine.fire_due_timers(DEC_1)
    case_id = report_of(lc, "monthly", "2026-11", "LA-JA-H01")["case_id"]
    lc.clock.set(cst(2026, 12, 10))
    fill(lc, case_id, narrative="完成自查\x0b整改\x1f三项")
    sign(lc, case_id)
    # the hospital reports to its county: the city drills down to 金安区's consolidation
    export = campaign_uc.report_export(lc.rt, lc.actor("city"), "monthly", "2026-11",
                                       under="LA-JA")
    assert export.filename == "reports-monthly-2026-11.xlsx"
    data = to_xlsx([Sheet("月报\x0b汇总", export.sheet.headers, export.sheet.rows)], lc.rt.calendar)
    sheet = load_workbook(io.BytesIO(data)).active
    width = len(export.sheet.headers)
    narratives = [sheet.cell(r, width).value for r in range(2, sheet.max_row + 1)]
    assert "完成自查整改三项" in narratives
    assert sheet.title == "月报汇总"


@pytest.mark.parametrize(("kind", "period", "field"), [
    ("weekly", "2026-12", "kind"), ("monthly", "2026-13", "period"),
    ("monthly", "9999-12", "period"), ("monthly", "2026-1", "period"),
    ("quarterly", "2026-Q5", "period"), ("annual", "0000", "period"),
    ("monthly", "２０２６-12", "period"),
])
def test_a_report_kind_or_period_that_is_not_one_is_refused_on_its_field(
        lc: Lifecycle, kind: str, period: str, field: str) -> None:
    from hazardflow.engine import InvalidInput
    from hazardflow.workflows.usecases import campaigns as campaign_uc

    with pytest.raises(InvalidInput) as refused:
        campaign_uc.consolidated_report(lc.rt, lc.actor("city"), kind, period)
    assert [d.field for d in refused.value.details] == [field]
    with pytest.raises(InvalidInput):
        campaign_uc.report_export(lc.rt, lc.actor("city"), kind, period)
