"""A county supervisor's monitor holds their county only: 金安区's supervisor (jinan), with a
stuck hazard in 金安区 and one in 裕安区, never sees the 裕安区 case in the stuck list and its
counts, the piles and heat of the diagram, the cases at an activity, the dashboard and its
Excel export, the escalations or a letter."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from hazardflow.engine import FixedClock
from hazardflow.workflows.jobs import sweep_due

from .conftest import Login, assert_error, sign_in
from .pages import Browser
from .support import API, complete_ok, open_task, order_form, ordered_hazard, report

OTHER_COUNTY = "裕安区"


def _two_counties(app: Flask, client: FlaskClient, login: Login,
                  clock: FixedClock) -> tuple[dict[str, object], dict[str, object]]:
    """A hazard ordered in each county, both past their deadline and up the ladder."""
    mine = ordered_hazard(client, login)
    body = report(client, login("safety2"), unit_code="LA-YA-H01")
    case_id = body["case"]["id"]
    triage = open_task(client, login("safety2"), case_id, "Task_Triage")
    complete_ok(client, login("safety2"), triage, order_form(responsible="rectifier2"))
    theirs = {"code": body["hazard"]["code"], "case_id": case_id}
    clock.set(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))  # past the deadline of 2026-11-20
    sweep_due(app.extensions["hazardflow"], clock.now())
    return mine, theirs


def _definition_id(browser: Browser) -> int:
    found = re.search(r"/monitor/process/(\d+)", browser.get("/monitor/process")
                      .headers["Location"])
    assert found
    return int(found.group(1))


def test_the_stuck_list_export_and_counts_hold_the_county_only(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    mine, theirs = _two_counties(app, client, login, clock)
    jinan, city = sign_in(client, "jinan"), sign_in(client, "city")
    everything = client.get(f"{API}/monitor/stuck", query_string={"per_page": 500},
                            headers=city).get_json()
    assert {mine["case_id"], theirs["case_id"]} <= {r["case_id"] for r in everything["items"]}
    assert everything["counts"]["overdue"] == 2

    exported = client.get(f"{API}/monitor/stuck", query_string={"per_page": 500},
                          headers=jinan).get_json()
    assert {r["case_id"] for r in exported["items"]} == {mine["case_id"]}
    assert exported["counts"]["overdue"] == 1
    assert all(n <= 1 for n in exported["counts"].values())  # one case, once per kind
    assert exported["total"] == len(exported["items"])
    assert OTHER_COUNTY not in json.dumps(exported, ensure_ascii=False)
    # naming the other county, or one of its units, finds nothing
    for args in ({"county": "LA-YA"}, {"unit": "LA-YA-H01"}):
        narrowed = client.get(f"{API}/monitor/stuck", query_string=args,
                              headers=jinan).get_json()
        assert narrowed["items"] == [] and sum(narrowed["counts"].values()) == 0
    page = Browser(app, "jinan").html("/monitor/?county=LA-YA")
    assert str(theirs["code"]) not in page


def test_heatmap_counts_and_the_cases_at_an_activity_hold_the_county_only(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    mine, theirs = _two_counties(app, client, login, clock)
    jinan, city = Browser(app, "jinan"), Browser(app, "city")
    definition = _definition_id(city)
    piles = f"{API}/monitor/definitions/{definition}/piles"
    everything = client.get(piles, headers=sign_in(client, "city")).get_json()["elements"]
    assert everything["Task_Rectify"]["active"] == 2
    assert everything["Task_Rectify"]["overdue"] == 2

    counted = client.get(piles, headers=sign_in(client, "jinan")).get_json()["elements"]
    assert counted["Task_Rectify"]["active"] == 1 and counted["Task_Rectify"]["overdue"] == 1
    assert all(p["active"] <= 1 for p in counted.values())
    page = jinan.html(f"/monitor/process/{definition}")
    assert '"Task_Rectify": {"active": 1' in page
    at = jinan.get(f"/monitor/process/{definition}/elements/Task_Rectify.json").get_json()
    assert [r["case_id"] for r in at["items"]] == [mine["case_id"]]
    listed = client.get(f"{API}/monitor/definitions/{definition}/elements/Task_Rectify/cases",
                        headers=sign_in(client, "jinan")).get_json()["items"]
    assert [r["case_id"] for r in listed] == [mine["case_id"]]
    assert theirs["case_id"] in {r["case_id"] for r in city.get(
        f"/monitor/process/{definition}/elements/Task_Rectify.json").get_json()["items"]}


def test_dashboard_export_escalations_and_letters_hold_the_county_only(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    mine, theirs = _two_counties(app, client, login, clock)
    jinan = Browser(app, "jinan")
    data = jinan.get("/monitor/dashboard.json").get_json()
    assert sum(data["weeks"]["found"]) == 1 and data["overdue"]["total"] == 1
    assert [c["code"] for c in data["overdue"]["by_county"]] == ["LA-JA"]
    for xlsx in (jinan.get("/monitor/dashboard.xlsx").data,
                 client.get(f"{API}/monitor/dashboard.xlsx",
                            headers=sign_in(client, "jinan")).data):
        book = load_workbook(io.BytesIO(xlsx))
        cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True)
                 for c in row if c is not None]
        assert "金安区人民医院" in cells and not any(OTHER_COUNTY in c for c in cells)
    escalated = client.get(f"{API}/monitor/escalations",
                           headers=sign_in(client, "jinan")).get_json()["items"]
    assert {e["case_id"] for e in escalated} == {mine["case_id"]}
    assert str(theirs["code"]) not in jinan.html("/monitor/escalations")
    jinan.html(f"/monitor/letters/{theirs['case_id']}", status=404)
    assert "督办" in jinan.html(f"/monitor/letters/{mine['case_id']}")
    assert_error(client.get(f"{API}/monitor/stuck", headers=sign_in(client, "rectifier")), 403)
