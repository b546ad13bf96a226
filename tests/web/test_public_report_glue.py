"""The links people expect around public reports (SQLite; the panels' data is tested in
tests/workflows/test_public_report_glue.py on both backends): the sign-in page and the
footer lead to /report and /report/track; the triage task's page shows the report as filed
with its photo; the hazard opened from it says 来源：群众举报, linked to the report's page
for a county supervisor and unlinked for the unit; the dashboard counts the report for the
county (举报办结率)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from hazardflow.engine import FixedClock
from hazardflow.engine.schema import human_task
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_reports import public_report
from hazardflow.workflows.usecases import tasks
from hazardflow.workflows.users import actor_for

from .conftest import T0, make_app
from .pages import Browser, png_bytes

FIELDS = {"unit_code": "LA-JA-H01", "place": "门诊楼三层东侧楼梯间",
          "description": "安全出口被杂物堵住，消防门上了锁", "anonymous": "0",
          "name": "王小明", "phone": "13900001234"}


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copyfile(sqlite_template, tmp_path / "web.db")
    app = make_app(f"sqlite:///{tmp_path}/web.db", FixedClock(T0), tmp_path)
    yield app
    app.extensions["hazardflow"].close()


def complete(app: Flask, case_id: int, element: str, by: str, data: dict[str, str]) -> None:
    rt = app.extensions["hazardflow"]
    with rt.db.connect() as conn:
        task_id = conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.element_id == element,
            human_task.c.state == "open")).scalar_one()
        actor = actor_for(conn, by)
    tasks.complete(rt, actor, task_id, data)


def test_sign_in_links_to_reporting_and_the_triage_and_hazard_pages_show_the_report(
        app: Flask) -> None:
    login = Browser(app).html("/login")
    assert login.count('href="/report"') == 2 and login.count('href="/report/track"') == 2
    filed = app.test_client().post("/api/v1/public/reports", data={
        **FIELDS, "photos": [(io.BytesIO(png_bytes()), "现场.png")]},
        content_type="multipart/form-data")
    assert filed.status_code == 201, filed.get_json()
    with app.extensions["hazardflow"].db.connect() as conn:
        report_id, case_id = conn.execute(sa.select(public_report.c.id,
                                                    public_report.c.case_id)).one()
        task_id = conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id)).scalar_one()
    jinan = Browser(app, "jinan")
    assert 'id="public-reports"' in jinan.html("/monitor/dashboard")
    board = jinan.get("/monitor/dashboard.json").get_json()["public_reports"]
    assert (board["received"], board["closed"], board["rate"]) == (1, 0, 0.0)
    page = Browser(app, "jubao").html(f"/tasks/{task_id}")
    assert 'id="triage-report"' in page and FIELDS["description"] in page
    assert "/evidence/" in page and "王小明" not in page and "13900001234" not in page

    complete(app, case_id, "Task_Accept", "jubao", {"accept_result": "accept"})
    complete(app, case_id, "Task_Verify", "inspector", {
        "verify_result": "substantiated", "finding_note": "属实", "category": "fire",
        "level": "general", "hazard_description": "安全出口堵塞"})
    with app.extensions["hazardflow"].db.connect() as conn:
        hazard_case = conn.execute(sa.select(hazard.c.case_id).where(
            hazard.c.source == "public_report")).scalar_one()
    county = jinan.html(f"/cases/{hazard_case}")
    assert f'href="/reports/{report_id}"' in county and "群众举报" in county
    unit = Browser(app, "safety").html(f"/cases/{hazard_case}")
    assert 'id="source-report">群众举报</dd>' in unit and "/reports/" not in unit
