"""The designer's JSON endpoints: drafts, checks, deploy, versions, diff, migration, forms.

Each handler is a plain function; ``routes(bp, wrap, prefix)`` registers them on a
blueprint. The API registers them under /api/v1/designer (bearer tokens); the designer page
registers the same handlers under /designer/api (its session and CSRF token), so the page
and the API cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request

from hazardflow.engine import Actor, InvalidInput, drafts
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.diff import diff
from hazardflow.engine.forms import check_form_schema
from hazardflow.engine.xmlsafe import parse_untrusted
from hazardflow.workflows.usecases import designer

from .. import security
from ..errors import ApiError
from ..extensions import runtime
from . import bp, json_body, login_required, require_role
from .openapi import err, ok, op, path_param, query, register

DESIGNERS = ("designer", "admin")
Handler = Callable[..., Any]


def _actor() -> Actor:
    actor: Actor = g.actor
    return actor


def _xml_of(body: dict[str, Any]) -> bytes:
    text = body.get("bpmn")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "bad_request", "send the diagram as 'bpmn': the BPMN XML text")
    return text.encode("utf-8")


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_request", f"{name} must be a whole number") from None


# -- processes and versions ---------------------------------------------------------


def processes() -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return {"processes": drafts.processes(conn), "drafts": drafts.list_drafts(conn)}


def version(key: str, version: int) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return drafts.version_content(conn, key, version)


def version_diff(key: str) -> dict[str, Any]:
    old = _int(request.args.get("from"), "from")
    new = _int(request.args.get("to"), "to")
    limit = runtime.engine.max_bpmn_bytes * 4
    with read_transaction(runtime.db) as conn:
        before = drafts.version_content(conn, key, old)
        after = drafts.version_content(conn, key, new)
    result = diff(parse_untrusted(before["bpmn"].encode(), max_bytes=limit),
                  parse_untrusted(after["bpmn"].encode(), max_bytes=limit)).as_dict()
    return {"key": key, "from": old, "to": new, **result}


# -- drafts ---------------------------------------------------------------------------


def list_drafts() -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return {"items": drafts.list_drafts(conn)}


def create_draft() -> tuple[dict[str, Any], int]:
    body = json_body()
    base = body.get("base_version")
    with write_transaction(runtime.db) as conn:
        draft = drafts.save_draft(
            conn, bpmn=_xml_of(body), forms=body.get("forms"), actor=_actor().id,
            now=runtime.engine.clock.now(), max_bytes=runtime.engine.max_bpmn_bytes,
            name=body.get("name") if isinstance(body.get("name"), str) else None,
            base_version=base if isinstance(base, int) else None)
    return draft, 201


def get_draft(draft_id: int) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return drafts.get_draft(conn, draft_id)


def update_draft(draft_id: int) -> dict[str, Any]:
    body = json_body()
    revision = body.get("revision")
    with write_transaction(runtime.db) as conn:
        return drafts.save_draft(
            conn, bpmn=_xml_of(body), forms=body.get("forms"), actor=_actor().id,
            now=runtime.engine.clock.now(), max_bytes=runtime.engine.max_bpmn_bytes,
            name=body.get("name") if isinstance(body.get("name"), str) else None,
            draft_id=draft_id, revision=revision if isinstance(revision, int) else None)


def delete_draft(draft_id: int) -> tuple[str, int]:
    with write_transaction(runtime.db) as conn:
        drafts.delete_draft(conn, draft_id)
    return "", 204


def export_draft(draft_id: int) -> Response:
    draft = get_draft(draft_id)
    name = (draft["process_key"] or f"draft-{draft_id}") + ".bpmn"
    return security.file_response(draft["bpmn"].encode("utf-8"), "application/xml", name)


def import_file() -> tuple[dict[str, Any], int]:
    if request.mimetype in ("application/xml", "text/xml", "application/bpmn+xml"):
        data, filename = request.get_data(cache=False), None
    else:
        upload = request.files.get("bpmn") or request.files.get("file")
        if upload is None:
            raise ApiError(400, "bad_request", "send multipart/form-data with a 'bpmn' file, "
                                               "or the BPMN as application/xml")
        data, filename = upload.read(), upload.filename
    name = (filename or "").rsplit("/", 1)[-1].removesuffix(".bpmn") or None
    with write_transaction(runtime.db) as conn:
        draft = drafts.import_file(conn, runtime.engine, data, actor=_actor().id,
                                   now=runtime.engine.clock.now(), name=name)
    problems = drafts.check(runtime.engine, data, draft["forms"])
    return {**draft, "problems": [p.as_dict() for p in problems]}, 201


# -- checks and deployment ------------------------------------------------------------


def validate() -> dict[str, Any]:
    body = json_body()
    problems = drafts.check(runtime.engine, _xml_of(body), body.get("forms"))
    return {"ok": not problems, "problems": [p.as_dict() for p in problems]}


def deploy() -> tuple[dict[str, Any], int]:
    body = json_body()
    forms = body.get("forms") or {}
    if not isinstance(forms, dict):
        raise InvalidInput("forms must be an object: form key -> JSON Schema")
    deployed = designer.deploy(runtime, _actor(), _xml_of(body), forms,
                               body.get("filename") or None)
    created = any(d.created for d in deployed)
    return {"deployed": [{"key": d.key, "version": d.version} for d in deployed],
            "created": created}, 201 if created else 200


def preview_form() -> dict[str, Any]:
    body = json_body()
    schema = body.get("schema")
    problems = check_form_schema("form", schema)
    if problems or not isinstance(schema, dict):
        raise InvalidInput("the form is not a valid JSON Schema", problems, code="invalid_form")
    try:
        from hazardflow.web.ui.forms import render_form
    except ImportError:  # pragma: no cover - the inbox's renderer is part of the app
        return {"renderer": "none", "html": ""}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    return {"renderer": "inbox", "html": str(render_form(schema, data, {}))}


# -- migration -------------------------------------------------------------------------


def _migration_args(body: dict[str, Any]) -> tuple[str, int, int, dict[str, Any]]:
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise ApiError(400, "bad_request", "send key, from_version, to_version (and mapping)")
    mapping = body.get("mapping") or {}
    if not isinstance(mapping, dict):
        raise ApiError(400, "bad_request", "mapping must be an object: old id -> new id")
    return (key, _int(body.get("from_version"), "from_version"),
            _int(body.get("to_version"), "to_version"), mapping)


def migration_preview() -> dict[str, Any]:
    key, old, new, mapping = _migration_args(json_body())
    return designer.migration_preview(runtime, _actor(), key, old, new, mapping)


def migration_start() -> tuple[dict[str, Any], int]:
    key, old, new, mapping = _migration_args(json_body())
    return designer.start_migration(runtime, _actor(), key, old, new, mapping), 201


def migration_run(batch_id: int) -> dict[str, Any]:
    body = json_body() if request.data else {}
    limit = body.get("limit")
    return designer.run_migration(runtime, _actor(), batch_id,
                                  _int(limit, "limit") if limit is not None else None)


def migration_status(batch_id: int) -> dict[str, Any]:
    return designer.migration_status(runtime, _actor(), batch_id)


ROUTES: list[tuple[str, str, Handler]] = [
    ("/processes", "GET", processes),
    ("/processes/<key>/versions/<int:version>", "GET", version),
    ("/processes/<key>/diff", "GET", version_diff),
    ("/drafts", "GET", list_drafts),
    ("/drafts", "POST", create_draft),
    ("/drafts/<int:draft_id>", "GET", get_draft),
    ("/drafts/<int:draft_id>", "PUT", update_draft),
    ("/drafts/<int:draft_id>", "DELETE", delete_draft),
    ("/drafts/<int:draft_id>/export", "GET", export_draft),
    ("/import", "POST", import_file),
    ("/validate", "POST", validate),
    ("/deploy", "POST", deploy),
    ("/forms/preview", "POST", preview_form),
    ("/migrations/preview", "POST", migration_preview),
    ("/migrations", "POST", migration_start),
    ("/migrations/<int:batch_id>/run", "POST", migration_run),
    ("/migrations/<int:batch_id>", "GET", migration_status),
]


def routes(blueprint: Blueprint, wrap: Callable[[Handler], Handler], prefix: str) -> None:
    for rule, method, handler in ROUTES:
        blueprint.add_url_rule(prefix + rule, endpoint=f"designer_{handler.__name__}",
                               view_func=wrap(handler), methods=[method])


def _api(handler: Handler) -> Handler:
    def view(**kwargs: Any) -> Any:
        require_role(*DESIGNERS)
        return handler(**kwargs)
    view.__name__ = handler.__name__
    return login_required(view)


routes(bp, _api, "/designer")

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
    {**ok("The batch with per-case results", _JSON), **err(401, 403, 404)},
    body={"application/json": {"schema": {"type": "object", "properties": {
        "limit": {"type": "integer"}}}}}, params=[_BATCH], tag=_T))
register(f"{_P}/migrations/{{batch_id}}", get=op(
    "A migration batch: progress and per-case results",
    {**ok("The batch", _JSON), **err(401, 403, 404)}, params=[_BATCH], tag=_T))
