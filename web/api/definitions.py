"""Process definitions: list, deploy (multipart or raw XML), versions, XML and forms."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Response, request

from hazardflow.engine.db import read_transaction
from hazardflow.engine.schema import deployment, process_case, process_definition
from hazardflow.workflows.usecases import designer

from .. import security
from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, login_required

DESIGNERS = ("designer", "admin")


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
    running = (sa.select(process_case.c.definition_id, sa.func.count().label("n"))
               .where(process_case.c.status.in_(("active", "incident")))
               .group_by(process_case.c.definition_id).subquery())
    query = (sa.select(process_definition.c.version, process_definition.c.name,
                       deployment.c.deployed_by, deployment.c.deployed_at, deployment.c.sha256,
                       sa.func.coalesce(running.c.n, 0).label("running"))
             .join(deployment, deployment.c.id == process_definition.c.deployment_id)
             .outerjoin(running, running.c.definition_id == process_definition.c.id)
             .where(process_definition.c.key == key)
             .order_by(process_definition.c.version.desc()))
    with read_transaction(runtime.db) as conn:
        rows = conn.execute(query).all()
    if not rows:
        raise ApiError(404, "not_found", f"no deployed process {key!r}")
    return {"key": key, "items": [{
        "version": r.version, "name": r.name, "deployed_by": r.deployed_by,
        "deployed_at": r.deployed_at.isoformat(), "sha256": r.sha256,
        "running_cases": r.running} for r in rows]}


def _deployment_of(key: str, version: int) -> Any:
    with read_transaction(runtime.db) as conn:
        row = conn.execute(sa.select(deployment.c.bpmn_xml, deployment.c.forms)
                           .join(process_definition,
                                 process_definition.c.deployment_id == deployment.c.id)
                           .where(process_definition.c.key == key,
                                  process_definition.c.version == version)).one_or_none()
    if row is None:
        raise ApiError(404, "not_found", f"no deployed process {key!r} version {version}")
    return row


@bp.get("/definitions/<key>/versions/<int:version>/xml")
@login_required
def xml(key: str, version: int) -> Response:
    """The diagram as deployed: a download, never a document of this site (web/security.py)."""
    return security.file_response(_deployment_of(key, version).bpmn_xml.encode("utf-8"),
                                  "application/xml", f"{key}-v{version}.bpmn")


@bp.get("/definitions/<key>/versions/<int:version>/forms")
@login_required
def forms(key: str, version: int) -> dict[str, Any]:
    return {"forms": json.loads(_deployment_of(key, version).forms)}
