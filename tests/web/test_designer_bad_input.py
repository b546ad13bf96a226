"""Numbers out of range sent to the designer (API and the page's session endpoints): a 4xx
with the JSON error shape, never a 5xx from a database that cannot hold the number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .pages import Browser
from .test_designer_migrate import version_2

BIG = 2**63 + 1  # past every database integer
HAZARD = Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn"
DIFF = "/processes/hazard_lifecycle/diff"

# (method, path under the designer prefix, JSON body or query, expected status)
ROWS: list[tuple[str, str, dict[str, Any], int]] = [
    ("get", DIFF, {"from": BIG, "to": 1}, 404),
    ("get", DIFF, {"from": 1, "to": BIG}, 404),
    ("get", DIFF, {"from": -BIG, "to": 1}, 404),
    ("get", DIFF, {"from": 0, "to": 1}, 404),
    ("get", DIFF, {"from": "x", "to": 1}, 400),
    ("get", f"/processes/hazard_lifecycle/versions/{BIG}", {}, 404),
    ("get", f"/drafts/{BIG}", {}, 404),
    ("get", f"/drafts/{BIG}/export", {}, 404),
    ("post", "/drafts", {"bpmn": HAZARD.read_text(encoding="utf-8"), "base_version": BIG}, 422),
    ("post", "/drafts", {"bpmn": HAZARD.read_text(encoding="utf-8"), "base_version": 0}, 422),
    ("post", "/migrations/preview", {"key": "hazard_lifecycle", "from_version": BIG,
                                     "to_version": 1}, 404),
    ("post", "/migrations/preview", {"key": "hazard_lifecycle", "from_version": 1,
                                     "to_version": -BIG}, 404),
    ("post", "/migrations", {"key": "hazard_lifecycle", "from_version": 1,
                             "to_version": BIG}, 404),
    ("post", f"/migrations/{BIG}/run", {}, 404),
    ("get", f"/migrations/{BIG}", {}, 404),
]


def _send(client: FlaskClient, method: str, path: str, args: dict[str, Any],
          headers: dict[str, str]) -> Any:
    if method == "get":
        return client.get(path, query_string=args, headers=headers)
    return client.post(path, json=args, headers=headers)


def _check(rows: list[tuple[str, str, dict[str, Any], int]], send: Any) -> None:
    failures = []
    for method, path, args, status in rows:
        response = send(method, path, args)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {path} {str(args)[:60]}: {response.status_code}")
            continue
        try:
            assert_error(response, status)
        except AssertionError as exc:
            failures.append(f"{method.upper()} {path} {str(args)[:60]}: {exc}")
    assert not failures, "\n".join(failures)


def test_api_numbers_out_of_range_are_a_4xx(client: FlaskClient, login: Login) -> None:
    headers = login("designer")
    _check(ROWS, lambda m, p, a: _send(client, m, "/api/v1/designer" + p, a, headers))


def test_page_numbers_out_of_range_are_a_4xx(app: Flask) -> None:
    designer = Browser(app, "designer")
    headers = {"Accept": "application/json", "X-CSRFToken": designer.token()}
    _check(ROWS, lambda m, p, a: _send(designer.client, m, "/designer/api" + p, a, headers))


@pytest.mark.parametrize("limit", [BIG, 0, -1, "many"])
def test_a_migration_run_refuses_a_limit_out_of_range(client: FlaskClient, login: Login,
                                                      limit: Any) -> None:
    headers = login("designer")
    deployed = client.post("/api/v1/designer/deploy", headers=headers,
                           json={"bpmn": version_2()})
    assert deployed.status_code == 201, deployed.get_json()
    started = client.post("/api/v1/designer/migrations", headers=headers, json={
        "key": "hazard_lifecycle", "from_version": 1, "to_version": 2})
    assert started.status_code == 201, started.get_json()
    run = f"/api/v1/designer/migrations/{started.get_json()['id']}/run"
    body = assert_error(client.post(run, headers=headers, json={"limit": limit}),
                        400 if limit == "many" else 422)
    if limit != "many":
        assert [d["field"] for d in body["details"]] == ["limit"]
    done = client.post(run, headers=headers, json={"limit": 10})
    assert done.status_code == 200 and done.get_json()["status"] == "done"


def test_page_endpoints_refuse_the_nul_character_with_a_400(app: Flask) -> None:
    """PostgreSQL refuses U+0000 even in a query's parameters: a 400 first, never a 500."""
    designer = Browser(app, "designer")
    headers = {"Accept": "application/json", "X-CSRFToken": designer.token()}
    assert_error(designer.get("/designer/api/processes/a%00/diff?from=1&to=2",
                              headers=headers), 400)
    body = {"bpmn": HAZARD.read_text(encoding="utf-8"), "name": "草稿\x00"}
    assert_error(designer.client.post("/designer/api/drafts", json=body, headers=headers), 400)
    assert designer.get("/designer/api/drafts", headers=headers).get_json()["items"] == []
