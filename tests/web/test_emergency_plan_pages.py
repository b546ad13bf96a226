"""The plan register's pages and API twin: a unit creates a plan on /plans (its drafting
task lands in the inbox), the county reads it, another county gets a 404; a drill recorded
over the API with a problem starts the revision (a second request for one is a 409), a bad
drill is a Chinese 422; the problem is registered as a hazard from the plan's page with a
photo. On SQLite only: the use-cases are tested on both backends
(tests/workflows/test_emergency_plans.py)."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.workflows.drills import drill_of_case
from hazardflow.workflows.ledger import hazard_for_case

from .conftest import Login
from .pages import Browser, png_bytes


def _file(app: Flask, plan_id: int) -> None:
    """Draft, approve and file through the inbox's tasks."""
    from hazardflow.workflows.usecases import evidence, tasks
    from hazardflow.workflows.users import actor_for

    rt = app.extensions["hazardflow"]
    with rt.db.connect() as conn:
        safety, head, county = (actor_for(conn, u) for u in ("safety", "principal", "jinan"))
    item = evidence.upload(rt, safety, filename="预案.pdf", data=b"%PDF-1.4\n%%EOF\n",
                           kind="document")
    steps = [(safety, {"version_label": "2026版", "summary": "首次编制",
                       "evidence_plan_file": [item.ref]}),
             (head, {"decision": "approve"}), (county, {"decision": "accept"})]
    for actor, form in steps:
        task_id = int(re.findall(r'href="/tasks/(\d+)"', Browser(app, "safety").html(
            f"/plans/{plan_id}"))[0])
        tasks.complete(rt, actor, task_id, form)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_plan_is_created_on_its_page_filed_drilled_over_the_api_and_a_problem_made_a_hazard(
        app: Flask, client: FlaskClient, login: Login) -> None:
    unit = Browser(app, "safety")
    created = unit.post("/plans", {"unit_code": "LA-JA-H01", "kind": "onsite",
                                   "title": "配电室火灾现场处置方案"})
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    plan_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert "编制/修订预案" in unit.html(f"/plans/{plan_id}")
    _file(app, plan_id)
    county = Browser(app, "jinan")
    assert "配电室火灾现场处置方案" in county.html("/plans")
    assert "已备案" in county.html(f"/plans/{plan_id}")
    Browser(app, "yuan").html(f"/plans/{plan_id}", status=404)
    listed = client.get("/api/v1/plans", headers=login("yuan")).get_json()["plans"]
    assert plan_id not in [p["id"] for p in listed]

    bad = client.post(f"/api/v1/plans/{plan_id}/drills", headers=login("safety"), json={
        "held_on": "2026-11-01", "scenario": " ", "participants": "后勤科", "evaluation": "好"})
    assert bad.status_code == 422 and "演练情景" in bad.get_data(as_text=True)
    drill = client.post(f"/api/v1/plans/{plan_id}/drills", headers=login("safety"), json={
        "held_on": "2026-11-01", "scenario": "配电室起火", "participants": "后勤科12人",
        "evaluation": "断电操作不熟练", "problems": ["配电室灭火器过期"]})
    assert drill.status_code == 201, drill.get_json()
    again = client.post(f"/api/v1/plans/{plan_id}/revision", headers=login("jinan"),
                        json={"reason": "incident"})
    assert again.status_code == 409
    body = client.get(f"/api/v1/plans/{plan_id}", headers=login("jinan")).get_json()
    assert body["plan"]["status"] == "drafting"
    problem = body["drills"][0]["problems"][0]
    assert (problem["description"], problem["hazard_case_id"]) == ("配电室灭火器过期", None)

    opened = unit.client.post(
        f"/plans/{plan_id}/problems/{problem['id']}/hazard",
        data={"csrf_token": unit.token(), "location": "配电室", "category": "fire",
              "level": "general", "photo": (io.BytesIO(png_bytes()), "before.png")},
        content_type="multipart/form-data")
    assert opened.status_code == 302, opened.get_data(as_text=True)[:500]
    case_id = int(opened.headers["Location"].rsplit("/", 1)[1])
    body = client.get(f"/api/v1/plans/{plan_id}", headers=login("jinan")).get_json()
    assert body["drills"][0]["problems"][0]["hazard_case_id"] == case_id
    rt = app.extensions["hazardflow"]
    with rt.db.connect() as conn:  # the other way: the hazard case names its drill
        assert drill_of_case(conn, case_id)["plan_id"] == plan_id
        assert "配电室灭火器过期" in hazard_for_case(conn, case_id)["description"]
    assert opened_again(unit, plan_id, problem["id"]) == 302  # refused: flashed, nothing new
    with rt.db.connect() as conn:
        assert drill_of_case(conn, case_id)["problem_id"] == problem["id"]


def opened_again(unit: Browser, plan_id: int, problem_id: int) -> int:
    response = unit.client.post(
        f"/plans/{plan_id}/problems/{problem_id}/hazard",
        data={"csrf_token": unit.token(), "location": "配电室", "category": "fire",
              "level": "general", "photo": (io.BytesIO(png_bytes()), "before.png")},
        content_type="multipart/form-data")
    assert response.headers["Location"].endswith(f"/plans/{plan_id}")
    return response.status_code
