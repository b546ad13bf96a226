"""The OpenAPI 3 description of API v1, served at GET /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from . import bp

ERROR = {"$ref": "#/components/schemas/Error"}


def _err(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed request", 401: "Not signed in", 403: "Not allowed",
            404: "Not found (or not visible to you)", 409: "Conflict: no longer ready, "
            "claimed by someone else, stale revision, or an incident", 413: "Too large",
            422: "Invalid data, form or BPMN: see details", 429: "Too many attempts",
            500: "Unexpected error (logged)"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": ERROR}}} for c in codes}


def _ok(description: str, schema: dict[str, Any] | None = None,
        status: int = 200) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {str(status): body}


def _op(summary: str, responses: dict[str, Any], *, body: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None, auth: bool = True,
        tag: str = "") -> dict[str, Any]:
    # Any request can be malformed (e.g. U+0000 in the path or query) or fail unexpectedly;
    # any request with a body can exceed the size limit.
    always = _err(400, 500, *((413,) if body is not None else ()))
    op: dict[str, Any] = {"summary": summary, "responses": {**always, **responses},
                          "tags": [tag] if tag else []}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    if not auth:
        op["security"] = []
    return op


def _path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind, **extra}}


JSON_OBJECT = {"type": "object", "additionalProperties": True}
CASE = {"$ref": "#/components/schemas/CaseResult"}
PAGING = [_query("page", "integer", minimum=1), _query("per_page", "integer", minimum=1,
                                                          maximum=500)]


EXTRA_PATHS: dict[str, dict[str, Any]] = {}


def register(path: str, **operations: dict[str, Any]) -> None:
    """Describe more paths (monitor, designer, campaigns...) from the module serving them:
    ``register("/api/v1/monitor/stuck", get=op("...", {...}))``."""
    EXTRA_PATHS.setdefault(path, {}).update(operations)


op = _op
ok = _ok
err = _err
path_param = _path_param
query = _query


def document() -> dict[str, Any]:
    doc = _document()
    for path, operations in EXTRA_PATHS.items():
        doc["paths"].setdefault(path, {}).update(operations)
    return doc


def _document() -> dict[str, Any]:
    task_id, case_id = _path_param("task_id"), _path_param("case_id")
    key, version = _path_param("key", "string"), _path_param("version")
    return {
        "openapi": "3.0.3",
        "info": {"title": "hazardflow API", "version": "1",
                 "description": "安全生产隐患排查治理: hazards, their cases and task inboxes."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message", "details"],
                          "properties": {
                              "error": {"type": "string"}, "message": {"type": "string"},
                              "incident": {"type": "integer"},
                              "details": {"type": "array", "items": {
                                  "type": "object", "required": ["message"], "properties": {
                                      "element": {"type": "string"}, "field": {"type": "string"},
                                      "line": {"type": "integer"},
                                      "message": {"type": "string"}}}}}},
                "CaseResult": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string", "enum": [
                        "active", "completed", "incident", "terminated"]},
                    "revision": {"type": "integer"}, "pending": {"type": "boolean"},
                    "incident": {"type": "integer", "nullable": True},
                    "active_tasks": {"type": "array", "items": JSON_OBJECT}}},
            },
        },
        "paths": {
            "/api/v1/auth/token": {
                "post": _op("Sign in: a bearer token for a username and password",
                            {**_ok("A token", {"type": "object", "properties": {
                                "token": {"type": "string"},
                                "expires_at": {"type": "string", "format": "date-time"}}}),
                             **_err(400, 401, 403, 429)},
                            body={"application/json": {"schema": {
                                "type": "object", "required": ["username", "password"],
                                "properties": {"username": {"type": "string"},
                                               "password": {"type": "string"}}}}},
                            auth=False, tag="auth"),
                "delete": _op("Revoke the token used", {"204": {"description": "Revoked"},
                                                        **_err(401)}, tag="auth"),
            },
            "/api/v1/openapi.json": {"get": _op(
                "This description of the API (OpenAPI 3)", _ok("OpenAPI 3 document", JSON_OBJECT),
                auth=False, tag="meta")},
            "/api/v1/me": {"get": _op("Who am I, with my roles",
                                      {**_ok("The user", JSON_OBJECT), **_err(401)}, tag="auth")},
            "/api/v1/definitions": {
                "get": _op("Deployed processes", {**_ok("Processes", JSON_OBJECT), **_err(401)},
                           tag="definitions"),
                "post": _op("Deploy a BPMN file with its forms (designers)",
                            {**_ok("Already deployed: the existing versions", JSON_OBJECT),
                             **_ok("Deployed", JSON_OBJECT, 201),
                             **_err(400, 401, 403, 413, 422)},
                            body={"multipart/form-data": {"schema": {
                                "type": "object", "properties": {
                                    "bpmn": {"type": "string", "format": "binary"},
                                    "forms": {"type": "array", "items": {
                                        "type": "string", "format": "binary"}}}}},
                                  "application/xml": {"schema": {"type": "string"}}},
                            tag="definitions"),
            },
            "/api/v1/definitions/{key}/versions": {"get": _op(
                "Versions of a process", {**_ok("Versions", JSON_OBJECT), **_err(401, 404)},
                params=[key], tag="definitions")},
            "/api/v1/definitions/{key}/versions/{version}/xml": {"get": _op(
                "The BPMN XML of a version", {"200": {"description": "BPMN", "content": {
                    "application/xml": {"schema": {"type": "string"}}}}, **_err(401, 404)},
                params=[key, version], tag="definitions")},
            "/api/v1/definitions/{key}/versions/{version}/forms": {"get": _op(
                "The JSON Schema forms of a version", {**_ok("Forms", JSON_OBJECT),
                                                       **_err(401, 404)},
                params=[key, version], tag="definitions")},
            "/api/v1/hazards": {
                "post": _op("Report a hazard and start its case",
                            {**_ok("Reported", JSON_OBJECT, 201), **_err(400, 401, 403, 422)},
                            body={"application/json": {"schema": JSON_OBJECT}}, tag="hazards"),
                "get": _op("The hazard ledger (台账) as you may see it",
                           {**_ok("A page of hazards", JSON_OBJECT), **_err(400, 401)},
                           params=[_query("unit"), _query("county"), _query("level"),
                                   _query("category"), _query("status"), _query("campaign"),
                                   _query("q"), _query("from", format="date"),
                                   _query("to", format="date"),
                                   _query("overdue_on", format="date"), *PAGING],
                           tag="hazards"),
            },
            "/api/v1/hazards/{code}": {"get": _op(
                "One hazard", {**_ok("The hazard", JSON_OBJECT), **_err(401, 404)},
                params=[_path_param("code", "string")], tag="hazards")},
            "/api/v1/tasks": {"get": _op(
                "My tasks: mine, my groups' unclaimed, overdue, due soon, done by me",
                {**_ok("A page of tasks with counts per view", JSON_OBJECT), **_err(400, 401)},
                params=[_query("view", enum=["mine", "groups", "overdue", "due_soon", "done"]),
                        _query("sort", enum=["due", "priority", "created"]),
                        _query("category"), _query("level"), _query("unit"),
                        _query("campaign"), _query("q", maxLength=100), *PAGING],
                tag="tasks")},
            "/api/v1/tasks/{task_id}": {"get": _op(
                "One task with its form", {**_ok("The task", JSON_OBJECT), **_err(401, 404)},
                params=[task_id], tag="tasks")},
            **{f"/api/v1/tasks/{{task_id}}/{action}": {"post": _op(
                summary, {"204": {"description": "Done"}, **_err(401, 403, 404, 409)},
                params=[task_id], tag="tasks")}
               for action, summary in (("claim", "Claim a task of my group"),
                                       ("unclaim", "Give a claimed task back to the group"))},
            "/api/v1/tasks/{task_id}/assign": {"post": _op(
                "Assign a task to a candidate", {"204": {"description": "Assigned"},
                                                 **_err(400, 401, 403, 404, 409, 422)},
                body={"application/json": {"schema": {"type": "object", "required": [
                    "assignee"], "properties": {"assignee": {"type": "string"}}}}},
                params=[task_id], tag="tasks")},
            "/api/v1/tasks/{task_id}/complete": {"post": _op(
                "Complete a task with its form data (If-Match: the case revision you saw)",
                {**_ok("The case after the step", {"type": "object", "properties": {
                    "case": CASE}}), **_err(400, 401, 403, 404, 409, 422)},
                body={"application/json": {"schema": {"type": "object", "properties": {
                    "data": JSON_OBJECT}}}},
                params=[task_id, {"name": "If-Match", "in": "header", "required": False,
                                  "schema": {"type": "string"}}], tag="tasks")},
            "/api/v1/cases": {"post": _op(
                "Start a case of any process you may start",
                {**_ok("Started", {"type": "object", "properties": {"case": CASE}}, 201),
                 **_err(400, 401, 403, 404, 422)},
                body={"application/json": {"schema": {"type": "object", "required": [
                    "definition"], "properties": {"definition": {"type": "string"},
                                                  "version": {"type": "integer"},
                                                  "data": JSON_OBJECT}}}}, tag="cases")},
            "/api/v1/cases/{case_id}": {"get": _op(
                "A case: status, version, revision, active tasks, history, incidents",
                {**_ok("The case", JSON_OBJECT), **_err(401, 404)},
                params=[case_id], tag="cases")},
            "/api/v1/cases/{case_id}/messages": {"post": _op(
                "Send a BPMN message to a case (reclassify, void): supervisors",
                {**_ok("The case after the message", JSON_OBJECT),
                 **_err(400, 401, 403, 404, 409, 422)},
                body={"application/json": {"schema": {"type": "object", "required": ["name"],
                                                      "properties": {"name": {"type": "string"},
                                                                     "data": JSON_OBJECT}}}},
                params=[case_id], tag="cases")},
            "/api/v1/incidents/{incident_id}/retry": {"post": _op(
                "Retry a failed step; says honestly if it failed again",
                {**_ok("Result", JSON_OBJECT), **_err(401, 403, 404, 409)},
                params=[_path_param("incident_id")], tag="cases")},
        },
    }


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return document()
