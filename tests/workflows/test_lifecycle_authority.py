"""Who orders and who re-checks a general hazard (16号令 第十五条、第二十条; 安全生产法 第六十五条):
the registration records the body that found it, the order records the body that ordered it,
and the diagram routes the re-check by them — a regulator's finding or order is re-checked by
that regulator, a unit's own by its verifier; the city acts on its own findings at a county's
units; a hidden 暗访 finding reaches the unit with the order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, NotFound
from hazardflow.workflows.ledger import get_hazard

from .lifecycle import Lifecycle
from .lifecycle_forms import UNIT, fix_form, on_spot_form, order_form, rectify_form, verify_passed

D = date(2026, 11, 20)
COUNTY_RECHECK = {("county_supervisor", "LA-JA"), ("inspector", "LA-JA"),
                  ("city_supervisor", "LA-JA")}
CITY_RECHECK = {("city_supervisor", "LA"), ("inspector", "LA")}


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def found_and_ordered(lc: Lifecycle, case_id: int) -> tuple[object, ...]:
    row = lc.hazard(case_id)
    return (row["found_by_level"], row["found_by_body"], row["order_kind"],
            row["ordered_by_body"], row["ordered_by_user"], row["ordered_on"])


def test_a_regulators_finding_is_verified_by_the_regulator_not_the_hospital(
        lc: Lifecycle) -> None:
    case_id = lc.report(by="inspector", source="inspection")
    assert lc.data(case_id)["found_by_level"] == "county"
    # the hospital may organise the rectification itself (its own order) …
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    assert found_and_ordered(lc, case_id) == ("county", "LA-JA", "unit", UNIT, "safety",
                                              "2026-11-02")
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    # … but the county, whose inspector found it, re-checks it: not closed inside the hospital
    assert lc.open_elements(case_id) == ["Task_Recheck"]
    recheck = lc.task(case_id, "Task_Recheck")
    assert lc.candidates(recheck.id) == COUNTY_RECHECK
    with pytest.raises(Forbidden):
        lc.complete(case_id, "Task_Recheck", "verifier", verify_passed())
    lc.complete(case_id, "Task_Recheck", "inspector", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_a_units_own_finding_is_verified_by_its_verifier(lc: Lifecycle) -> None:
    case_id = lc.report(by="safety", source="self_inspection")
    lc.complete(case_id, "Task_Triage", "safety", order_form(D))
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    assert lc.open_elements(case_id) == ["Task_Verify"]
    assert lc.candidates(lc.task_id(case_id, "Task_Verify")) == {("verifier", UNIT)}
    with pytest.raises(Forbidden):  # the county did not find it nor order it
        lc.complete(case_id, "Task_Verify", "jinan", verify_passed())
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    assert found_and_ordered(lc, case_id)[:3] == ("unit", UNIT, "unit")
    assert lc.hazard(case_id)["status"] == "closed"


def test_a_self_inspection_typed_in_by_the_county_is_still_the_units_finding(
        lc: Lifecycle) -> None:
    case_id = lc.report(by="jinan", source="self_inspection")
    assert (lc.hazard(case_id)["found_by_level"], lc.hazard(case_id)["found_by_body"]) == \
        ("unit", UNIT)


def test_what_the_county_orders_it_re_checks(lc: Lifecycle) -> None:
    case_id = lc.report(by="safety", source="self_inspection")
    lc.clock.advance(timedelta(days=1))
    lc.complete(case_id, "Task_Triage", "jinan", on_spot_form())
    assert found_and_ordered(lc, case_id) == ("unit", UNIT, "regulator", "LA-JA", "jinan",
                                              "2026-11-03")
    lc.complete(case_id, "Task_FixOnSpot", "rectifier", fix_form())
    assert lc.open_elements(case_id) == ["Task_Recheck"]
    lc.complete(case_id, "Task_Recheck", "jinan", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_the_city_acts_on_its_own_finding_at_a_countys_unit(lc: Lifecycle) -> None:
    own = lc.report(by="safety", source="self_inspection")  # not the city's to order
    assert ("city_supervisor", "LA") not in lc.candidates(lc.task_id(own, "Task_Triage"))

    case_id = lc.report(by="city", source="spot_check")
    assert (lc.hazard(case_id)["found_by_level"], lc.hazard(case_id)["found_by_body"]) == \
        ("city", "LA")
    assert lc.open_elements(case_id) == ["Task_TriageCity"]
    triage = lc.task(case_id, "Task_TriageCity")
    assert ("city_supervisor", "LA") in lc.candidates(triage.id)
    lc.complete(case_id, "Task_TriageCity", "city", order_form(D))
    assert found_and_ordered(lc, case_id)[2:5] == ("regulator", "LA", "city")
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    assert lc.open_elements(case_id) == ["Task_RecheckCity"]
    assert lc.candidates(lc.task_id(case_id, "Task_RecheckCity")) == CITY_RECHECK
    with pytest.raises(Forbidden):  # the county neither found nor ordered it
        lc.complete(case_id, "Task_RecheckCity", "jinan", verify_passed())
    lc.complete(case_id, "Task_RecheckCity", "city", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"


def test_a_hidden_general_finding_waits_at_the_regulators_step_until_ordered(
        lc: Lifecycle) -> None:
    case_id = lc.report(by="inspector", source="unannounced")
    code = lc.hazard(case_id)["code"]
    with lc.db.connect() as conn:
        assert get_hazard(conn, lc.actor("safety"), code) is None
    with pytest.raises(NotFound):  # a candidate by role, but it is not theirs to see yet
        lc.complete(case_id, "Task_Triage", "safety", on_spot_form())
    lc.complete(case_id, "Task_Triage", "jinan", on_spot_form())  # ordered on the spot
    assert lc.hazard(case_id)["visible_to_unit"] is True
    with lc.db.connect() as conn:
        assert get_hazard(conn, lc.actor("rectifier"), code) is not None
    lc.complete(case_id, "Task_FixOnSpot", "rectifier", fix_form())
    lc.complete(case_id, "Task_Recheck", "inspector", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"
