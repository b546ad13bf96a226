"""The annual assessment: deductions by configurable rules, the breakdown, the ranking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import InvalidInput
from hazardflow.engine.journal import events
from hazardflow.workflows import assessment

from .campaign_support import cst, fill, report_of
from .lifecycle import Lifecycle, order_form


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def row_of(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in result["rows"] if r["unit_code"] == code)


def test_late_reports_and_overdue_hazards_cost_points_and_rank_the_unit_last(
        lc: Lifecycle) -> None:
    lc.engine.fire_due_timers(cst(2026, 12, 1))
    lc.clock.set(cst(2026, 12, 2))
    case_id = lc.report(by="safety")
    lc.complete(case_id, "Task_Triage", "safety", order_form(cst(2026, 12, 10).date()))
    late = report_of(lc, "monthly", "2026-12", "LA-JA-H01")["case_id"]
    on_time = report_of(lc, "monthly", "2026-12", "LA-YA-H01")["case_id"]
    lc.clock.set(cst(2026, 12, 20))
    fill(lc, on_time, by="safety2")
    lc.clock.set(cst(2026, 12, 28))
    fill(lc, late)
    with lc.db.connect() as conn:
        result = assessment.assess(conn, lc.actor("city"), 2026, lc.now(), lc.rt.calendar)
        own = assessment.assess(conn, lc.actor("safety"), 2026, lc.now(), lc.rt.calendar)
    mine = row_of(result, "LA-JA-H01")
    lines = {x["code"]: x for x in mine["breakdown"]}
    assert lines["late_monthly"]["measure"] == 1 and lines["late_monthly"]["deduction"] == 2
    assert lines["overdue_hazard"]["measure"] == 1
    assert lines["rectification_rate"]["measure"] == 100.0  # nothing closed of one found
    assert lines["rectification_rate"]["deduction"] == 20.0  # capped
    assert mine["score"] == 100 - 2 - 1 - 20
    assert row_of(result, "LA-YA-H01")["score"] == 100
    assert mine["rank"] == result["units"]  # last of all
    assert [r["unit_code"] for r in own["rows"]] == ["LA-JA-H01"]  # a unit sees itself
    header, rows = assessment.ranking_table(result)
    assert header[0] == "名次" and len(rows) == result["units"]


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
    from hazardflow.workflows.usecases import campaigns as campaign_uc

    with pytest.raises(InvalidInput) as refused:
        campaign_uc.assessment(lc.rt, lc.actor("city"), year)  # type: ignore[arg-type]
    assert [d.field for d in refused.value.details] == ["year"]
    assert "2000" in refused.value.message


def test_the_first_and_the_next_year_are_assessed(lc: Lifecycle) -> None:
    from hazardflow.workflows.usecases import campaigns as campaign_uc

    city = lc.actor("city")
    assert campaign_uc.assessment(lc.rt, city, 2000)["year"] == 2000
    assert campaign_uc.assessment(lc.rt, city, "2027")["year"] == 2027
    assert campaign_uc.assessment(lc.rt, city)["year"] == 2026  # T0 is in 2026
    export = campaign_uc.assessment_export(lc.rt, city, 2026)
    assert export.filename == "assessment-2026.xlsx" and export.sheet.headers[0] == "名次"
