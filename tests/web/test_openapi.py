"""GET /api/v1/openapi.json describes every route the app registers, with its responses,
typed from the handlers' own pydantic models (spectree).

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
    assert spec["openapi"].startswith("3.1")
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


def test_every_operation_has_a_unique_operation_id(spec: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op in _operations(spec)]
    assert all(ids) and len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["operationId"] == \
        "complete_task"


def _schema(spec: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
    return found


def test_json_bodies_and_answers_are_typed_by_models(spec: dict[str, Any]) -> None:
    for path, method, op in _operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert "$ref" in body["schema"], (method, path)
        for status, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            if status.startswith("2") and content is not None:
                assert "$ref" in content["schema"], (method, path, status)
    complete = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    request = _schema(spec, complete["requestBody"]["content"]["application/json"]["schema"])
    assert request["properties"]["data"]["type"] == "object"  # forms are deployed at run time
    answer = _schema(spec, complete["responses"]["200"]["content"]["application/json"]["schema"])
    case = _schema(spec, answer["properties"]["case"])
    task = _schema(spec, case["properties"]["active_tasks"]["items"])
    assert {"id", "element_id", "name", "form_url"} <= set(task["required"])


def test_the_evidence_reference_has_one_documented_form(spec: dict[str, Any]) -> None:
    upload = spec["paths"]["/api/v1/evidence"]["post"]
    stored = _schema(spec, upload["responses"]["201"]["content"]["application/json"]["schema"])
    assert stored["properties"]["id"]["pattern"] == "^ev-[1-9][0-9]{0,9}$"
    read = spec["paths"]["/api/v1/evidence/{ref}"]["get"]
    (ref,) = [p for p in read["parameters"] if p["name"] == "ref"]
    assert ref["schema"]["pattern"] == stored["properties"]["id"]["pattern"]


def test_a_request_the_models_refuse_gets_the_apps_error_in_chinese(
        client: FlaskClient) -> None:
    from .conftest import assert_error

    body = assert_error(client.post("/api/v1/auth/token", json={"username": 7}), 400,
                        "bad_request")
    assert body["message"].startswith("请求体不符合接口说明")
    assert {(d["field"], d["message"]) for d in body["details"]} == {
        ("username", "须为文本 (must be text)"), ("password", "必填 (required)")}


def test_an_object_reads_the_same_in_every_answer(client: FlaskClient) -> None:
    from .conftest import sign_in
    from .support import report

    inspector = sign_in(client, "inspector")
    reported = report(client, inspector)
    code = reported["hazard"]["code"]
    found = client.get(f"/api/v1/hazards/{code}", headers=inspector).get_json()["hazard"]
    assert found == reported["hazard"]  # dates too: one ISO 8601 form
    step = reported["case"]["active_tasks"][0]
    case = client.get(f"/api/v1/cases/{reported['case']['id']}", headers=inspector)
    (task,) = case.get_json()["case"]["active_tasks"]
    assert {k: task[k] for k in step} == step  # id, element_id, name, form_url
