"""Migrating running hazard cases from version 1 to version 2 through the designer API.

Version 2 renames Task_Recheck (the county's re-check of a hazard its inspector found) to
Task_Check and Task_FixOnSpot to Task_OnSpot, and gives Task_Triage a shorter due date. Cases
on triage and on rectify (five timers armed in the sub-process) move in place; the case on the
renamed re-check step moves with an explicit mapping; the case on the fix-on-spot step is not
mapped, cannot move and stays intact.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine.schema import process_case, timer

from .conftest import Login
from .support import API, complete_ok, open_task, order_form, ordered_hazard, rectify_form, report

D = "/api/v1/designer"
HAZARD = Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn"


def with_due_date(text: str, element: str, due: str) -> str:
    """``text`` with the user task ``element``'s ``camunda:dueDate`` set to ``due``: an
    existing one is replaced, a missing one added (never a second, redefined attribute)."""
    start = re.compile(rf'<bpmn:userTask id="{re.escape(element)}"[^>]*>')
    match = start.search(text)
    assert match, f"no user task {element} in the diagram"
    tag = match.group(0)
    if "camunda:dueDate=" in tag:
        tag = re.sub(r'camunda:dueDate="[^"]*"', f'camunda:dueDate="{due}"', tag)
    else:
        tag = tag.replace(f'id="{element}"', f'id="{element}" camunda:dueDate="{due}"', 1)
    return text[:match.start()] + tag + text[match.end():]


def version_2() -> str:
    """Version 2: the regulator's re-check Task_Recheck is renamed Task_Check, the on-spot
    fix Task_FixOnSpot is renamed Task_OnSpot, and Task_Triage gets a due date of 8 hours."""
    text = HAZARD.read_text(encoding="utf-8")
    for old, new in (("Task_Recheck", "Task_Check"), ("Task_FixOnSpot", "Task_OnSpot")):
        text = text.replace(f'"{old}"', f'"{new}"').replace(f">{old}<", f">{new}<")
        text = text.replace(f"{old},", f"{new},").replace(f",{old}\"", f",{new}\"")
    return with_due_date(text, "Task_Triage", "PT8H")


def _row(app: Flask, case_id: int) -> Any:
    with app.extensions["hazardflow"].db.connect() as conn:
        return conn.execute(sa.select(process_case).where(process_case.c.id == case_id)).one()


def _timers(app: Flask, case_id: int) -> list[tuple[str, Any]]:
    with app.extensions["hazardflow"].db.connect() as conn:
        return sorted((r.element_id, r.due_at) for r in conn.execute(sa.select(timer).where(
            timer.c.case_id == case_id, timer.c.fired_at.is_(None))))


def test_running_cases_move_to_version_2_and_the_unmapped_one_stays_intact(
        app: Flask, client: FlaskClient, login: Login) -> None:
    triage = report(client, login("inspector"))["case"]["id"]
    rectify = ordered_hazard(client, login)
    verify = ordered_hazard(client, login, location="锅炉房")
    complete_ok(client, login("rectifier"), verify["rectify_task"], rectify_form())
    on_spot = report(client, login("inspector"), location="配电室")["case"]["id"]
    complete_ok(client, login("safety"), open_task(client, login("safety"), on_spot,
                                                    "Task_Triage"),
                order_form(disposition="on_spot"))
    timers_before = _timers(app, rectify["case_id"])
    assert len(timers_before) == 5
    on_spot_before = _row(app, on_spot)

    headers = login("designer")
    deployed = client.post(f"{D}/deploy", headers=headers, json={"bpmn": version_2()})
    assert deployed.status_code == 201, deployed.get_json()
    args = {"key": "hazard_lifecycle", "from_version": 1, "to_version": 2}
    preview = client.post(f"{D}/migrations/preview", headers=headers, json=args).get_json()
    assert preview["suggested_mapping"] == {"Task_FixOnSpot": "Task_OnSpot",
                                            "Task_Recheck": "Task_Check"}
    assert preview["needs_mapping"] == ["Task_FixOnSpot", "Task_Recheck"]
    assert preview["summary"] == {"total": 4, "clean": 2, "blocked": 2}

    batch = client.post(f"{D}/migrations", headers=headers,
                        json={**args, "mapping": {"Task_Recheck": "Task_Check"}})
    assert batch.status_code == 201, batch.get_json()
    batch_id = batch.get_json()["id"]
    step = client.post(f"{D}/migrations/{batch_id}/run", headers=headers, json={"limit": 2})
    assert step.get_json()["done"] == 2 and step.get_json()["status"] == "running"
    done = client.post(f"{D}/migrations/{batch_id}/run", headers=headers, json={}).get_json()
    assert (done["status"], done["moved"], done["blocked"]) == ("done", 3, 1)
    status = client.get(f"{D}/migrations/{batch_id}", headers=headers).get_json()
    by_case = {c["case_id"]: c for c in status["cases"]}
    assert by_case[on_spot]["status"] == "blocked"
    assert "Task_FixOnSpot" in by_case[on_spot]["reason"]

    on_spot_after = _row(app, on_spot)
    assert (on_spot_after.state, on_spot_after.revision, on_spot_after.definition_id) == (
        on_spot_before.state, on_spot_before.revision, on_spot_before.definition_id)
    assert _timers(app, rectify["case_id"]) == timers_before

    # the migrated cases run on version 2: triage has its new due date, the county's
    # re-check is Task_Check
    triage_task = client.get(f"{API}/cases/{triage}", headers=login("safety")).get_json()
    [task] = triage_task["case"]["active_tasks"]
    assert (task["element_id"], triage_task["case"]["definition"]["version"]) == (
        "Task_Triage", 2)
    assert task["due_at"].startswith("2026-11-02T09:00")
    check = open_task(client, login("inspector"), verify["case_id"], "Task_Check")
    closed = complete_ok(client, login("inspector"), check, {
        "verify_result": "passed", "verify_opinion": "已整改到位"})
    assert closed["status"] == "completed"
    complete_ok(client, login("rectifier"), rectify["rectify_task"], rectify_form())
    assert open_task(client, login("inspector"), rectify["case_id"], "Task_Check")
    history = client.get(f"{API}/cases/{rectify['case_id']}", headers=login("city")).get_json()
    assert "migrated" in [h["action"] for h in history["case"]["history"]]
    versions = client.get(f"{D}/processes", headers=headers).get_json()["processes"]
    [hazard] = [p for p in versions if p["key"] == "hazard_lifecycle"]
    assert [v["running_cases"] for v in hazard["versions"]] == [2, 1]
