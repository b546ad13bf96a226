"""API v1: evidence files. Upload a photo or document (``POST /evidence``, multipart field
``file``), name its ``ev-…`` reference in a form's evidence field, read it back. A form
naming evidence the caller may not use is refused before anything starts or completes;
once the form is accepted the files are attached to the case."""

from __future__ import annotations

from flask import Response

from .. import files
from . import bp, current_actor, login_required
from .openapi import err, ok, op, path_param, register


@bp.post("/evidence")
@login_required
def upload() -> tuple[Response, int]:
    return files.receive_upload(current_actor())


@bp.get("/evidence/<int:evidence_id>")
@login_required
def download(evidence_id: int) -> Response:
    return files.send_evidence(current_actor(), evidence_id)


FILE = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary"},
    "kind": {"type": "string", "enum": ["before", "after", "document", "other"]}}}
STORED = {"type": "object", "properties": {
    "id": {"type": "string", "example": "ev-12"}, "url": {"type": "string"},
    "thumb_url": {"type": "string", "nullable": True}, "filename": {"type": "string"},
    "content_type": {"type": "string"}, "size": {"type": "integer"}, "kind": {"type": "string"}}}
register("/api/v1/evidence", post=op(
    "Upload a photo or document (checked by content; images get a thumbnail); name the "
    "returned id in a form's evidence field",
    {**ok("Stored, not yet attached to a case", STORED, 201), **err(401, 413, 422)},
    body={"multipart/form-data": {"schema": FILE}}, tag="evidence"))
register("/api/v1/evidence/{evidence_id}", get=op(
    "An evidence file (its uploader, or whoever may see its case)",
    {"200": {"description": "The file", "content": {"application/octet-stream": {
        "schema": {"type": "string", "format": "binary"}}}}, **err(401, 404)},
    params=[path_param("evidence_id")], tag="evidence"))
