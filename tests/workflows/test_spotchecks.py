"""Spot-check draws reproducible from their seed; the published 通报 names the units and
makes the unannounced findings visible, and is journaled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict
from hazardflow.engine.journal import events
from hazardflow.workflows import spotchecks
from hazardflow.workflows.ledger import get_hazard
from hazardflow.workflows.usecases.inspections import record as record_uc

from .lifecycle import Lifecycle
from .test_inspections import results

POPULATION = [(f"U{n:02d}", f"C{n % 4}") for n in range(30)]


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_the_same_seed_draws_the_same_units_and_another_seed_others() -> None:
    first = spotchecks.sample(POPULATION, 6, "2026-抽查-1")
    assert spotchecks.sample(list(reversed(POPULATION)), 6, "2026-抽查-1") == first
    assert spotchecks.sample(POPULATION, 6, "another seed") != first
    assert len(set(first)) == 6


def test_a_stratified_draw_spreads_over_the_counties() -> None:
    picked = spotchecks.sample(POPULATION, 4, "seed", stratified=True)
    counties = {dict(POPULATION)[c] for c in picked}
    assert counties == {"C0", "C1", "C2", "C3"}
    assert spotchecks.sample(POPULATION, 4, "seed", stratified=True) == picked


def test_a_recorded_draw_is_reproduced_from_its_seed(lc: Lifecycle) -> None:
    with lc.db.begin() as conn:
        draw_id = spotchecks.draw(conn, title="第一批抽查", kind="spot_check", size=5,
                                  drawn_by="city", now=lc.now(), stratified=True)
    with lc.db.connect() as conn:
        recorded = spotchecks.get_draw(conn, draw_id)
        assert [c["unit_code"] for c in recorded["checks"]] == spotchecks.redraw(conn, draw_id)
        assert events(conn, action_prefix="spotcheck.drawn")[0]["payload"]["seed"] == \
            recorded["seed"]
    assert len({c["county_code"] for c in recorded["checks"]}) == 5


def test_publication_names_the_failed_units_and_makes_findings_visible(lc: Lifecycle) -> None:
    with lc.db.begin() as conn:
        draw_id = spotchecks.draw(conn, title="暗访", kind="unannounced", size=2,
                                  drawn_by="city", now=lc.now(), seed="fixed")
        checks = spotchecks.get_draw(conn, draw_id)["checks"]
        for check in checks:
            spotchecks.assign(conn, check["id"], "city")
    found = {}
    for n, check in enumerate(checks):
        found[check["unit_code"]] = record_uc(
            lc.rt, lc.actor("city"), unit_code=check["unit_code"], kind="unannounced",
            checklist_code="hospital_fire", spot_check_id=check["id"],
            results=results("hospital_fire", lc, {1: "通道堆物"} if n == 0 else {}, "city"))
    bad = checks[0]["unit_code"]
    code = next(r["hazard_code"] for r in found[bad]["results"] if r["hazard_code"])
    inside = lc.actor("safety") if bad == "LA-JA-H01" else None
    with lc.db.begin() as conn:
        published = spotchecks.publish(conn, draw_id, actor="city", now=lc.now(),
                                       summary="发现问题的单位限期整改")
        with pytest.raises(Conflict):
            spotchecks.publish(conn, draw_id, actor="city", now=lc.now())
    assert published["notice_no"].startswith("六卫健通报〔2026〕")
    assert [c["unit_code"] for c in published["failed"]] == [bad]
    assert published["failed"][0]["findings"][0]["hazard_code"] == code
    with lc.db.connect() as conn:
        row = get_hazard(conn, lc.actor("city"), code)
        assert row is not None and row["visible_to_unit"] and row["published_at"]
        if inside is not None:
            assert get_hazard(conn, inside, code) is not None
        record = events(conn, action_prefix="spotcheck.published")[0]
    assert record["payload"]["failed"] == [bad]
    assert record["payload"]["hazards_made_visible"] == 1


def test_a_draw_with_unfinished_checks_cannot_be_published(lc: Lifecycle) -> None:
    with lc.db.begin() as conn:
        draw_id = spotchecks.draw(conn, title="抽查", kind="spot_check", size=1,
                                  drawn_by="city", now=lc.now(), seed="s")
        with pytest.raises(Conflict):
            spotchecks.publish(conn, draw_id, actor="city", now=lc.now())
