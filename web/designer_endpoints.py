"""The designer's JSON endpoints: drafts, checks, deploy, versions, diff, migration, forms.

Each handler parses the request, calls one use-case of
:mod:`hazardflow.workflows.usecases.designer` (which checks the ``design`` permission) and
answers. ``routes(bp, wrap, prefix)`` registers them on a blueprint: the API under
/api/v1/designer (bearer tokens, ``web/api/designer.py``), the designer page under
/designer/api (its session and CSRF token, ``web/ui/designer.py``), so the page and the API
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request

from hazardflow.engine import Actor, InvalidInput
from hazardflow.workflows.usecases import designer

from . import security
from .errors import ApiError
from .extensions import runtime
from .formhtml import render_form

Handler = Callable[..., Any]
XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")


def _actor() -> Actor:
    actor: Actor = g.actor
    return actor


def _body() -> dict[str, Any]:
    """The JSON object the request carries (400 for anything else)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the json module's answer to deeply nested arrays/objects
        raise ApiError(400, "bad_request", "JSON 嵌套过深 (the JSON body is nested too deeply)"
                       ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请求体须为 JSON 对象 (the body must be a JSON "
                                           "object, Content-Type: application/json)")
    return data


def _xml_of(body: dict[str, Any]) -> bytes:
    text = body.get("bpmn")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "bad_request", "请以 'bpmn' 发送流程图的 BPMN XML 文本 "
                                           "(send the diagram as 'bpmn': the BPMN XML text)")
    return text.encode("utf-8")


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_request", f"{name} 须为整数 ({name} must be a whole number)",
                       [{"field": name, "message": "须为整数 (a whole number)"}]) from None


def _name(body: dict[str, Any]) -> str | None:
    name = body.get("name")
    return name if isinstance(name, str) else None


def _whole(value: Any) -> int | None:
    """An int sent in JSON (true and false are not numbers); anything else: none sent."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- processes and versions ---------------------------------------------------------------

def processes() -> dict[str, Any]:
    return designer.processes(runtime, _actor())


def version(key: str, version: int) -> dict[str, Any]:
    return designer.version(runtime, _actor(), key, version)


def version_diff(key: str) -> dict[str, Any]:
    return designer.diff(runtime, _actor(), key, _int(request.args.get("from"), "from"),
                         _int(request.args.get("to"), "to"))


# -- drafts -------------------------------------------------------------------------------

def list_drafts() -> dict[str, Any]:
    return {"items": designer.list_drafts(runtime, _actor())}


def create_draft() -> tuple[dict[str, Any], int]:
    body = _body()
    return designer.create_draft(runtime, _actor(), _xml_of(body), body.get("forms"),
                                 _name(body), _whole(body.get("base_version"))), 201


def get_draft(draft_id: int) -> dict[str, Any]:
    return designer.get_draft(runtime, _actor(), draft_id)


def update_draft(draft_id: int) -> dict[str, Any]:
    body = _body()
    return designer.update_draft(runtime, _actor(), draft_id, _xml_of(body), body.get("forms"),
                                 _name(body), _whole(body.get("revision")))


def delete_draft(draft_id: int) -> tuple[str, int]:
    designer.delete_draft(runtime, _actor(), draft_id)
    return "", 204


def export_draft(draft_id: int) -> Response:
    data, name = designer.export_draft(runtime, _actor(), draft_id)
    return security.file_response(data, "application/xml", name)


def import_file() -> tuple[dict[str, Any], int]:
    if request.mimetype in XML_TYPES:
        data, filename = request.get_data(cache=False), None
    else:
        upload = request.files.get("bpmn") or request.files.get("file")
        if upload is None:
            raise ApiError(400, "bad_request", "请以 multipart/form-data 上传 'bpmn' 文件，或以 "
                                               "application/xml 发送 BPMN (send multipart/"
                                               "form-data with a 'bpmn' file, or the BPMN as "
                                               "application/xml)")
        data, filename = upload.read(), upload.filename
    return designer.import_draft(runtime, _actor(), data, filename), 201


# -- checks and deployment ----------------------------------------------------------------

def validate() -> dict[str, Any]:
    body = _body()
    return designer.validate(runtime, _actor(), _xml_of(body), body.get("forms"))


def deploy() -> tuple[dict[str, Any], int]:
    body = _body()
    forms = body.get("forms") or {}
    if not isinstance(forms, dict):
        raise InvalidInput("forms 须为对象：表单标识 → JSON Schema "
                           "(forms must be an object: form key -> JSON Schema)")
    deployed = designer.deploy(runtime, _actor(), _xml_of(body), forms,
                               body.get("filename") or None)
    created = any(d.created for d in deployed)
    return {"deployed": [{"key": d.key, "version": d.version} for d in deployed],
            "created": created}, 201 if created else 200


def preview_form() -> dict[str, Any]:
    body = _body()
    schema, data = designer.form_preview(runtime, _actor(), body.get("schema"),
                                         body.get("data"))
    return {"renderer": "inbox", "html": str(render_form(schema, data, {}))}


# -- migration ----------------------------------------------------------------------------

def _migration_args(body: dict[str, Any]) -> tuple[str, int, int, dict[str, Any]]:
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise ApiError(400, "bad_request", "请发送 key、from_version、to_version（及 mapping） "
                                           "(send key, from_version, to_version and mapping)")
    mapping = body.get("mapping") or {}
    if not isinstance(mapping, dict):
        raise ApiError(400, "bad_request", "mapping 须为对象：旧环节 → 新环节 "
                                           "(mapping must be an object: old id -> new id)")
    return (key, _int(body.get("from_version"), "from_version"),
            _int(body.get("to_version"), "to_version"), mapping)


def migration_preview() -> dict[str, Any]:
    key, old, new, mapping = _migration_args(_body())
    return designer.migration_preview(runtime, _actor(), key, old, new, mapping)


def migration_start() -> tuple[dict[str, Any], int]:
    key, old, new, mapping = _migration_args(_body())
    return designer.start_migration(runtime, _actor(), key, old, new, mapping), 201


def migration_run(batch_id: int) -> dict[str, Any]:
    limit = (_body() if request.data else {}).get("limit")
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
    """Register every endpoint under ``prefix``, each wrapped by ``wrap`` (the sign-in)."""
    for rule, method, handler in ROUTES:
        blueprint.add_url_rule(prefix + rule, endpoint=f"designer_{handler.__name__}",
                               view_func=wrap(handler), methods=[method])
