"""Numbers out of range or not numbers at all sent to the monitor (API and pages): a 4xx or a
message on the page, never a 5xx from a database that cannot hold the number."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .pages import Browser
from .support import API, report

BIG = 2**63 + 1  # past every database integer
M = f"{API}/monitor"


def test_api_numbers_out_of_range_are_a_4xx(client: FlaskClient, login: Login) -> None:
    city = login("city")
    rows: list[tuple[str, str, dict[str, Any], int, str | None]] = [
        ("get", "/stuck", {"version": BIG}, 422, "version"),
        ("get", "/stuck", {"version": -BIG}, 422, "version"),
        ("get", "/stuck", {"version": 0}, 422, "version"),
        ("post", "/repairs/preview", {"action": "suspend", "cases": [BIG]}, 422, "cases"),
        ("post", "/repairs/preview", {"action": "suspend", "cases": [-1]}, 422, "cases"),
        ("post", "/repairs", {"action": "suspend", "reason": "核查", "cases": [BIG]}, 422,
         "cases"),
        ("post", "/repairs", {"action": "suspend", "reason": "核查",
                              "filter": {"version": str(BIG)}}, 422, "version"),
        ("put", "/thresholds", {"process_key": "*", "kind": "idle", "days": BIG}, 422, "days"),
    ]
    failures = []
    for method, path, args, status, field in rows:
        if method == "get":
            response = client.get(M + path, query_string=args, headers=city)
        else:
            response = getattr(client, method)(M + path, json=args, headers=city)
        try:
            body = assert_error(response, status)
            assert field in [d.get("field") for d in body["details"]], body
        except AssertionError as exc:
            failures.append(f"{method.upper()} {path} {args}: {exc}")
    assert not failures, "\n".join(failures)


def test_page_numbers_out_of_range_are_refused_not_a_5xx(app: Flask, client: FlaskClient,
                                                         login: Login) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    city = Browser(app, "city")
    assert city.get(f"/monitor/?page={BIG}").status_code == 422
    assert city.get(f"/monitor/?version={BIG}").status_code == 422
    for cases in ([str(BIG)], ["²"], [str(case_id), "-3"]):
        for path in ("/monitor/repairs/preview", "/monitor/repairs"):
            response = city.post(path, {"action": "suspend", "reason": "核查", "case": cases})
            assert response.status_code == 302, (path, cases, response.status_code)
            assert response.headers["Location"].endswith("/monitor/")
    # a case id the form names twice, or junk beside it, never suspended anything
    assert "已挂起" not in city.html(f"/cases/{case_id}")
    for days in ("²", str(BIG), "-1", "abc"):
        saved = city.post("/monitor/thresholds", {"process_key": "hazard_lifecycle",
                                                  "element_id": "", "kind": "idle",
                                                  "days": days})
        assert saved.status_code == 302, (days, saved.status_code)
    rows = city.html("/monitor/thresholds").split("<tbody>")[1].split("</tbody>")[0]
    assert "hazard_lifecycle" not in rows


def test_pages_refuse_the_nul_character_with_a_400(app: Flask) -> None:
    """PostgreSQL refuses U+0000 even in a query's parameters: a 400 first, never a 500."""
    city = Browser(app, "city")
    for path in ("/monitor/?county=%00", "/monitor/?unit=LA%00",
                 "/monitor/process/1/elements/a%00b.json", "/monitor/extensions?status=%00"):
        assert city.get(path).status_code == 400, path
    refused = city.post("/monitor/repairs/preview", {"action": "suspend", "f_county": "\x00"})
    assert refused.status_code == 400


def test_an_extension_past_what_timers_can_hold_is_refused(client: FlaskClient,
                                                           login: Login) -> None:
    """Found by probing the typed document's dates: approving an extension to 9999-12-31
    answered 500 (its timers overflowed); it is refused when asked, naming the deadline, as
    is any day more than HAZARDFLOW_MAX_DEADLINE_DAYS (365) ahead; the last day allowed is
    asked and approved."""
    from .support import ordered_hazard

    hazard = ordered_hazard(client, login)
    url = f"{M}/cases/{hazard['case_id']}/extensions"
    for too_far in ("9999-12-31", "9998-12-31", "2027-11-03"):  # T0 is 2026-11-02
        body = assert_error(client.post(url, headers=login("rectifier"), json={
            "deadline": too_far, "reason": "设备到货晚"}), 422)
        assert [d["field"] for d in body["details"]] == ["deadline"]
    asked = client.post(url, headers=login("rectifier"), json={"deadline": "2027-11-02",
                                                               "reason": "设备到货晚"})
    assert asked.status_code == 201, asked.get_json()
    decided = client.post(f"{M}/extensions/{asked.get_json()['id']}/decision",
                          headers=login("jinan"), json={"approve": True})
    assert decided.status_code == 200, decided.get_json()
