"""Campaigns: the founding campaign seeded with its themes and checklists; progress by unit
and theme from tagged hazards and inspections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, InvalidInput
from hazardflow.workflows import campaigns

from .lifecycle import Lifecycle
from .test_inspections import record


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_the_founding_campaign_is_seeded_with_its_themes_and_checklists(lc: Lifecycle) -> None:
    with lc.db.connect() as conn:
        found = campaigns.get_campaign(conn, "2026-YDQ")
        lists = {c["code"] for c in campaigns.list_checklists(conn)}
        fire = campaigns.get_checklist(conn, "hospital_fire")
    assert found["name"] == "迎大庆、防风险、除隐患、保安全"
    assert [t["code"] for t in found["themes"]][:3] == ["flood", "confined_space",
                                                        "self_built_house"]
    # the founding campaign's 1+7 themes each have their checklist; the bundle also holds the
    # lists of the 2023 list's other areas and the county-supervision list, used by any visit
    themed = {"flood_season", "confined_space", "self_built_house", "three_in_one",
              "hazardous_chemicals", "construction", "hospital_fire"}
    assert {t["checklist_code"] for t in found["themes"]} == themed
    assert lists == themed | {"power_distribution", "special_equipment", "mechanical_parking",
                              "building_structure", "contractor_lease", "county_supervision"}
    assert any(i["major_trigger"] for i in fire["items"])
    assert all(i["legal_basis"] for i in fire["items"])
    with lc.db.begin() as conn:  # seeding again adds nothing
        assert campaigns.seed_campaigns(conn, lc.now()) == {"checklists_created": 0,
                                                             "campaigns_created": 0}


def test_create_a_campaign_and_refuse_a_bad_one(lc: Lifecycle) -> None:
    themes = [campaigns.Theme("fire", "消防", "fire", "hospital_fire")]
    with lc.db.begin() as conn:
        campaigns.create_campaign(conn, code="2027-XF", name="冬春火灾防控", starts_on="2027-01-01",
                                  ends_on="2027-03-31", themes=themes,
                                  unit_codes=["LA-JA-H01", "LA-JA-H02"], created_by="city",
                                  now=lc.now())
        with pytest.raises(Conflict):
            campaigns.create_campaign(conn, code="2027-XF", name="x", starts_on="2027-01-01",
                                      ends_on="2027-03-31", themes=themes, unit_codes=None,
                                      created_by="city", now=lc.now())
        with pytest.raises(InvalidInput):
            campaigns.create_campaign(conn, code="2027-Y", name="x", starts_on="2027-04-01",
                                      ends_on="2027-03-31", themes=themes, unit_codes=None,
                                      created_by="city", now=lc.now())
    with lc.db.connect() as conn:
        assert [u["code"] for u in campaigns.get_campaign(conn, "2027-XF")["units"]] == \
            ["LA-JA-H01", "LA-JA-H02"]


def test_progress_counts_tagged_hazards_by_unit_and_theme(lc: Lifecycle) -> None:
    record(lc, "inspector", "supervision", {1: "通道堆物", 2: "喷淋关闭"})
    lc.report(by="safety", campaign="2026-YDQ", category="flood")
    lc.report(by="safety")  # untagged: not counted
    with lc.db.connect() as conn:
        city = campaigns.progress(conn, lc.actor("city"), "2026-YDQ", lc.today())
        county = campaigns.progress(conn, lc.actor("yuan"), "2026-YDQ", lc.today())
    unit = next(u for u in city["by_unit"] if u["code"] == "LA-JA-H01")
    assert (unit["found"], unit["major"], unit["inspections"]) == (3, 1, 1)
    theme = {t["code"]: t for t in city["by_theme"]}
    assert theme["crowded_places"]["found"] == 2 and theme["flood"]["found"] == 1
    assert city["totals"]["found"] == 3
    assert {u["county_code"] for u in county["by_unit"]} == {"LA-YA"}
    assert county["totals"]["found"] == 0


def test_only_the_city_creates_a_campaign_through_its_use_case(lc: Lifecycle) -> None:
    from hazardflow.engine import Forbidden
    from hazardflow.workflows.usecases import campaigns as campaign_uc

    themes = [campaigns.Theme("fire", "消防", "fire", "hospital_fire")]
    given = {"code": "2027-XF", "name": "冬春火灾防控", "starts_on": "2027-01-01",
             "ends_on": "2027-03-31", "themes": themes}
    with pytest.raises(Forbidden):
        campaign_uc.create_campaign(lc.rt, lc.actor("jinan"), **given)  # type: ignore[arg-type]
    for wrong, field in (({"unit_codes": "LA-JA-H01"}, "units"),
                         ({"unit_codes": [1, 2]}, "units"),
                         ({"themes": [campaigns.Theme("x", "x", "fire", "no_such_list")]},
                          "themes"),
                         ({"themes": themes * 2}, "themes"),
                         ({"name": "长" * 256}, "name")):
        with pytest.raises(InvalidInput) as refused:
            campaign_uc.create_campaign(lc.rt, lc.actor("city"), **{**given, **wrong})  # type: ignore[arg-type]
        assert [d.field for d in refused.value.details] == [field]
    assert [c["code"] for c in campaign_uc.list_campaigns(lc.rt, lc.actor("city"))] \
        == ["2026-YDQ"]
    made = campaign_uc.create_campaign(lc.rt, lc.actor("city"), **given)  # type: ignore[arg-type]
    assert made["code"] == "2027-XF" and made["created_by"] == "city"
    assert len(made["units"]) > 2  # every reporting unit takes part
