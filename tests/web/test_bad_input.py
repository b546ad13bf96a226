"""Wrong types and shapes sent to every endpoint: a 4xx with the JSON error shape, never 5xx.

Each row: (method, url, request keyword arguments, user, expected status). ``{task}`` and
``{case}`` in a URL stand for an open triage task and its case.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import Login, assert_error, hazard_data
from .support import API, open_task, report

BIG = 10**20  # more than any database integer
DEEP = "[" * 100_000 + "]" * 100_000
Row = tuple[str, str, Any, str | None, int]  # kwargs: a dict, or a function making one


def raw(text: str) -> dict[str, Any]:
    return {"data": text, "content_type": "application/json"}


def upload(bpmn: bytes, filename: str = "x.bpmn", forms: dict[str, bytes] | None = None) -> Any:
    """Multipart arguments, made fresh for each request (the test client closes files)."""
    return lambda: {"data": {"bpmn": (io.BytesIO(bpmn), filename),
                             "forms": [(io.BytesIO(v), k) for k, v in (forms or {}).items()]},
                    "content_type": "multipart/form-data"}


TABLE: dict[str, list[Row]] = {
    "auth": [
        ("post", "/auth/token", {"json": ["safety"]}, None, 400),
        ("post", "/auth/token", {"json": {"username": ["a"], "password": {}}}, None, 400),
        ("post", "/auth/token", {"json": {"username": None, "password": None}}, None, 400),
        ("post", "/auth/token", {"json": {"username": "a\x00b", "password": "x"}}, None, 400),
        ("post", "/auth/token", raw(DEEP), None, 400),
        ("post", "/auth/token", {"json": {"username": "x" * 100_000, "password": "y"}}, None,
         401),
    ],
    "hazards": [
        ("post", "/hazards", {"json": []}, "inspector", 400),
        ("post", "/hazards", {"json": "LA-JA-H01"}, "inspector", 400),
        ("post", "/hazards", raw("{broken"), "inspector", 400),
        ("post", "/hazards", raw(DEEP), "inspector", 400),
        ("post", "/hazards", {"json": {}}, "inspector", 422),
        ("post", "/hazards", {"json": hazard_data(unit_code=["LA-JA-H01"])}, "inspector", 422),
        ("post", "/hazards", {"json": hazard_data(unit_code=None)}, "inspector", 422),
        ("post", "/hazards", {"json": hazard_data(photos_before="ev-1")}, "inspector", 422),
        ("post", "/hazards", {"json": hazard_data(level=2)}, "inspector", 422),
        ("post", "/hazards", {"json": hazard_data(description="a\x00b")}, "inspector", 400),
        ("post", "/hazards", raw('{"unit_code": "LA-JA-H01", "level": NaN}'), "inspector", 400),
        ("get", "/hazards?page=abc", {}, "city", 400),
        ("get", f"/hazards?page={BIG}", {}, "city", 400),
        ("get", "/hazards?per_page=100000", {}, "city", 400),
        ("get", "/hazards?from=2026-13-01", {}, "city", 400),
        ("get", "/hazards?overdue_on=yesterday", {}, "city", 400),
        ("get", "/hazards?q=%00", {}, "city", 400),
        ("get", "/hazards?unit=%00", {}, "city", 400),
        ("get", "/hazards/YH%00", {}, "city", 400),
    ],
    "cases": [
        ("post", "/cases", {"json": {"definition": 5}}, "inspector", 400),
        ("post", "/cases", {"json": {"definition": "hazard_lifecycle", "data": []}},
         "inspector", 400),
        ("post", "/cases", {"json": {"definition": "hazard_lifecycle", "version": True,
                                     "data": hazard_data()}}, "inspector", 400),
        ("post", "/cases", {"json": {"definition": "hazard_lifecycle", "version": BIG,
                                     "data": hazard_data()}}, "inspector", 400),
        ("post", "/cases", {"json": {"definition": "hazard_lifecycle", "version": -1,
                                     "data": hazard_data()}}, "inspector", 400),
        ("post", "/cases", {"json": {"definition": "hazard_lifecycle", "version": "1"}},
         "inspector", 400),
        ("post", "/cases", {"json": {"definition": "nope\x00"}}, "inspector", 400),
        ("post", "/cases", {"json": {"definition": "hazard_lifecycle",
                                     "data": {"unit_code": {"a": 1}}}}, "inspector", 422),
        ("get", f"/cases/{BIG}", {}, "jinan", 404),
        ("get", "/cases/-1", {}, "jinan", 404),
        ("get", "/cases/abc", {}, "jinan", 404),
        ("post", "/cases/{case}/messages", {"json": {"name": 5}}, "jinan", 400),
        ("post", "/cases/{case}/messages", {"json": {"name": "void", "data": []}}, "jinan", 400),
        ("post", "/cases/{case}/messages", {"json": {"name": ""}}, "jinan", 409),
        ("post", "/cases/{case}/messages", {"json": {"name": "x" * 10_000}}, "jinan", 409),
        ("post", "/cases/{case}/messages", {"json": {"name": "void", "data": {"r": "\x00"}}},
         "jinan", 400),
        ("post", f"/cases/{BIG}/messages", {"json": {"name": "void"}}, "jinan", 404),
        ("post", f"/incidents/{BIG}/retry", {}, "jinan", 404),
        ("post", "/incidents/0/retry", {}, "jinan", 404),
    ],
    "tasks": [
        ("get", "/tasks?view=bogus", {}, "safety", 400),
        ("get", "/tasks?page=0", {}, "safety", 400),
        ("get", f"/tasks?page={BIG}", {}, "safety", 400),
        ("get", f"/tasks/{BIG}", {}, "safety", 404),
        ("post", "/tasks/{task}/complete", {"json": []}, "safety", 400),
        ("post", "/tasks/{task}/complete", {"json": {"data": []}}, "safety", 400),
        ("post", "/tasks/{task}/complete", {"json": {"data": "order"}}, "safety", 400),
        ("post", "/tasks/{task}/complete", raw(DEEP), "safety", 400),
        ("post", "/tasks/{task}/complete", {"json": {"data": {"responsible_user": []}}},
         "safety", 422),
        ("post", "/tasks/{task}/complete", {"json": {"data": {"responsible_user": 5}}},
         "safety", 422),
        ("post", "/tasks/{task}/complete", {"json": {"data": {"disposition": ["order"]}}},
         "safety", 422),
        ("post", "/tasks/{task}/complete",
         raw('{"data": {"disposition": "order", "deadline": Infinity}}'), "safety", 400),
        ("post", "/tasks/{task}/complete", {"json": {"data": {}},
                                            "headers": {"If-Match": "W/abc"}}, "safety", 400),
        ("post", f"/tasks/{BIG}/complete", {"json": {"data": {}}}, "safety", 404),
        ("post", "/tasks/0/claim", {}, "safety", 404),
        ("post", f"/tasks/{BIG}/unclaim", {}, "safety", 404),
        ("post", "/tasks/{task}/assign", {"json": {"assignee": 5}}, "safety", 400),
        ("post", "/tasks/{task}/assign", {"json": {"assignee": ""}}, "safety", 400),
        ("post", "/tasks/{task}/assign", {"json": {"assignee": ["jinan"]}}, "safety", 400),
        ("post", "/tasks/{task}/assign", {"json": ["jinan"]}, "safety", 400),
        ("post", "/tasks/{task}/assign", {"json": {"assignee": "jin\x00an"}}, "safety", 400),
    ],
    "definitions": [
        ("post", "/definitions", {"json": {"bpmn": "<x/>"}}, "designer", 400),
        ("post", "/definitions", {"data": {"file_x": "1"}, "content_type": "multipart/form-data"},
         "designer", 400),
        ("post", "/definitions", upload(b"<x/>", forms={"a.txt": b"{}"}), "designer", 400),
        ("post", "/definitions", upload(b"<x/>", forms={"a.json": b"{not json"}), "designer", 422),
        ("post", "/definitions", upload(b"<x/>", forms={"a.json": b"\xff\xfe"}), "designer", 422),
        ("post", "/definitions", upload(b"<x/>", forms={"a.json": b'{"maximum": NaN}'}),
         "designer", 422),
        ("post", "/definitions", upload(b""), "designer", 422),
        ("post", "/definitions", upload(b"\x00\x01\x02"), "designer", 422),
        ("post", "/definitions", upload(b"<x/>", filename="a\x00.bpmn"), "designer", 400),
        ("post", "/definitions", {"data": b"<a>", "content_type": "application/xml"},
         "designer", 422),
        ("get", "/definitions/%00/versions", {}, "designer", 400),
        ("get", f"/definitions/hazard_lifecycle/versions/{BIG}/xml", {}, "designer", 404),
        ("get", "/definitions/hazard_lifecycle/versions/-1/forms", {}, "designer", 404),
    ],
}


@pytest.mark.parametrize("group", sorted(TABLE))
def test_bad_input_gets_a_4xx_json_error_never_a_5xx(client: FlaskClient, login: Login,
                                                     group: str) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    task_id = open_task(client, login("safety"), case_id, "Task_Triage")
    failures = []
    for method, url, kwargs, user, status in TABLE[group]:
        kwargs = kwargs() if callable(kwargs) else dict(kwargs)
        headers = {**(login(user) if user else {}), **kwargs.pop("headers", {})}
        path = API + url.format(task=task_id, case=case_id)
        response = getattr(client, method)(path, headers=headers, **kwargs)
        row = f"{method.upper()} {url[:70]!r} {str(kwargs)[:80]}"
        if response.status_code >= 500:
            failures.append(f"{row}: {response.status_code}")
            continue
        try:
            assert_error(response, status)
        except AssertionError as exc:
            failures.append(f"{row}: {exc}")
    assert not failures, "\n".join(failures)
    # none of it changed the case
    case = client.get(f"{API}/cases/{case_id}", headers=login("jinan")).get_json()["case"]
    assert case["revision"] == 1 and case["status"] == "active"


def test_unknown_routes_and_methods_answer_with_the_json_error_shape(client: FlaskClient,
                                                                     login: Login) -> None:
    assert_error(client.get(f"{API}/no-such-thing", headers=login("city")), 404, "not_found")
    assert_error(client.put(f"{API}/hazards", json={}, headers=login("city")), 405,
                 "method_not_allowed")
    assert_error(client.delete(f"{API}/definitions", headers=login("designer")), 405)


def test_an_id_out_of_range_finds_nothing_whatever_the_method(client: FlaskClient,
                                                              login: Login) -> None:
    """Found by schemathesis: a PUT or DELETE of an id past the database's range answered
    405 (werkzeug looked at the GET rule of the same path) where the GET answered 404."""
    designer = login("designer")
    for method in ("get", "put", "delete"):
        response = getattr(client, method)(f"{API}/designer/drafts/2147483648",
                                           headers=designer, json={"bpmn": "<x/>"})
        assert_error(response, 404)
    assert_error(client.get(f"{API}/designer/drafts/2147483647", headers=designer), 404)
