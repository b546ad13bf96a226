"""GET /api/v1/openapi.json describes every route the app registers, with its responses.

(Every test of this package also checks, on teardown, that each status an operation
answered is described for it: see ``every_response_is_documented`` in conftest.py.)
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import openapi_path

SPEC = "/api/v1/openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get(SPEC)  # no Authorization header
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items()
            for method, op in ops.items() if method in METHODS]


def test_it_is_openapi_3_and_needs_no_token(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http",
                                                               "scheme": "bearer"}
    assert spec["paths"][SPEC]["get"]["security"] == []
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []


def test_it_describes_exactly_the_routes_the_app_registers(app: Flask,
                                                           spec: dict[str, Any]) -> None:
    registered = {(openapi_path(rule.rule), method.lower())
                  for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, method, _ in _operations(spec)}
    assert registered, "no API routes found"
    assert registered - described == set(), "registered but not described"
    assert described - registered == set(), "described but not registered"


def test_every_operation_has_responses_and_path_parameters(spec: dict[str, Any]) -> None:
    for path, method, op in _operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        statuses = set(op["responses"])
        assert any(s.startswith("2") for s in statuses), where
        assert {"400", "500"} <= statuses, where
        if op.get("security") != []:
            assert "401" in statuses, where
        if "requestBody" in op:
            assert "413" in statuses, where
        for status, response in op["responses"].items():
            assert response.get("description"), (where, status)
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (where, status)
        in_path = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert in_path == declared, where
        assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")


def test_the_error_schema_matches_what_errors_look_like(client: FlaskClient,
                                                        spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["Error"]
    assert set(schema["required"]) == {"error", "message", "details"}
    body = client.get("/api/v1/me").get_json()
    assert set(schema["required"]) <= set(body)
    assert set(body) <= set(schema["properties"])


def test_every_error_status_the_api_uses_is_described_somewhere(spec: dict[str, Any]) -> None:
    from hazardflow.web.errors import STATUS
    described = {int(s) for _, _, op in _operations(spec) for s in op["responses"]}
    engine_statuses = {status for _, status in STATUS}
    web_statuses = {400, 401, 403, 404, 413, 422, 429, 500}  # ApiError and HTTP errors
    assert engine_statuses | web_statuses <= described


def test_task_actions_describe_conflicts_and_forbidden(spec: dict[str, Any]) -> None:
    for action in ("claim", "unclaim", "assign", "complete"):
        responses = spec["paths"][f"/api/v1/tasks/{{task_id}}/{action}"]["post"]["responses"]
        assert {"403", "404", "409"} <= set(responses), action
    complete = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert "422" in complete["responses"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in complete["parameters"])
