"""Who sees what: counties, the city, units, and unannounced-visit (暗访) findings."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from .conftest import Login, assert_error, hazard_data
from .support import API, ledger_codes, open_task, order_form, photo, report, task_ids


@pytest.fixture
def two_counties(client: FlaskClient, login: Login) -> dict[str, dict[str, object]]:
    """A hazard at 金安区人民医院 (LA-JA-H01) and one at 裕安区人民医院 (LA-YA-H01)."""
    jinan = report(client, login("inspector"))
    yuan = report(client, login("safety2"), unit_code="LA-YA-H01", source="self_inspection")
    return {"LA-JA": {"code": jinan["hazard"]["code"], "case": jinan["case"]["id"]},
            "LA-YA": {"code": yuan["hazard"]["code"], "case": yuan["case"]["id"]}}


def test_county_supervisor_never_sees_another_countys_hazard(
        client: FlaskClient, login: Login, two_counties: dict[str, dict[str, object]]) -> None:
    mine, theirs = two_counties["LA-JA"], two_counties["LA-YA"]
    jinan = login("jinan")
    assert ledger_codes(client, jinan) == {mine["code"]}
    assert ledger_codes(client, jinan, county="LA-YA") == set()
    assert ledger_codes(client, jinan, unit="LA-YA-H01") == set()
    assert ledger_codes(client, jinan, q=str(theirs["code"])) == set()
    assert client.get(f"{API}/hazards/{mine['code']}", headers=jinan).status_code == 200
    assert_error(client.get(f"{API}/hazards/{theirs['code']}", headers=jinan), 404,
                 "not_found")
    assert client.get(f"{API}/cases/{mine['case']}", headers=jinan).status_code == 200
    assert_error(client.get(f"{API}/cases/{theirs['case']}", headers=jinan), 404, "not_found")


def test_county_supervisor_gets_404_for_another_countys_task_and_never_lists_it(
        client: FlaskClient, login: Login, two_counties: dict[str, dict[str, object]]) -> None:
    theirs = int(two_counties["LA-YA"]["case"])  # type: ignore[call-overload]
    mine = int(two_counties["LA-JA"]["case"])  # type: ignore[call-overload]
    their_task = open_task(client, login("yuan"), theirs, "Task_Triage")
    my_task = open_task(client, login("jinan"), mine, "Task_Triage")
    jinan = login("jinan")
    assert_error(client.get(f"{API}/tasks/{their_task}", headers=jinan), 404, "not_found")
    assert client.get(f"{API}/tasks/{my_task}", headers=jinan).status_code == 200
    listed = set().union(*(task_ids(client, jinan, view)
                           for view in ("mine", "groups", "overdue", "due_soon", "done")))
    assert my_task in listed
    assert their_task not in listed
    assert their_task in task_ids(client, login("yuan"), "groups")


def test_acting_on_another_countys_task_is_404_and_reveals_nothing(
        client: FlaskClient, login: Login, two_counties: dict[str, dict[str, object]]) -> None:
    their_case = int(two_counties["LA-YA"]["case"])  # type: ignore[call-overload]
    task = open_task(client, login("yuan"), their_case, "Task_Triage")
    jinan = login("jinan")
    for action, body in (("claim", None), ("unclaim", None), ("assign", {"assignee": "safety"}),
                         ("complete", {"data": order_form("rectifier")})):
        error = assert_error(client.post(f"{API}/tasks/{task}/{action}", json=body,
                                         headers=jinan), 404, "not_found")
        assert "裕安" not in error["message"], error
    # and the task is untouched: its own county can still claim it
    assert client.post(f"{API}/tasks/{task}/claim", headers=login("yuan")).status_code == 204


def test_city_supervisor_and_leader_see_every_county(
        client: FlaskClient, login: Login, two_counties: dict[str, dict[str, object]]) -> None:
    everything = {str(v["code"]) for v in two_counties.values()}
    for user in ("city", "leader", "admin"):
        headers = login(user)
        assert ledger_codes(client, headers) == everything, user
        for found in two_counties.values():
            assert client.get(f"{API}/hazards/{found['code']}", headers=headers
                              ).status_code == 200
            assert client.get(f"{API}/cases/{found['case']}", headers=headers
                              ).status_code == 200
    assert ledger_codes(client, login("city"), county="LA-YA") == {
        str(two_counties["LA-YA"]["code"])}


def test_unit_staff_see_their_own_unit_only(
        client: FlaskClient, login: Login, two_counties: dict[str, dict[str, object]]) -> None:
    assert ledger_codes(client, login("rectifier")) == {str(two_counties["LA-JA"]["code"])}
    assert ledger_codes(client, login("rectifier2")) == {str(two_counties["LA-YA"]["code"])}
    assert ledger_codes(client, login("kaifa")) == set()  # 开发区: nothing reported there
    assert ledger_codes(client, login("designer")) == set()  # no unit at all


def test_safety_officer_cannot_report_for_another_hospital(client: FlaskClient,
                                                           login: Login) -> None:
    safety = login("safety")  # safety_officer@LA-JA-H01
    for unit in ("LA-JA-H02", "LA-YA-H01", "LA-JA", "LA"):
        body = assert_error(client.post(f"{API}/hazards", json=hazard_data(unit_code=unit),
                                        headers=safety), 403, "forbidden")
        assert unit in body["message"]
    assert ledger_codes(client, login("city")) == set()  # nothing was registered
    # the county inspector may report for any unit of the county, not outside it
    inspector = login("inspector")
    assert client.post(f"{API}/hazards", headers=inspector, json=hazard_data(
        unit_code="LA-JA-H02", photos_before=[photo(client, inspector)])).status_code == 201
    assert_error(client.post(f"{API}/hazards", json=hazard_data(unit_code="LA-YA-H01"),
                             headers=login("inspector")), 403, "forbidden")


def test_roles_without_a_starter_group_cannot_report(client: FlaskClient, login: Login) -> None:
    for user in ("rectifier", "leader"):
        assert_error(client.post(f"{API}/hazards", json=hazard_data(),
                                 headers=login(user)), 403, "forbidden")


def test_unannounced_finding_is_hidden_from_its_own_units_staff(
        client: FlaskClient, login: Login) -> None:
    secret = report(client, login("inspector"), source="unannounced")
    code, case_id = secret["hazard"]["code"], secret["case"]["id"]
    assert secret["hazard"]["visible_to_unit"] is False
    for user in ("safety", "principal", "rectifier", "verifier"):
        headers = login(user)
        assert code not in ledger_codes(client, headers), user
        assert_error(client.get(f"{API}/hazards/{code}", headers=headers), 404)
        assert_error(client.get(f"{API}/cases/{case_id}", headers=headers), 404)
    for user in ("inspector", "jinan", "city"):
        assert code in ledger_codes(client, login(user)), user
    ordinary = report(client, login("inspector"))
    assert ordinary["hazard"]["code"] in ledger_codes(client, login("safety"))


def test_unannounced_finding_is_not_in_its_own_units_task_inbox(
        client: FlaskClient, login: Login) -> None:
    secret = report(client, login("inspector"), source="unannounced")
    task = open_task(client, login("jinan"), secret["case"]["id"], "Task_Triage")
    safety = login("safety")
    assert_error(client.get(f"{API}/tasks/{task}", headers=safety), 404)
    assert task not in task_ids(client, safety, "groups")
    assert_error(client.post(f"{API}/tasks/{task}/claim", headers=safety), 404)


def test_the_ledger_pages_and_filters_within_what_the_user_sees(
        client: FlaskClient, login: Login) -> None:
    first = report(client, login("inspector"), category="electrical", description="配电箱未上锁")
    second = report(client, login("inspector"), unit_code="LA-JA-H02")
    report(client, login("safety2"), unit_code="LA-YA-H01", source="self_inspection",
           category="electrical")
    jinan = login("jinan")
    page = client.get(f"{API}/hazards", query_string={"per_page": 1}, headers=jinan).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (2, 2, 1)
    assert page["items"][0]["code"] == second["hazard"]["code"]  # newest first
    page2 = client.get(f"{API}/hazards", query_string={"per_page": 1, "page": 2},
                       headers=jinan).get_json()
    assert [h["code"] for h in page2["items"]] == [first["hazard"]["code"]]
    assert ledger_codes(client, jinan, category="electrical") == {first["hazard"]["code"]}
    assert ledger_codes(client, jinan, q="配电箱") == {first["hazard"]["code"]}
    assert ledger_codes(client, jinan, unit="LA-JA-H02") == {second["hazard"]["code"]}
    assert ledger_codes(client, jinan, **{"from": "2026-11-03"}) == set()
    assert len(ledger_codes(client, jinan, to="2026-11-02")) == 2
    assert len(ledger_codes(client, login("city"), category="electrical")) == 2
