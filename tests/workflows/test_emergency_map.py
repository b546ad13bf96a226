"""The one map of readiness (应急一张图): an expiring item flagged on the map and told to its
keeper once per state, the hazard layers under the visibility rule, keeping records in and
out of scope, and the import's dry run with its problems per row."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from hazardflow import worker
from hazardflow.engine import Forbidden, InvalidInput
from hazardflow.engine.schema import metadata
from hazardflow.workflows.jobs import embedded_scheduler, job
from hazardflow.workflows.map_basemap import basemap_text
from hazardflow.workflows.schema import notification
from hazardflow.workflows.schema_emergency import emergency_team, supply_depot
from hazardflow.workflows.usecases import emergency as uc

from .lifecycle import Lifecycle

HOSPITAL = "LA-JA-H01"
EMERGENCY_TABLES = {"unit_location", "emergency_team", "emergency_team_member", "supply_depot",
                    "supply_item", "major_hazard_source"}
PLACE = {"lat": 31.7526, "lng": 116.5202, "address": "六安市金安区"}


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    """The demo's units and people, without the demo's map records (these tests make their
    own)."""
    made = Lifecycle(db)
    with db.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name in EMERGENCY_TABLES:
                conn.execute(table.delete())
    yield made


def _depot(lc: Lifecycle, expires: str) -> int:
    return uc.save_record(lc.rt, lc.actor("safety"), "depot", {
        "unit_code": HOSPITAL, "name": "金安区人民医院应急物资库", **PLACE, "keeper": "safety",
        "items": f"N95口罩|200|个|{expires}；医用消毒液|50|桶|2030-12-31"})


def _layer(lc: Lifecycle, who: str, name: str) -> list[dict[str, Any]]:
    return [f["properties"] for f in uc.layers(lc.rt, lc.actor(who))["layers"][name]["features"]]


def _told(lc: Lifecycle) -> list[str]:
    with lc.db.connect() as conn:
        return list(conn.execute(sa.select(notification.c.title).where(
            notification.c.kind == "supply_expiry").order_by(notification.c.id)).scalars())


def test_an_expiring_item_is_flagged_and_told_once_per_state_and_imports_check_each_row(
        lc: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> None:
    _an_import_dry_run_lists_problems_per_row_and_the_export_reads_back(lc)
    with lc.db.begin() as conn:
        conn.execute(supply_depot.delete())
    _depot(lc, (lc.today() + timedelta(days=10)).isoformat())
    [depot] = _layer(lc, "yuan", "depots")  # another county reads the records too
    assert (depot["status"], depot["flagged"]) == ("expiring", 1)
    assert [i["state"] for i in depot["items"]] == ["expiring", "ok"]
    scheduler = embedded_scheduler(lc.rt)  # the embedded driver, on the injected clock
    try:
        assert "supply_expiry" in scheduler.tick()
    finally:
        scheduler.stop()
    assert job("supply_expiry").run(lc.rt, lc.now()) == 0  # once per item and state
    lc.set_time(lc.now() + timedelta(days=11))
    monkeypatch.setattr(worker, "_runtime", lc.rt)  # Celery's task of the same job
    assert worker.JOB_TASKS["supply_expiry"].run(lc.now().isoformat()) == 1
    assert _told(lc) == ["金安区人民医院应急物资库：N95口罩临期",
                         "金安区人民医院应急物资库：N95口罩已过期"]
    with lc.db.connect() as conn:
        keepers = set(conn.execute(sa.select(notification.c.user_id).where(
            notification.c.kind == "supply_expiry")).scalars())
    assert len(keepers) == 1 and None not in keepers
    [depot] = _layer(lc, "safety", "depots")
    assert depot["status"] == "expired" and depot["status_name"] == "已过期"


def test_a_hidden_unannounced_major_is_on_the_countys_map_only_and_keepers_are_in_scope(
        lc: Lifecycle) -> None:
    _records_are_kept_only_in_scope_and_bad_input_names_every_field(lc)
    uc.set_unit_location(lc.rt, lc.actor("jinan"), HOSPITAL,
                         {**PLACE, "facility_type": "综合医院", "grade": "二级甲等"})
    own = lc.report(by="safety", level="major")
    hidden = lc.report(by="inspector", source="unannounced", level="major")
    county = {p["id"] for p in _layer(lc, "jinan", "majors")}
    unit = {p["id"] for p in _layer(lc, "safety", "majors")}
    assert county == {own, hidden}
    assert unit == {own}
    [medical] = [p for p in _layer(lc, "safety", "medical") if p["unit_code"] == HOSPITAL]
    assert (medical["type"], medical["grade"]) == ("综合医院", "二级甲等")


def _records_are_kept_only_in_scope_and_bad_input_names_every_field(lc: Lifecycle) -> None:
    team = {"unit_code": HOSPITAL, "name": "医疗救治队", "speciality": "医疗救治", **PLACE,
            "members": "张伟|队长|13800000001\n李娜|队员|13800000002"}
    with pytest.raises(Forbidden):
        uc.save_record(lc.rt, lc.actor("safety2"), "team", team)
    with pytest.raises(InvalidInput) as refused:
        uc.save_record(lc.rt, lc.actor("safety"), "team",
                       {**team, "name": "", "lat": 116.5, "lng": 31.7})
    assert {d.field for d in refused.value.details} == {"name", "lat", "lng"}
    with lc.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(emergency_team)).scalar() == 0
    made = uc.save_record(lc.rt, lc.actor("jinan"), "team", team)  # the county keeps it too
    [shown] = _layer(lc, "safety2", "teams")
    assert shown["id"] == made and [m["role"] for m in shown["members"]] == ["队长", "队员"]


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位编码", "名称", "纬度", "经度", "保管人账号",
                  "物资（名称|数量|单位|有效期至；…）"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _an_import_dry_run_lists_problems_per_row_and_the_export_reads_back(
        lc: Lifecycle) -> None:
    body = _sheet([[HOSPITAL, "一号库", 31.75, 116.52, "safety", "口罩|10|箱|2030-01-01"],
                   ["LA-YA-H01", "二号库", 31.75, 116.52, "nobody", "口罩|很多|箱|明天"]])
    dry = uc.import_records(lc.rt, lc.actor("safety"), "depot", "物资.xlsx", body)
    assert dry.rows == 2 and dry.good_rows == 1 and not dry.imported
    assert {p.row for p in dry.problems} == {3}
    assert {p.field for p in dry.problems} == {"unit_code", "keeper", "items"}
    with lc.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(supply_depot)).scalar() == 0
    done = uc.import_records(lc.rt, lc.actor("safety"), "depot", "物资.xlsx", body,
                             dry_run=False)
    assert len(done.imported) == 1
    exported, name = uc.export(lc.rt, "depot", "geojson")
    again = uc.import_records(lc.rt, lc.actor("safety"), "depot", name, exported)
    assert again.rows == 1 and not again.problems
    feature = json.loads(exported)["features"][0]
    assert feature["geometry"]["coordinates"] == [116.52, 31.75]
    assert feature["properties"]["items"] == "口罩|10|箱|2030-01-01"


def test_the_basemap_is_the_shipped_place_names_or_the_configured_file(tmp_path: Path) -> None:
    shipped = json.loads(basemap_text(""))
    assert "GeoNames" in shipped["attribution"]
    assert {f["geometry"]["type"] for f in shipped["features"]} == {"Point"}  # no boundaries
    assert "霍邱城关镇" in {f["properties"]["name"] for f in shipped["features"]}
    standard = tmp_path / "standard.geojson"
    standard.write_text(json.dumps({"type": "FeatureCollection", "features": [],
                                    "attribution": "审图号：皖S(2026)1号"}), encoding="utf-8")
    assert json.loads(basemap_text(str(standard)))["attribution"] == "审图号：皖S(2026)1号"
    broken = tmp_path / "broken.geojson"
    broken.write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="not a GeoJSON FeatureCollection"):
        basemap_text(str(broken))
