"""The annual assessment: what costs points (hazards left past their deadline, rectified
late or found again; late and missing reports; failed spot checks; self-inspection and
supervision not done) and what does not (finding hazards), every deduction with its rule and
items, the city's ranking of the counties and 市直 units and each county's of its units."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hazardflow.engine import InvalidInput
from hazardflow.engine.journal import events
from hazardflow.workflows import assessment
from hazardflow.workflows.campaigns import FOUNDING
from hazardflow.workflows.exports import to_xlsx
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import inspections as inspection_uc

from .campaign_support import cst, findings, inspect, reporters_to, staff, submit
from .lifecycle import Lifecycle
from .lifecycle_forms import order_form, rectify_form, verify_passed

ASSESSED_AT = cst(2026, 12, 28, 9)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def row_of(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in [*result["rows"], *([result["own"]] if result["own"] else [])]
                if r["unit_code"] == code)


def lines(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["code"]: line for line in row["breakdown"]}


def refs(line: dict[str, Any]) -> list[str]:
    return [item["ref"] for item in line["items"]]


def found(lc: Lifecycle, deadline: date, *, closed_on: datetime | None = None) -> str:
    """金安区人民医院 finds a hazard by self-inspection now and orders it fixed by
    ``deadline``; rectified and verified at ``closed_on``. Its code."""
    case_id = lc.report(by="safety")
    lc.complete(case_id, "Task_Triage", "safety", order_form(deadline))
    if closed_on is not None:
        before = lc.now()
        lc.clock.set(closed_on)
        lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
        lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
        lc.clock.set(before)
    return str(lc.hazard(case_id)["code"])


def no_self_inspection_rule(lc: Lifecycle) -> None:
    with lc.db.begin() as conn:
        assessment.set_rule(conn, "self_inspection", points=0, cap=0, actor="city",
                            now=lc.now())


def test_finding_hazards_costs_no_points_only_overdue_and_repeats_do(lc: Lifecycle) -> None:
    no_self_inspection_rule(lc)  # read on its own in the next test
    on_time = found(lc, date(2026, 11, 20), closed_on=cst(2026, 11, 10))
    found(lc, date(2026, 12, 31))  # open, within its deadline
    overdue = found(lc, date(2026, 11, 20))
    late = found(lc, date(2026, 11, 15), closed_on=cst(2026, 11, 25))
    lc.clock.set(cst(2026, 12, 5))  # 回头看: the first rectification did not hold
    again = findings(inspect(lc, "inspector", "review", "LA-JA-H01", {1: "通道又被堵"},
                             repeats={1: on_time}))[0]["hazard_code"]
    lc.clock.set(ASSESSED_AT)
    result = campaign_uc.assessment(lc.rt, lc.actor("jinan"), 2026)
    mine = lines(row_of(result, "LA-JA-H01"))
    assert (refs(mine["overdue_open"]), mine["overdue_open"]["deduction"]) == ([overdue], 2.0)
    assert (refs(mine["closed_late"]), mine["closed_late"]["deduction"]) == ([late], 0.5)
    assert (refs(mine["repeat"]), mine["repeat"]["deduction"]) == ([again], 3.0)
    assert mine["repeat"]["items"][0]["note"] == f"复现 {on_time}"
    assert row_of(result, "LA-JA-H01")["score"] == 100 - 2 - 0.5 - 3
    assert row_of(result, "LA-JA-H02")["score"] == 100  # found nothing, lost nothing more
    assert {line["code"] for line in row_of(result, "LA-JA-H01")["breakdown"]} == {
        "overdue_open", "closed_late", "repeat", "late_monthly", "missing_monthly",
        "failed_spot_check", "self_inspection"}  # a unit has no supervision lines


def test_a_unit_that_registers_nothing_does_not_score_100(lc: Lifecycle) -> None:
    """Nothing registered is not a perfect score: the score reads the unit's self-inspection
    coverage (the campaign's checklists done) and the months it reported."""
    filler, head = staff(lc, "LA-JA-H03")
    for theme in FOUNDING["themes"]:  # every theme's checklist, all items passed
        inspect(lc, filler, "self", "LA-JA-H03", {}, checklist=str(theme[3]))
    lc.engine.fire_due_timers(cst(2026, 12, 1))
    lc.clock.set(cst(2026, 12, 18))
    submit(lc, "monthly", "2026-11", "LA-JA-H03", filler, head)
    lc.clock.set(ASSESSED_AT)
    result = campaign_uc.assessment(lc.rt, lc.actor("jinan"), 2026)
    idle = lines(row_of(result, "LA-JA-H02"))
    assert idle["self_inspection"]["measure"] == 100.0
    assert idle["self_inspection"]["deduction"] == 10.0
    assert len(idle["self_inspection"]["items"]) == len(FOUNDING["themes"])
    assert refs(idle["missing_monthly"]) == ["2026-11"]  # not the backfilled months
    assert row_of(result, "LA-JA-H02")["score"] == 100 - 10 - 3
    assert row_of(result, "LA-JA-H03")["score"] == 100
    assert row_of(result, "LA-JA-H03")["rank"] == 1


def test_every_deduction_names_its_rule_and_hazards(lc: Lifecycle) -> None:
    overdue = found(lc, date(2026, 11, 20))
    lc.engine.fire_due_timers(cst(2026, 12, 1))
    lc.clock.set(ASSESSED_AT)
    result = campaign_uc.assessment(lc.rt, lc.actor("city"), 2026, scope="LA-JA")
    for row in result["rows"]:
        for line in row["breakdown"]:
            assert line["name"] and (line["deduction"] == 0 or line["items"]), (row, line)
    mine = lines(row_of(result, "LA-JA-H01"))
    assert refs(mine["overdue_open"]) == [overdue]
    assert mine["overdue_open"]["items"][0]["unit"] == "LA-JA-H01"
    export = campaign_uc.assessment_export(lc.rt, lc.actor("city"), 2026, scope="LA-JA")
    book = load_workbook(io.BytesIO(to_xlsx([export.sheet, *export.more], lc.rt.calendar)))
    detail = [[c.value for c in r] for r in book["扣分明细"].iter_rows(min_row=2)]
    assert ["LA-JA-H01", "金安区人民医院", "隐患超期未整改", "1.0 项", 2.0, overdue,
            "LA-JA-H01", "期限 2026-11-20"] in detail
    assert ["LA-JA-H01", "金安区人民医院", "月报逾期未报", "1.0 份", 3.0, "2026-11",
            "LA-JA-H01", "截止 2026-12-20"] in detail
    assert book.worksheets[0].cell(1, 1).value == "名次"


def test_the_city_assesses_counties_on_their_areas_outcomes_reporting_spot_checks_and_supervision(  # noqa: E501
        lc: Lifecycle) -> None:
    lc.clock.set(cst(2026, 11, 10, 10))
    finding = findings(inspect(lc, "jinan", "supervision", "LA-JA-H02", {1: "通道堆物"}))[0]
    lc.complete(finding["case_id"], "Task_Triage", "jinan",
                order_form(date(2026, 11, 20), responsible="jinan"))
    overdue = found(lc, date(2026, 11, 20))
    lc.engine.fire_due_timers(cst(2026, 12, 1))
    lc.clock.set(cst(2026, 12, 2, 9))  # the city checks every county's own work
    city = lc.actor("city")
    drawn = campaign_uc.draw(lc.rt, city, title="县区督查工作抽查", kind="spot_check", size=20,
                             seed="counties", population="bodies")
    for check in drawn["checks"]:
        failed = {3: "辖区机构督查未全覆盖"} if check["unit_code"] == "LA-JA" else {}
        inspection_uc.record(lc.rt, city, unit_code=check["unit_code"], kind="spot_check",
                             checklist_code="county_supervision", spot_check_id=check["id"],
                             results=_results(lc, failed), location="县区卫健委")
    campaign_uc.publish_draw(lc.rt, city, drawn["id"], "县区督查工作抽查通报")
    lc.clock.set(cst(2026, 12, 26, 9))
    submit(lc, "monthly", "2026-11", "LA-JA", "jinan", "jinan_head")  # two days late
    lc.clock.set(ASSESSED_AT)

    result = campaign_uc.assessment(lc.rt, city, 2026)
    assert result["scope"]["code"] == "LA" and result["ranked"]
    assert {r["unit_code"] for r in result["rows"]} == {r.code for r in reporters_to(lc, "LA")}
    assert {c["unit_code"] for c in drawn["checks"]} == {
        r["unit_code"] for r in result["rows"] if r["body"]}
    jinan = lines(row_of(result, "LA-JA"))
    assert set(refs(jinan["overdue_open"])) == {overdue, finding["hazard_code"]}  # its area
    assert refs(jinan["late_monthly"]) == ["2026-11"]  # its own report
    assert refs(jinan["failed_spot_check"]) == [drawn["code"]]
    assert refs(jinan["unfollowed_finding"]) == [finding["hazard_code"]]
    members = {r.code for r in reporters_to(lc, "LA-JA")}
    assert set(refs(jinan["supervision_coverage"])) == members - {"LA-JA-H02"}
    assert jinan["supervision_coverage"]["measure"] == round(
        100 * (len(members) - 1) / len(members), 2)
    assert jinan["self_inspection"]["deduction"] == 10  # none of its units self-inspected
    yuan = lines(row_of(result, "LA-YA"))
    assert (yuan["failed_spot_check"]["measure"], yuan["overdue_open"]["measure"]) == (0, 0)
    assert refs(yuan["missing_monthly"]) == ["2026-11"]
    assert row_of(result, "LA-JA")["rank"] > row_of(result, "LA-YA")["rank"]
    assert "supervision_coverage" not in lines(row_of(result, "LA-ZS-01"))


def _results(lc: Lifecycle, failed: dict[int, str]) -> list[dict[str, Any]]:
    from hazardflow.workflows import campaigns

    with lc.db.connect() as conn:
        items = campaigns.get_checklist(conn, "county_supervision")["items"]
    return [{"item": i["position"], "result": "fail" if i["position"] in failed else "pass",
             "note": failed.get(i["position"], ""),
             "photos": lc.with_uploads({"p": ["ev-c"]}, "city")["p"]
             if i["position"] in failed else []} for i in items]


def test_counties_rank_their_institutions_and_units_see_their_own_score_unranked(
        lc: Lifecycle) -> None:
    found(lc, date(2026, 11, 20))
    lc.clock.set(ASSESSED_AT)
    county = campaign_uc.assessment(lc.rt, lc.actor("jinan"), 2026)
    assert county["scope"]["code"] == "LA-JA" and county["ranked"]
    assert {r["unit_code"] for r in county["rows"]} == {r.code for r in reporters_to(lc, "LA-JA")}
    assert row_of(county, "LA-JA-H01")["rank"] == len(county["rows"])  # last of its county
    assert county["own"]["unit_code"] == "LA-JA" and county["own"]["rank"] is None
    unit = campaign_uc.assessment(lc.rt, lc.actor("safety"), 2026)
    assert [(r["unit_code"], r["rank"]) for r in unit["rows"]] == [("LA-JA-H01", None)]
    assert not unit["ranked"] and unit["own"] is None
    assert row_of(unit, "LA-JA-H01")["score"] == row_of(county, "LA-JA-H01")["score"]
    above = campaign_uc.assessment(lc.rt, lc.actor("jinan"), 2026, scope="LA")
    assert [(r["unit_code"], r["rank"]) for r in above["rows"]] == [("LA-JA", None)]
    drilled = campaign_uc.assessment(lc.rt, lc.actor("city"), 2026, scope="LA-JA")
    assert [r["rank"] for r in drilled["rows"]] == [r["rank"] for r in county["rows"]]


def test_an_unpublished_unannounced_finding_does_not_count_until_published(
        lc: Lifecycle) -> None:
    no_self_inspection_rule(lc)
    fixed = found(lc, date(2026, 11, 20), closed_on=cst(2026, 11, 10))
    lc.clock.set(cst(2026, 12, 5))
    visit = inspect(lc, "city", "unannounced", "LA-JA-H01", {1: "安全出口又被锁"},
                    repeats={1: fixed})
    lc.clock.set(ASSESSED_AT)
    before = campaign_uc.assessment(lc.rt, lc.actor("city"), 2026, scope="LA-JA")
    assert lines(row_of(before, "LA-JA-H01"))["repeat"]["measure"] == 0
    assert row_of(before, "LA-JA-H01")["score"] == 100
    inspection_uc.publish(lc.rt, lc.actor("city"), visit["id"])
    after = campaign_uc.assessment(lc.rt, lc.actor("city"), 2026, scope="LA-JA")
    assert refs(lines(row_of(after, "LA-JA-H01"))["repeat"]) == [
        findings(visit)[0]["hazard_code"]]


def test_the_city_changes_a_rule_and_the_change_is_journaled(lc: Lifecycle) -> None:
    with lc.db.begin() as conn:
        rule = assessment.set_rule(conn, "late_monthly", points=5, cap=30, actor="city",
                                   now=lc.now())
        with pytest.raises(InvalidInput):
            assessment.set_rule(conn, "no_such_rule", points=1, cap=1, actor="city",
                                now=lc.now())
    assert (rule.points, rule.cap) == (5, 30)
    with lc.db.connect() as conn:
        assert {r.code: r.points for r in assessment.rules(conn)}["late_monthly"] == 5
        change = events(conn, action_prefix="assessment.")[0]
    assert change["payload"] == {"from": [2.0, 12.0], "to": [5, 30]}


@pytest.mark.parametrize("year", [0, 1, 1999, 2028, 9999, "abc", "2026.5", "-1"])
def test_a_year_outside_2000_to_next_year_is_refused_on_its_field(
        lc: Lifecycle, year: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        campaign_uc.assessment(lc.rt, lc.actor("city"), year)  # type: ignore[arg-type]
    assert [d.field for d in refused.value.details] == ["year"]
    assert "2000" in refused.value.message


def test_the_first_and_the_next_year_are_assessed(lc: Lifecycle) -> None:
    city = lc.actor("city")
    assert campaign_uc.assessment(lc.rt, city, 2000)["year"] == 2000
    assert campaign_uc.assessment(lc.rt, city, "2027")["year"] == 2027
    assert campaign_uc.assessment(lc.rt, city)["year"] == 2026  # T0 is in 2026
    export = campaign_uc.assessment_export(lc.rt, city, 2026)
    assert export.filename == "assessment-2026-LA.xlsx" and export.sheet.headers[0] == "名次"
    assert export.more[0].title == "扣分明细"
