"""Process definitions: list, deploy (multipart or raw XML), versions, XML and forms."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

from hazardflow.workflows.usecases import designer

from .. import security
from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, login_required


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _read_upload() -> tuple[bytes, dict[str, Any], str | None]:
    """The BPMN file and its forms, from multipart or from a raw XML body."""
    if request.mimetype in ("application/xml", "text/xml", "application/bpmn+xml"):
        return request.get_data(cache=False), {}, None
    if request.mimetype != "multipart/form-data":
        raise ApiError(400, "bad_request", "send multipart/form-data with a 'bpmn' file (and "
                                           "'forms' files named <formKey>.json), or the "
                                           "BPMN alone as application/xml")
    upload = request.files.get("bpmn") or request.files.get("file")
    if upload is None:
        raise ApiError(400, "bad_request", "the multipart body has no 'bpmn' file")
    forms: dict[str, Any] = {}
    for item in request.files.getlist("forms"):
        name = (item.filename or "").rsplit("/", 1)[-1]
        if not name.endswith(".json"):
            raise ApiError(400, "bad_request", f"form file {name!r} must be named <formKey>.json",
                           [{"field": "forms", "message": name}])
        try:
            forms[name.removesuffix(".json")] = json.loads(item.read().decode("utf-8"),
                                                           parse_constant=_not_json)
        except ValueError as exc:  # not UTF-8, not JSON, or NaN/Infinity
            raise ApiError(422, "invalid_form", f"form {name!r} is not JSON: {exc}",
                           [{"field": name, "message": str(exc)}]) from None
    return upload.read(), forms, upload.filename


@bp.post("/definitions")
@login_required
def deploy() -> tuple[dict[str, Any], int]:
    bpmn, forms, filename = _read_upload()
    deployed = designer.deploy(runtime, current_actor(), bpmn, forms, filename)
    created = any(d.created for d in deployed)
    body = {"deployed": [{"key": d.key, "version": d.version} for d in deployed],
            "created": created}
    return body, 201 if created else 200


@bp.get("/definitions")
@login_required
def list_definitions() -> dict[str, Any]:
    items = designer.definitions(runtime, current_actor())
    return {"items": items}


@bp.get("/definitions/<key>/versions")
@login_required
def versions(key: str) -> dict[str, Any]:
    return {"key": key, "items": designer.versions(runtime, current_actor(), key)}


@bp.get("/definitions/<key>/versions/<int:version>/xml")
@login_required
def xml(key: str, version: int) -> Response:
    """The diagram as deployed: a download, never a document of this site (web/security.py)."""
    found = designer.deployed(runtime, current_actor(), key, version)
    return security.file_response(found["bpmn"].encode("utf-8"), "application/xml",
                                  f"{key}-v{version}.bpmn")


@bp.get("/definitions/<key>/versions/<int:version>/forms")
@login_required
def forms(key: str, version: int) -> dict[str, Any]:
    return {"forms": designer.deployed(runtime, current_actor(), key, version)["forms"]}
