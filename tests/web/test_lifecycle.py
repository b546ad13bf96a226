"""A general hazard through the API, from report to 销号, and the forms on the way."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import Login, assert_error, hazard_data
from .support import (
    API,
    DEADLINE,
    case_of,
    complete,
    complete_ok,
    ledger_codes,
    open_task,
    order_form,
    ordered_hazard,
    rectify_form,
    report,
    task_ids,
    verify_form,
)


def _hazard(client: FlaskClient, headers: dict[str, str], code: str) -> dict[str, Any]:
    response = client.get(f"{API}/hazards/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    found: dict[str, Any] = response.get_json()["hazard"]
    return found


def test_general_hazard_from_report_to_closed(client: FlaskClient, login: Login) -> None:
    safety, rectifier, verifier = login("safety"), login("rectifier"), login("verifier")
    inspector = login("inspector")
    body = report(client, inspector)
    code, case_id = body["hazard"]["code"], body["case"]["id"]
    assert body["hazard"]["status"] == "open"
    assert [t["element_id"] for t in body["case"]["active_tasks"]] == ["Task_Triage"]

    # the safety officer finds the triage in the group inbox, opens it, claims it
    triage = open_task(client, safety, case_id, "Task_Triage")
    assert triage in task_ids(client, safety, "groups")
    assert triage not in task_ids(client, safety, "mine")
    detail = client.get(f"{API}/tasks/{triage}", headers=safety).get_json()["task"]
    assert detail["form_key"] == "hazard_triage"
    assert "disposition" in detail["form"]["properties"]
    assert detail["hazard_code"] == code and detail["case_revision"] == 1
    assert client.post(f"{API}/tasks/{triage}/claim", headers=safety).status_code == 204
    assert triage in task_ids(client, safety, "mine")
    assert triage not in task_ids(client, safety, "groups")
    assert triage not in task_ids(client, login("jinan"), "groups")  # claimed: off the group

    after_triage = complete_ok(client, safety, triage, order_form("rectifier"))
    assert [t["element_id"] for t in after_triage["active_tasks"]] == ["Task_Rectify"]
    assert after_triage["revision"] == 2
    hazard = _hazard(client, safety, code)
    assert hazard["stage"] == "整改"
    assert hazard["notice_no"].startswith("金安卫健整改〔2026〕")

    # rectify, fail the re-check with a reason, rectify again, pass. The county's inspector
    # found it, so the county re-checks it (Task_Recheck), not the hospital's verifier.
    rectify = open_task(client, rectifier, case_id, "Task_Rectify")
    assert rectify in task_ids(client, rectifier, "mine")  # assigned by responsible_user
    complete_ok(client, rectifier, rectify, rectify_form("第一次整改"))
    recheck = open_task(client, inspector, case_id, "Task_Recheck")
    assert recheck in task_ids(client, inspector, "groups")
    assert recheck not in task_ids(client, verifier, "groups")
    assert_error(complete(client, verifier, recheck, verify_form(True)), 403, "forbidden")
    failed = complete_ok(client, inspector, recheck, verify_form(False, "杂物仍未清理干净"))
    assert [t["element_id"] for t in failed["active_tasks"]] == ["Task_Rectify"]
    again = open_task(client, rectifier, case_id, "Task_Rectify")
    assert again != rectify and again in task_ids(client, rectifier, "mine")
    complete_ok(client, rectifier, again, rectify_form("第二次整改"))
    last = complete_ok(client, inspector, open_task(client, inspector, case_id, "Task_Recheck"),
                       verify_form(True))
    assert last["status"] == "completed" and last["active_tasks"] == []

    # the ledger says closed, the case says completed, the history has every step
    closed = _hazard(client, login("city"), code)
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert code in ledger_codes(client, login("jinan"), status="closed")
    assert code not in ledger_codes(client, login("jinan"), status="open")
    case = case_of(client, login("city"), case_id)
    assert case["status"] == "completed" and case["completed_at"] is not None
    assert case["active_tasks"] == []
    steps = [(h["action"], h["element_id"], h["actor"]) for h in case["history"]
             if h["action"] in ("start", "claim", "complete")]
    assert steps == [("start", None, "inspector"), ("claim", "Task_Triage", "safety"),
                     ("complete", "Task_Triage", "safety"),
                     ("complete", "Task_Rectify", "rectifier"),
                     ("complete", "Task_Recheck", "inspector"),
                     ("complete", "Task_Rectify", "rectifier"),
                     ("complete", "Task_Recheck", "inspector")]
    failed_step = [h for h in case["history"] if h["action"] == "complete"][2]
    assert failed_step["payload"]["data"]["fail_reason"] == "杂物仍未清理干净"
    assert task_ids(client, inspector, "done") == {recheck, last_recheck_id(case)}
    assert task_ids(client, verifier, "done") == set()
    assert task_ids(client, rectifier, "mine") == set()


def last_recheck_id(case: dict[str, Any]) -> int:
    return max(t["id"] for t in case["tasks"] if t["element_id"] == "Task_Recheck")


def test_ordered_rectification_puts_deadline_and_responsible_person_in_the_ledger(
        client: FlaskClient, login: Login) -> None:
    found = ordered_hazard(client, login)
    hazard = _hazard(client, login("jinan"), found["code"])
    assert (hazard["deadline"], hazard["responsible_user"]) == (DEADLINE, "rectifier")
    assert found["code"] in ledger_codes(client, login("jinan"), overdue_on="2026-11-21")


def test_missing_required_field_is_422_naming_the_field_and_changes_nothing(
        client: FlaskClient, login: Login) -> None:
    safety = login("safety")
    case_id = report(client, login("inspector"))["case"]["id"]
    triage = open_task(client, safety, case_id, "Task_Triage")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"disposition": "order", "responsible_user": "rectifier"}, "deadline"),
        ({"disposition": "order", "deadline": DEADLINE}, "responsible_user"),
        ({**order_form(), "colour": "red"}, "colour"),
        ({**order_form(), "deadline": "2026-13-01"}, "deadline"),
        ({**order_form(), "disposition": "ignore"}, "disposition"),
    ]
    for data, field in cases:
        body = assert_error(complete(client, safety, triage, data), 422, "invalid_form")
        assert field in [d.get("field") for d in body["details"]], (data, body)
    case = case_of(client, safety, case_id)
    assert case["revision"] == 1
    assert [t["id"] for t in case["active_tasks"]] == [triage]


def test_hazard_report_with_missing_fields_is_422_naming_them(client: FlaskClient,
                                                              login: Login) -> None:
    data = hazard_data()
    del data["location"], data["photos_before"]
    body = assert_error(client.post(f"{API}/hazards", json=data, headers=login("inspector")),
                        422, "invalid_form")
    assert {"location", "photos_before"} <= {d.get("field") for d in body["details"]}
    assert ledger_codes(client, login("city")) == set()


@pytest.mark.parametrize("person, message", [
    ("nobody", "没有这个用户"),  # no such user
    ("rectifier2", "不在"),  # rectifier at 裕安区人民医院: another county
    ("kaifa", "不在"),  # a supervisor of another county-level body
])
def test_responsible_user_must_exist_and_work_at_the_unit(
        client: FlaskClient, login: Login, person: str, message: str) -> None:
    safety = login("safety")
    case_id = report(client, login("inspector"))["case"]["id"]
    triage = open_task(client, safety, case_id, "Task_Triage")
    body = assert_error(complete(client, safety, triage, order_form(person)), 422,
                        "invalid_input")
    assert body["details"][0]["field"] == "responsible_user"
    assert message in body["details"][0]["message"]
    assert case_of(client, safety, case_id)["revision"] == 1
    # someone at the county above the unit is acceptable
    assert complete(client, safety, triage, order_form("jinan")).status_code == 200
