"""API v1: the numbered documents of a hazard case (整改通知书 ``notice``, 复查意见书
``opinion``). Issuing is a POST by a user entitled to it and numbers the document; reading
never issues. The pages' twins are in ``web/ui/documents.py``."""

from __future__ import annotations

from typing import Any

from flask import Response

from hazardflow.workflows.documents import Document
from hazardflow.workflows.usecases import documents as usecase

from .. import files
from ..extensions import runtime
from . import bp, current_actor, login_required
from .openapi import err, ok, op, path_param, register


def described(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "kind": doc.kind, "kind_name": doc.kind_name, "number": doc.number,
            "title": doc.title, "issued_by": doc.issued_by,
            "issued_at": doc.issued_at.isoformat(), "pdf": f"/api/v1/documents/{doc.id}"}


@bp.get("/cases/<int:case_id>/documents")
@login_required
def case_documents(case_id: int) -> dict[str, Any]:
    found = usecase.case_documents(runtime, current_actor(), case_id)
    return {"documents": [described(d) for d in found.issued], "issuable": found.issuable}


@bp.post("/cases/<int:case_id>/documents/<kind>")
@login_required
def issue(case_id: int, kind: str) -> tuple[dict[str, Any], int]:
    issued = usecase.issue(runtime, current_actor(), case_id, kind)
    return {"document": described(issued.document)}, 201 if issued.fresh else 200


@bp.get("/documents/<int:document_id>")
@login_required
def pdf(document_id: int) -> Response:
    return files.send_document(usecase.document(runtime, current_actor(), document_id))


DOCUMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["notice", "opinion"]},
    "kind_name": {"type": "string", "example": "整改通知书"},
    "number": {"type": "string", "example": "金安卫健整改〔2026〕1号"},
    "title": {"type": "string"}, "issued_by": {"type": "string"},
    "issued_at": {"type": "string", "format": "date-time"}, "pdf": {"type": "string"}}}
KIND = {"name": "kind", "in": "path", "required": True,
        "schema": {"type": "string", "enum": ["notice", "opinion"]}}
register("/api/v1/cases/{case_id}/documents", get=op(
    "The documents listing a hazard case, oldest first, and the kinds you may issue for it",
    {**ok("Documents", {"type": "object", "properties": {
        "documents": {"type": "array", "items": DOCUMENT},
        "issuable": {"type": "array", "items": {"type": "string"}}}}), **err(401, 404)},
    params=[path_param("case_id")], tag="documents"))
register("/api/v1/cases/{case_id}/documents/{kind}", post=op(
    "Issue (签发) the case's rectification notice or re-inspection opinion, numbered by its "
    "supervising county; while one is still current for the case it is returned (200)",
    {**ok("Issued", {"type": "object", "properties": {"document": DOCUMENT}}, 201),
     **ok("Already issued and still current",
          {"type": "object", "properties": {"document": DOCUMENT}}),
     **err(401, 403, 404, 409)},
    params=[path_param("case_id"), KIND], tag="documents"))
register("/api/v1/documents/{document_id}", get=op(
    "An issued document as PDF (for whoever may see every case it lists)",
    {"200": {"description": "The PDF", "content": {"application/pdf": {
        "schema": {"type": "string", "format": "binary"}}}}, **err(401, 404)},
    params=[path_param("document_id")], tag="documents"))
