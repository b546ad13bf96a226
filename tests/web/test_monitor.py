"""The monitor's JSON API: the stuck list, repairs with scope, bulk batches, extensions,
escalations and the dashboard."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from hazardflow.engine import FixedClock

from .conftest import Login, assert_error, sign_in
from .support import API, complete, ordered_hazard, rectify_form, report

STUCK = f"{API}/monitor/stuck"


def stuck_cases(client: FlaskClient, headers: dict[str, str], **args: Any) -> set[int]:
    response = client.get(STUCK, query_string=args, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {row["case_id"] for row in response.get_json()["items"]}


def test_stuck_list_respects_scope_and_filters(client: FlaskClient, login: Login,
                                               clock: FixedClock) -> None:
    jinan_case = report(client, login("inspector"))["case"]["id"]
    yuan_case = report(client, login("safety2"), unit_code="LA-YA-H01")["case"]["id"]
    assert stuck_cases(client, login("city")) == set()
    clock.advance(timedelta(days=2))  # the bearer tokens of before have expired
    city, jinan, yuan = (sign_in(client, u) for u in ("city", "jinan", "yuan"))
    assert stuck_cases(client, city) == {jinan_case, yuan_case}
    assert stuck_cases(client, city, county="LA-YA") == {yuan_case}
    assert stuck_cases(client, jinan) == {jinan_case}
    assert stuck_cases(client, yuan, kind="overdue") == {yuan_case}
    body = client.get(STUCK, headers=city).get_json()
    assert body["counts"]["overdue"] == 2 and body["items"][0]["why"]
    assert_error(client.get(STUCK, headers=sign_in(client, "rectifier")), 403)
    assert_error(client.get(STUCK, query_string={"kind": "bogus"}, headers=city), 422)
    assert_error(client.get(STUCK, query_string={"version": "x"}, headers=city), 400)


def test_repairs_check_reason_role_and_scope(client: FlaskClient, login: Login) -> None:
    hazard = ordered_hazard(client, login)
    case_id = hazard["case_id"]
    url = f"{API}/monitor/cases/{case_id}/repair"
    assert_error(client.post(url, json={"action": "suspend", "reason": "核查"},
                             headers=login("yuan")), 404)
    assert_error(client.post(url, json={"action": "suspend", "reason": "核查"},
                             headers=login("rectifier")), 403)
    assert_error(client.post(url, json={"action": "suspend", "reason": " "},
                             headers=login("jinan")), 422, "reason_required")
    done = client.post(url, json={"action": "suspend", "reason": "核查"}, headers=login("jinan"))
    assert done.status_code == 200 and done.get_json()["outcome"] == "ok"
    refused = complete(client, login("rectifier"), hazard["rectify_task"], rectify_form())
    assert assert_error(refused, 409, "suspended")["case"] == case_id
    assert_error(client.post(url, json={"action": "suspend", "reason": "again"},
                             headers=login("jinan")), 409)
    resumed = client.post(url, json={"action": "resume", "reason": "核查完毕"},
                          headers=login("city"))
    assert resumed.get_json()["outcome"] == "ok"
    assert complete(client, login("rectifier"), hazard["rectify_task"],
                    rectify_form()).status_code == 200


def test_bulk_repair_by_filter_with_preview_and_per_case_results(
        client: FlaskClient, login: Login, clock: FixedClock) -> None:
    first = report(client, login("inspector"))["case"]["id"]
    second = report(client, login("inspector"), category="electrical")["case"]["id"]
    other = report(client, login("safety2"), unit_code="LA-YA-H01")["case"]["id"]
    clock.advance(timedelta(days=2))
    jinan, city = sign_in(client, "jinan"), sign_in(client, "city")
    chosen = {"action": "suspend", "filter": {"kind": "overdue"}}
    preview = client.post(f"{API}/monitor/repairs/preview", json=chosen, headers=jinan)
    assert preview.status_code == 200
    assert {i["case_id"] for i in preview.get_json()["items"]} == {first, second}
    assert_error(client.post(f"{API}/monitor/repairs", json={**chosen, "reason": ""},
                             headers=jinan), 422)
    started = client.post(f"{API}/monitor/repairs", json={**chosen, "reason": "集中核查"},
                          headers=jinan)
    assert started.status_code == 201, started.get_json()
    batch = started.get_json()["batch"]
    assert (batch["status"], batch["total"], batch["succeeded"]) == ("done", 2, 2)
    again = client.get(f"{API}/monitor/repairs/{batch['id']}", headers=jinan)
    assert {r["case_id"]: r["outcome"] for r in again.get_json()["batch"]["results"]} == {
        first: "ok", second: "ok"}
    assert_error(client.get(f"{API}/monitor/repairs/{batch['id']}",
                            headers=sign_in(client, "yuan")), 404)
    mixed = client.post(f"{API}/monitor/repairs", json={
        "action": "resume", "reason": "恢复", "cases": [first, other]}, headers=jinan)
    outcomes = {r["case_id"]: r["outcome"] for r in mixed.get_json()["batch"]["results"]}
    assert outcomes == {first: "ok", other: "refused"}
    assert stuck_cases(client, city, kind="suspended") == {second}


def test_extension_request_and_approval_move_the_deadline(client: FlaskClient,
                                                          login: Login) -> None:
    hazard = ordered_hazard(client, login)
    case_id = hazard["case_id"]
    asked = client.post(f"{API}/monitor/cases/{case_id}/extensions",
                        json={"deadline": "2026-12-10", "reason": "等待配件"},
                        headers=login("rectifier"))
    assert asked.status_code == 201, asked.get_json()
    assert_error(client.post(f"{API}/monitor/cases/{case_id}/extensions",
                             json={"deadline": "2026-12-11", "reason": "再次"},
                             headers=login("rectifier")), 409)
    assert_error(client.post(f"{API}/monitor/cases/{case_id}/extensions",
                             json={"deadline": "2026-12-11", "reason": "越权"},
                             headers=login("safety2")), 404)
    listed = client.get(f"{API}/monitor/extensions", headers=login("jinan")).get_json()["items"]
    assert [r["id"] for r in listed] == [asked.get_json()["id"]]
    decision = f"{API}/monitor/extensions/{asked.get_json()['id']}/decision"
    assert_error(client.post(decision, json={"approve": True}, headers=login("yuan")), 404)
    assert_error(client.post(decision, json={"approve": "yes"}, headers=login("jinan")), 400)
    approved = client.post(decision, json={"approve": True, "note": "同意"},
                           headers=login("jinan"))
    assert approved.get_json() == {"id": asked.get_json()["id"], "status": "approved",
                                   "deadline": "2026-12-10"}
    code = hazard["code"]
    ledger = client.get(f"{API}/hazards/{code}", headers=login("jinan")).get_json()
    assert ledger["hazard"]["deadline"] == "2026-12-10"


def test_dashboard_and_escalations_answer_within_scope(client: FlaskClient,
                                                        login: Login) -> None:
    report(client, login("inspector"))
    report(client, login("safety2"), unit_code="LA-YA-H01", level="major")
    city = client.get(f"{API}/monitor/dashboard", query_string={"weeks": 4},
                      headers=login("city")).get_json()
    assert sum(city["weeks"]["found"]) == 2
    mine = client.get(f"{API}/monitor/dashboard", headers=login("jinan")).get_json()
    assert sum(mine["weeks"]["found"]) == 1 and mine["rates"]["major"]["found"] == 0
    assert_error(client.get(f"{API}/monitor/dashboard", headers=login("safety")), 403)
    assert_error(client.get(f"{API}/monitor/dashboard", query_string={"weeks": 0},
                            headers=login("city")), 400)
    xlsx = client.get(f"{API}/monitor/dashboard.xlsx", headers=login("city"))
    assert xlsx.status_code == 200
    assert "整改率" in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    escalated = client.get(f"{API}/monitor/escalations", headers=login("city"))
    assert escalated.status_code == 200 and escalated.get_json()["items"] == []
