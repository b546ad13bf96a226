"""The one map (应急一张图) in headless Chromium: every layer drawn from the demo (teams,
depots, sources, medical institutions, an open major hazard and one under 挂牌督办) with no
request outside the app and no console error; the expiring depot is flagged; a filter and a
search narrow the markers; a popup links to the record. The screenshot is kept under
$HAZARDFLOW_ARTIFACTS (default build/artifacts/)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hazardflow.engine.db import write_transaction
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_supervision import supervision_listing
from hazardflow.workflows.usecases import cases
from hazardflow.workflows.users import actor_for

from ..factories import with_uploads
from ..workflows.lifecycle_forms import register_form
from .live import LiveServer, wait_until
from .test_e2e_inbox import sign_in

ARTIFACTS = Path(os.environ.get("HAZARDFLOW_ARTIFACTS") or "build/artifacts")
LAYERS = ("teams", "depots", "sources", "medical", "majors", "supervised")
COUNT = "(name) => document.querySelectorAll('.map-' + name).length"


def _listed_major(live: LiveServer) -> None:
    """A major hazard of 金安区人民医院 reported by its safety officer and listed for
    supervision by the county (the listing row as the lifecycle's service task writes it)."""
    rt = live.app.extensions["hazardflow"]
    with rt.db.connect() as conn:
        safety = actor_for(conn, "safety")
    data = with_uploads(rt, register_form(level="major", location="液氧站"), "safety")
    case_id = int(cases.report_hazard(rt, safety, data)["case"].case_id)
    with write_transaction(rt.db) as conn:
        hazard_id = conn.execute(hazard.select().where(hazard.c.case_id == case_id)).one().id
        conn.execute(supervision_listing.insert().values(
            hazard_id=hazard_id, case_id=case_id, listed_level="county",
            listed_by_body="LA-JA", listed_by_user="jinan", listed_at=rt.now(),
            listing_reason="涉及患者安全，区级挂牌督办"))


def test_the_map_draws_every_layer_offline_and_filters_flag_and_link(
        browser: Any, live: LiveServer) -> None:
    _listed_major(live)
    page = sign_in(browser, live, "jinan")
    outside: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((live.url, "data:", "blob:"))
            else outside.append(r.url))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(live.url + "/map")
    wait_until(page, "() => document.getElementById('emergency-map').dataset.ready")
    counts = {name: page.evaluate(COUNT, name) for name in LAYERS}
    assert all(counts.values()), counts
    assert page.locator(".map-place").count() > 5  # the basemap's place names
    flagged = page.inner_text("#map-flagged")
    assert "金安区人民医院应急物资库" in flagged and "临期" in flagged
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)

    page.select_option("#map-filters select[name=status]", "expiring")
    wait_until(page, "() => document.getElementById('map-count').textContent === '1'")
    assert page.evaluate(COUNT, "depots") == 1 and page.evaluate(COUNT, "teams") == 0
    page.select_option("#map-filters select[name=status]", "")
    # a search zooms to what it found: the marker is clicked once the map stops moving
    page.evaluate("() => { window.hfMoved = false;"
                  " window.hfMap.map.once('moveend', () => { window.hfMoved = true; }); }")
    page.fill("#map-filters input[name=q]", "紧急医学救援")
    wait_until(page, "() => document.getElementById('map-count').textContent === '1'")
    wait_until(page, "() => window.hfMoved")
    page.locator(".map-teams").first.click()
    link = page.locator(".map-popup a.map-open")
    assert "/map/records/team/" in (link.get_attribute("href") or "")
    link.click()
    page.wait_for_url("**/map/records/team/*")
    assert "王建国|队长|13905640001" in page.inner_text("#record")  # the county reads it
    assert outside == [] and console == [] and page.errors == []
