"""API v1: the designer's JSON endpoints under /api/v1/designer (bearer tokens), and their
OpenAPI entries. The handlers are shared with the designer page (``web/designer_endpoints``),
which serves the same ones under /designer/api behind its session and CSRF token.
"""

from __future__ import annotations

from ..designer_endpoints import routes
from . import bp, login_required
from .openapi import err, ok, op, path_param, query, register

routes(bp, login_required, "/designer")

# -- OpenAPI ---------------------------------------------------------------------------

_T = "designer"
_JSON = {"type": "object", "additionalProperties": True}
_BODY = {"application/json": {"schema": _JSON}}
_DRAFT = path_param("draft_id")
_BATCH = path_param("batch_id")
_KEY = path_param("key", "string")
_P = "/api/v1/designer"
register(f"{_P}/processes", get=op("Processes with their versions (deployer, time, running "
                                   "cases) and the saved drafts",
                                   {**ok("Processes", _JSON), **err(401, 403)}, tag=_T))
register(f"{_P}/processes/{{key}}/versions/{{version}}", get=op(
    "A deployed version's BPMN and forms", {**ok("The version", _JSON), **err(401, 403, 404)},
    params=[_KEY, path_param("version")], tag=_T))
register(f"{_P}/processes/{{key}}/diff", get=op(
    "Semantic diff of two versions: elements added, removed, changed (attribute changes)",
    {**ok("The diff", _JSON), **err(401, 403, 404)},
    params=[_KEY, query("from", "integer"), query("to", "integer")], tag=_T))
register(f"{_P}/drafts", get=op("Saved drafts", {**ok("Drafts", _JSON), **err(401, 403)},
                                tag=_T),
         post=op("Save a new draft (never affects running cases)",
                 {**ok("Saved", _JSON, 201), **err(401, 403, 413, 422)}, body=_BODY, tag=_T))
register(f"{_P}/drafts/{{draft_id}}",
         get=op("A draft with its BPMN and forms", {**ok("The draft", _JSON),
                                                    **err(401, 403, 404)},
                params=[_DRAFT], tag=_T),
         put=op("Replace a draft (send the revision you loaded)",
                {**ok("Saved", _JSON), **err(401, 403, 404, 409, 413, 422)}, body=_BODY,
                params=[_DRAFT], tag=_T),
         delete=op("Delete a draft", {"204": {"description": "Deleted"},
                                      **err(401, 403, 404)}, params=[_DRAFT], tag=_T))
register(f"{_P}/drafts/{{draft_id}}/export", get=op(
    "Download a draft as a .bpmn file", {"200": {"description": "BPMN", "content": {
        "application/xml": {"schema": {"type": "string"}}}}, **err(401, 403, 404)},
    params=[_DRAFT], tag=_T))
register(f"{_P}/import", post=op(
    "Upload a .bpmn file as a new draft; unsafe files (DTDs/entities, oversized, no "
    "executable process, refused expressions) are rejected with element and reason",
    {**ok("The new draft with the problems deploying would report", _JSON, 201),
     **err(401, 403, 413, 422)},
    body={"multipart/form-data": {"schema": {"type": "object", "properties": {
        "bpmn": {"type": "string", "format": "binary"}}}},
        "application/xml": {"schema": {"type": "string"}}}, tag=_T))
register(f"{_P}/validate", post=op(
    "Check a diagram with the deploy validator without deploying",
    {**ok("ok and the located problems", _JSON), **err(401, 403)}, body=_BODY, tag=_T))
register(f"{_P}/deploy", post=op(
    "Validate and deploy a diagram with its forms",
    {**ok("Already deployed", _JSON), **ok("Deployed", _JSON, 201), **err(401, 403, 413, 422)},
    body=_BODY, tag=_T))
register(f"{_P}/forms/preview", post=op(
    "Render a JSON Schema form the way the inbox renders it",
    {**ok("HTML", _JSON), **err(401, 403, 422)}, body=_BODY, tag=_T))
register(f"{_P}/migrations/preview", post=op(
    "Which running cases of a version move cleanly to another; which need a mapping",
    {**ok("The preview", _JSON), **err(401, 403, 404, 422)}, body=_BODY, tag=_T))
register(f"{_P}/migrations", post=op(
    "Start a migration batch of every running case of a version",
    {**ok("The batch", _JSON, 201), **err(401, 403, 404, 422)}, body=_BODY, tag=_T))
register(f"{_P}/migrations/{{batch_id}}/run", post=op(
    "Move the batch's pending cases (up to 'limit'); each case all or nothing",
    {**ok("The batch with per-case results", _JSON), **err(401, 403, 404, 422)},
    body={"application/json": {"schema": {"type": "object", "properties": {
        "limit": {"type": "integer"}}}}}, params=[_BATCH], tag=_T))
register(f"{_P}/migrations/{{batch_id}}", get=op(
    "A migration batch: progress and per-case results",
    {**ok("The batch", _JSON), **err(401, 403, 404)}, params=[_BATCH], tag=_T))
