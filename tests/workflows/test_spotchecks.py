"""Spot-check draws reproducible from their seed; the published 通报 names the units and
makes the unannounced findings visible, and is journaled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, Forbidden, NotFound
from hazardflow.engine.journal import events
from hazardflow.workflows import spotchecks
from hazardflow.workflows.ledger import get_hazard
from hazardflow.workflows.usecases import campaigns as campaign_uc
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
    draw_id = campaign_uc.draw(lc.rt, lc.actor("city"), title="第一批抽查", kind="spot_check",
                               size=5, stratified=True)["id"]
    with lc.db.connect() as conn:
        recorded = spotchecks.get_draw(conn, draw_id)
        assert [c["unit_code"] for c in recorded["checks"]] == spotchecks.redraw(conn, draw_id)
        assert events(conn, action_prefix="spotcheck.drawn")[0]["payload"]["seed"] == \
            recorded["seed"]
    assert len({c["county_code"] for c in recorded["checks"]}) == 5


def test_publication_names_the_failed_units_and_makes_findings_visible(lc: Lifecycle) -> None:
    city = lc.actor("city")
    draw_id = campaign_uc.draw(lc.rt, city, title="暗访", kind="unannounced", size=2,
                               seed="fixed")["id"]
    checks = campaign_uc.get_draw(lc.rt, city, draw_id)["checks"]
    for check in checks:
        campaign_uc.assign(lc.rt, city, draw_id, check["id"], "city")
    assert {c["inspector"] for c in campaign_uc.get_draw(lc.rt, city, draw_id)["checks"]} \
        == {"city"}
    found = {}
    for n, check in enumerate(checks):
        found[check["unit_code"]] = record_uc(
            lc.rt, lc.actor("city"), unit_code=check["unit_code"], kind="unannounced",
            checklist_code="hospital_fire", spot_check_id=check["id"],
            results=results("hospital_fire", lc, {1: "通道堆物"} if n == 0 else {}, "city"))
    bad = checks[0]["unit_code"]
    code = next(r["hazard_code"] for r in found[bad]["results"] if r["hazard_code"])
    inside = lc.actor("safety") if bad == "LA-JA-H01" else None
    published = campaign_uc.publish_draw(lc.rt, city, draw_id, summary="发现问题的单位限期整改")
    with pytest.raises(Conflict):
        campaign_uc.publish_draw(lc.rt, city, draw_id)
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
    city = lc.actor("city")
    draw_id = campaign_uc.draw(lc.rt, city, title="抽查", kind="spot_check", size=1,
                               seed="s")["id"]
    with pytest.raises(Conflict):
        campaign_uc.publish_draw(lc.rt, city, draw_id)


def test_only_the_city_draws_assigns_and_publishes_and_sees_a_draw_before_it_is_published(
        lc: Lifecycle) -> None:
    city, county = lc.actor("city"), lc.actor("jinan")
    with pytest.raises(Forbidden):
        campaign_uc.draw(lc.rt, county, title="县区抽查", kind="spot_check", size=1)
    draw_id = campaign_uc.draw(lc.rt, city, title="抽查", kind="spot_check", size=2,
                               seed="s")["id"]
    other = campaign_uc.draw(lc.rt, city, title="另一批", kind="spot_check", size=1,
                             seed="t")["id"]
    check_id = campaign_uc.get_draw(lc.rt, city, draw_id)["checks"][0]["id"]
    with pytest.raises(Forbidden):
        campaign_uc.assign(lc.rt, county, draw_id, check_id, "inspector")
    with pytest.raises(Forbidden):
        campaign_uc.publish_draw(lc.rt, county, draw_id)
    with pytest.raises(NotFound):  # unpublished: it does not exist for the county
        campaign_uc.get_draw(lc.rt, county, draw_id)
    with pytest.raises(NotFound):
        campaign_uc.draw_notice(lc.rt, city, draw_id)
    with pytest.raises(NotFound):  # a check of another draw
        campaign_uc.assign(lc.rt, city, other, check_id, "inspector")
    assert [d["id"] for d in campaign_uc.spot_checks(lc.rt, county)["draws"]] == []
    assert {d["id"] for d in campaign_uc.spot_checks(lc.rt, lc.actor("leader"))["draws"]} \
        == {draw_id, other}


def test_a_publication_that_fails_half_way_changes_nothing(
        lc: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> None:
    city = lc.actor("city")
    draw_id = campaign_uc.draw(lc.rt, city, title="暗访", kind="unannounced", size=1,
                               seed="fixed")["id"]
    check = campaign_uc.get_draw(lc.rt, city, draw_id)["checks"][0]
    found = record_uc(lc.rt, city, unit_code=check["unit_code"], kind="unannounced",
                      checklist_code="hospital_fire", spot_check_id=check["id"],
                      results=results("hospital_fire", lc, {1: "通道堆物"}, "city"))
    code = next(r["hazard_code"] for r in found["results"] if r["hazard_code"])
    real = spotchecks.journal.record

    def failing(conn: sa.Connection, **entry: object) -> object:
        if entry.get("action") == "spotcheck.published":
            raise RuntimeError("the journal is down")
        return real(conn, **entry)  # type: ignore[arg-type]

    monkeypatch.setattr(spotchecks.journal, "record", failing)
    with pytest.raises(RuntimeError):
        campaign_uc.publish_draw(lc.rt, city, draw_id)
    with lc.db.connect() as conn:
        row = get_hazard(conn, city, code)
    assert row is not None and not row["visible_to_unit"] and row["published_at"] is None
    assert campaign_uc.get_draw(lc.rt, city, draw_id)["published_at"] is None
    monkeypatch.setattr(spotchecks.journal, "record", real)
    published = campaign_uc.publish_draw(lc.rt, city, draw_id)
    assert published["notice_no"] == "六卫健通报〔2026〕1号"  # the failed try took no number
