"""The reporting chain of the founding notice: institutions report to their county by the
20th; the county consolidates them with its own supervision work and reports to the city
before the 24th (the 24th on time), as 市直 units do; rounds reach back to the campaign's
start, and those past rounds are never late."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from hazardflow.workflows.usecases import campaigns as campaign_uc

from ..statements import recorded
from .campaign_support import (
    cst,
    fill,
    findings,
    inspect,
    report_of,
    reporters_to,
    reporting_units,
    reports_of,
    sign,
    staff,
    submit,
)
from .lifecycle import Lifecycle
from .lifecycle_forms import order_form

DEC_1 = cst(2026, 12, 1)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def addressees(lc: Lifecycle) -> set[str]:
    return {r.code for r in reporters_to(lc, "LA")}


def test_institutions_report_to_their_county_which_consolidates_and_reports_to_the_city(
        lc: Lifecycle) -> None:
    # November: 金安区's supervisor inspects 金安区妇幼保健院; the finding, ordered fixed by
    # 20 November, is not; 金安区人民医院 finds a hazard of its own
    lc.clock.set(cst(2026, 11, 10, 10))
    finding = findings(inspect(lc, "jinan", "supervision", "LA-JA-H02", {1: "通道堆物"}))[0]
    lc.complete(finding["case_id"], "Task_Triage", "jinan",
                order_form(date(2026, 11, 20), responsible="jinan"))
    lc.clock.set(cst(2026, 11, 12))
    lc.report(by="safety")
    lc.engine.fire_due_timers(DEC_1)
    lc.clock.set(cst(2026, 12, 18, 9))
    submit(lc, "monthly", "2026-11", "LA-JA-H01", "safety", "principal")  # by the 20th
    lc.clock.set(cst(2026, 12, 21, 9))
    submit(lc, "monthly", "2026-11", "LA-JA-H03", *staff(lc, "LA-JA-H03"))  # a day late
    lc.clock.set(cst(2026, 12, 23, 15))
    county = submit(lc, "monthly", "2026-11", "LA-JA", "jinan", "jinan_head")

    assert (county["reports_to"], county["late"], county["signed_by"]) == \
        ("LA", False, "jinan_head")
    made = {u["unit_code"]: u for u in county["figures"]["units"]}
    assert set(made) == {r.code for r in reporters_to(lc, "LA-JA")}
    assert (made["LA-JA-H01"]["status"], made["LA-JA-H01"]["late"]) == ("submitted", False)
    assert (made["LA-JA-H03"]["status"], made["LA-JA-H03"]["late"]) == ("submitted", True)
    assert (made["LA-JA-H02"]["status"], made["LA-JA-H02"]["missing"]) == ("open", True)
    work = county["figures"]["supervision"]
    assert (work["inspections"], work["by_kind"], work["units_inspected"]) == \
        (1, {"supervision": 1}, ["LA-JA-H02"])
    assert work["findings"] == [finding["hazard_code"]]
    assert work["follow_up"] == {"on_time": [], "late": [], "open": [finding["hazard_code"]]}
    assert county["figures"]["new"]["total"] == 2  # the county's area: both hazards
    assert county["figures"]["overdue"]["total"] == 1

    # the city reads the counties and the 市直 units, and drills down to a county's units
    city = lc.actor("city")
    page = campaign_uc.report_page(lc.rt, city, "monthly", "2026-11")
    assert page["under"]["code"] == "LA"
    rows = {i["unit_code"]: i for i in page["view"]["items"]}
    assert set(rows) == addressees(lc) >= {"LA-JA", "LA-KF", "LA-ZS-01"}
    assert rows["LA-JA"]["consolidates"] and rows["LA-JA"]["status"] == "submitted"
    assert not rows["LA-ZS-01"]["consolidates"]
    down = campaign_uc.report_page(lc.rt, city, "monthly", "2026-11", under="LA-JA")["view"]
    assert {i["unit_code"] for i in down["items"]} == set(made)
    assert down["own"]["unit_code"] == "LA-JA"
    # the county reads what its units sent it, and its own report
    mine = campaign_uc.report_page(lc.rt, lc.actor("jinan"), "monthly", "2026-11")
    assert mine["under"]["code"] == "LA-JA"
    assert {i["unit_code"] for i in mine["view"]["items"]} == set(made)
    assert mine["view"]["totals"]["on_time"] == 1 and mine["view"]["totals"]["late"] >= 2
    # the city's view is none of the county's business
    assert campaign_uc.report_page(lc.rt, lc.actor("jinan"), "monthly", "2026-11",
                                   under="LA")["view"]["items"] == [mine["view"]["own"]]


@pytest.mark.parametrize(("unit", "filler", "signer"), [
    ("LA-JA", "jinan", "jinan_head"), ("LA-ZS-01", "zs_safety", "zs_head")])
@pytest.mark.parametrize(("when", "late"), [
    (cst(2026, 12, 24, 9, 0), False),
    (cst(2026, 12, 24, 23, 59), False),
    (cst(2026, 12, 25, 0, 0), True),
])
def test_a_report_submitted_on_the_24th_is_on_time(
        lc: Lifecycle, unit: str, filler: str, signer: str, when: datetime,
        late: bool) -> None:
    """"每月24日前" counts the 24th as on time, like the quarterly "15日前": a county's report
    and a 市直 unit's, both to the city."""
    lc.engine.fire_due_timers(DEC_1)
    case_id = report_of(lc, "monthly", "2026-11", unit)["case_id"]
    lc.clock.set(cst(2026, 12, 22, 10))
    fill(lc, case_id, by=filler)
    lc.clock.set(when)
    sign(lc, case_id, by=signer)
    report = report_of(lc, "monthly", "2026-11", unit)
    assert (report["due_on"], report["status"], report["late"]) == \
        ("2026-12-24", "submitted", late)


