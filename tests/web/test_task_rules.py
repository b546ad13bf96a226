"""Who may act on a task and when: candidates, claims, separation of duties, revisions,
and two people completing the same task at the same moment."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine.db import write_transaction
from hazardflow.workflows.users import add_role, get_user

from .conftest import Login, assert_error, sign_in
from .support import (
    API,
    case_of,
    complete,
    complete_ok,
    open_task,
    order_form,
    rectify_form,
    report,
    task_ids,
    verify_form,
)


def _grant(app: Flask, username: str, role: str, unit: str) -> None:
    with write_transaction(app.extensions["hazardflow"].db) as conn:
        user = get_user(conn, username)
        assert user is not None
        assert add_role(conn, user.id, role, unit)


def _triage(client: FlaskClient, login: Login) -> tuple[int, int]:
    case_id = report(client, login("inspector"))["case"]["id"]
    return case_id, open_task(client, login("safety"), case_id, "Task_Triage")


def test_the_rectifier_may_not_verify_their_own_rectification(
        app: Flask, client: FlaskClient, login: Login) -> None:
    # the unit's own finding, ordered by the unit: verified inside it by its verifier (a
    # regulator's finding goes to the regulator's re-check, where the rectifier is no candidate)
    _grant(app, "rectifier", "verifier", "LA-JA-H01")
    safety = login("safety")
    case_id = report(client, safety, source="self_inspection")["case"]["id"]
    complete_ok(client, safety, open_task(client, safety, case_id, "Task_Triage"), order_form())
    rectify = open_task(client, login("rectifier"), case_id, "Task_Rectify")
    complete_ok(client, login("rectifier"), rectify, rectify_form())
    verify = open_task(client, login("verifier"), case_id, "Task_Verify")
    body = assert_error(complete(client, login("rectifier"), verify, verify_form(True)), 403,
                        "forbidden")
    assert "职责分离" in body["message"] and "Task_" not in body["message"]
    assert case_of(client, login("verifier"), case_id)["status"] == "active"
    # another verifier may
    done = complete_ok(client, login("verifier"), verify, verify_form(True))
    assert done["status"] == "completed"


def test_completing_a_completed_task_is_409(client: FlaskClient, login: Login) -> None:
    case_id, triage = _triage(client, login)
    complete_ok(client, login("safety"), triage, order_form())
    revision = case_of(client, login("safety"), case_id)["revision"]
    body = assert_error(complete(client, login("safety"), triage, order_form()), 409,
                        "conflict")
    assert "completed" in body["message"]
    assert_error(client.post(f"{API}/tasks/{triage}/claim", headers=login("jinan")), 409)
    assert case_of(client, login("safety"), case_id)["revision"] == revision


def test_a_stale_if_match_revision_is_409_stale_revision(client: FlaskClient,
                                                         login: Login) -> None:
    case_id, triage = _triage(client, login)
    safety = login("safety")
    seen = client.get(f"{API}/tasks/{triage}", headers=safety).get_json()["task"]
    assert seen["case_revision"] == 1
    body = assert_error(complete(client, safety, triage, order_form(),
                                 extra_headers={"If-Match": "0"}), 409, "stale_revision")
    assert body["case"] == case_id
    assert_error(complete(client, safety, triage, order_form(),
                          extra_headers={"If-Match": "not-a-number"}), 400, "bad_request")
    assert case_of(client, safety, case_id)["revision"] == 1
    ok = complete(client, safety, triage, order_form(), extra_headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.get_json()


def test_a_candidate_cannot_complete_or_claim_a_task_claimed_by_someone_else(
        client: FlaskClient, login: Login) -> None:
    case_id, triage = _triage(client, login)
    assert client.post(f"{API}/tasks/{triage}/claim", headers=login("safety")).status_code == 204
    jinan = login("jinan")  # county_supervisor@LA-JA: also a candidate of the triage
    body = assert_error(complete(client, jinan, triage, order_form()), 409, "claimed_by_other")
    assert "已由他人认领" in body["message"] and "safety" not in body["message"]  # no usernames
    assert_error(client.post(f"{API}/tasks/{triage}/claim", headers=jinan), 409,
                 "claimed_by_other")
    assert_error(client.post(f"{API}/tasks/{triage}/unclaim", headers=jinan), 403, "forbidden")
    # once given back, the county supervisor can take it
    assert client.post(f"{API}/tasks/{triage}/unclaim", headers=login("safety")
                       ).status_code == 204
    assert triage in task_ids(client, jinan, "groups")
    assert complete(client, jinan, triage, order_form()).status_code == 200


def test_someone_who_is_not_a_candidate_gets_403(client: FlaskClient, login: Login) -> None:
    case_id, triage = _triage(client, login)
    for user in ("principal", "rectifier", "verifier", "inspector", "city"):
        headers = login(user)
        assert client.get(f"{API}/tasks/{triage}", headers=headers).status_code == 200, user
        assert_error(complete(client, headers, triage, order_form()), 403, "forbidden")
        assert_error(client.post(f"{API}/tasks/{triage}/claim", headers=headers), 403,
                     "forbidden")
    assert case_of(client, login("safety"), case_id)["revision"] == 1


def test_a_candidate_can_assign_the_task_to_another_candidate_only(
        client: FlaskClient, login: Login) -> None:
    case_id, triage = _triage(client, login)
    safety = login("safety")
    body = assert_error(client.post(f"{API}/tasks/{triage}/assign", json={"assignee": "principal"},
                                    headers=safety), 422)
    assert body["details"][0]["field"] == "assignee"
    assert_error(client.post(f"{API}/tasks/{triage}/assign", json={"assignee": "ghost"},
                             headers=safety), 422)
    response = client.post(f"{API}/tasks/{triage}/assign", json={"assignee": "jinan"},
                           headers=safety)
    assert response.status_code == 204
    assert triage in task_ids(client, login("jinan"), "mine")
    assert_error(complete(client, safety, triage, order_form()), 409, "claimed_by_other")


def test_a_co_candidate_cannot_take_a_claimed_task_by_assigning_it_to_themselves(
        client: FlaskClient, login: Login) -> None:
    case_id, triage = _triage(client, login)
    assert client.post(f"{API}/tasks/{triage}/claim", headers=login("safety")).status_code == 204
    jinan = login("jinan")  # a co-candidate of the triage
    body = assert_error(client.post(f"{API}/tasks/{triage}/assign", json={"assignee": "jinan"},
                                    headers=jinan), 403, "forbidden")
    assert "已由他人认领" in body["message"] and "safety" not in body["message"]
    assert triage in task_ids(client, login("safety"), "mine")
    assert triage not in task_ids(client, jinan, "mine")
    # its holder may hand it on; a supervisor takes it over only as a repair, with a reason
    assert client.post(f"{API}/tasks/{triage}/assign", json={"assignee": "jinan"},
                       headers=login("safety")).status_code == 204
    assert triage in task_ids(client, jinan, "mine")


def _race(app: Flask, task_id: int, people: list[dict[str, str]]) -> list[tuple[int, Any]]:
    """Everyone completes the task at once, each through their own test client."""
    barrier = threading.Barrier(len(people))
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def attempt(headers: dict[str, str]) -> None:
        own = app.test_client()
        barrier.wait(timeout=10)
        response = complete(own, headers, task_id, order_form())
        with lock:
            results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=attempt, args=(h,)) for h in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_completions_one_wins_one_gets_409(app: Flask, login: Login) -> None:
    client = app.test_client()
    for people in (["safety", "jinan"], ["safety", "safety"], ["jinan", "safety"]):
        case_id, triage = _triage(client, login)
        results = _race(app, triage, [sign_in(client, user) for user in people])
        assert sorted(status for status, _ in results) == [200, 409], (people, results)
        loser = next(body for status, body in results if status == 409)
        assert loser["error"] in ("conflict", "stale_revision"), loser
        case = case_of(client, login("city"), case_id)
        assert case["revision"] == 2
        assert [t["element_id"] for t in case["active_tasks"]] == ["Task_Rectify"]
        assert len([h for h in case["history"] if h["action"] == "complete"]) == 1