def test_rounds_start_from_the_campaigns_start_not_deployment(lc: Lifecycle) -> None:
    """The system runs from 2 November; the founding campaign began on 1 September: the first
    round opens September's to November's reports for every reporter, the older ones as
    backfills due with November's, and nothing before the campaign."""
    lc.engine.fire_due_timers(DEC_1)
    every = reporting_units(lc)
    for period in ("2026-09", "2026-10", "2026-11"):
        opened = reports_of(lc, "monthly", period)
        assert set(opened) == every, period
        assert {r["backfill"] for r in opened.values()} == {period != "2026-11"}
        assert opened["LA-JA-H01"]["due_on"] == "2026-12-20"
        assert opened["LA-JA"]["due_on"] == "2026-12-24"
        assert opened["LA-JA-H01"]["campaign_code"] == "2026-YDQ"
    assert reports_of(lc, "monthly", "2026-08") == {}
    lc.engine.fire_due_timers(cst(2027, 1, 1))  # the next round: December only
    assert {r["backfill"] for r in reports_of(lc, "monthly", "2026-12").values()} == {False}


def test_past_rounds_are_never_late(lc: Lifecycle) -> None:
    lc.engine.fire_due_timers(DEC_1)
    lc.clock.set(cst(2026, 12, 28, 9))  # after every due day of the round
    september = submit(lc, "monthly", "2026-09", "LA-JA-H01", "safety", "principal")
    november = submit(lc, "monthly", "2026-11", "LA-JA-H01", "safety", "principal")
    assert (september["late"], november["late"]) == (False, True)
    rows = {(i["unit_code"]): i for i in campaign_uc.report_page(
        lc.rt, lc.actor("city"), "monthly", "2026-10", under="LA-JA")["view"]["items"]}
    assert rows["LA-JA-H01"]["status"] == "open"
    assert not rows["LA-JA-H01"]["missing"] and not rows["LA-JA-H01"]["late"]
    view = campaign_uc.report_page(lc.rt, lc.actor("jinan"), "monthly", "2026-11")["view"]
    assert view["totals"]["missing"] == view["totals"]["units"] - 1


def test_a_round_reads_the_chain_and_the_tree_once_until_a_unit_changes(lc: Lifecycle) -> None:
    """Each report of a round asks who reports and what it covers: within one transaction
    the units are read once, and a unit written in it is seen by the next ask."""
    from hazardflow.workflows import report_chain
    from hazardflow.workflows.schema import unit

    def unit_reads() -> int:
        return sum(1 for s in seen if s.startswith("SELECT") and " FROM unit " in s + " ")

    with lc.db.begin() as conn, recorded(lc.db) as seen:
        first = report_chain.reporters(conn)
        body = next(r for r in first if r.body)
        area = report_chain.covered_ids(conn, body)
        asked = unit_reads()
        for _ in range(3):
            assert report_chain.reporters(conn) == first
            assert report_chain.covered_ids(conn, body) == area
            assert report_chain.reporter(conn, body.code) == body
        assert unit_reads() == asked, seen
        parent = conn.execute(sa.select(unit.c.parent_id).where(
            unit.c.id == area[-1])).scalar()
        assert parent is not None
        conn.execute(sa.update(unit).where(unit.c.id == area[-1])
                     .values(parent_id=None))  # a unit leaves the body's area
        assert area[-1] not in report_chain.covered_ids(conn, body)
        assert unit_reads() > asked + 1
        conn.rollback()
