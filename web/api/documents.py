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
from .models.core import DocumentAnswer, Documents
from .spec import BINARY, endpoint

TAG = "documents"


def described(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "kind": doc.kind, "form": doc.form, "kind_name": doc.kind_name,
            "number": doc.number, "title": doc.title, "issued_by": doc.issued_by,
            "issued_at": doc.issued_at.isoformat(), "dated_on": doc.dated_on,
            "pdf_sha256": doc.pdf_sha256, "pdf": f"/api/v1/documents/{doc.id}"}


@bp.get("/cases/<int:case_id>/documents")
@login_required
@endpoint("list_case_documents", TAG, {200: Documents}, errors=(404,))
def case_documents(case_id: int) -> dict[str, Any]:
    """列出案件的文书（最早的在前）及您可签发的种类 (the documents listing a hazard case,
    oldest first, and the kinds you may issue for it)"""
    found = usecase.case_documents(runtime, current_actor(), case_id)
    return {"documents": [described(d) for d in found.issued], "issuable": found.issuable}


@bp.post("/cases/<int:case_id>/documents/<kind>")
@login_required
@endpoint("issue_document", TAG, {200: DocumentAnswer, 201: DocumentAnswer},
          errors=(403, 404, 409), path={"kind": {"enum": ["notice", "opinion"]}})
def issue(case_id: int, kind: str) -> tuple[dict[str, Any], int]:
    """以下达整改（复查）主体的名义签发案件的整改通知（notice）或复查意见（opinion），签发时
    编号，须有权代表该主体签发；这次整改通知（复查）已签发的答复 200 (issue the case's notice
    or opinion in the name of the body that ordered or re-checked, numbered when signed by
    someone entitled to sign for it; one already issued for this order is answered 200)"""
    issued = usecase.issue(runtime, current_actor(), case_id, kind, files.request_base())
    return {"document": described(issued.document)}, 201 if issued.fresh else 200


@bp.get("/documents/<int:document_id>")
@login_required
@endpoint("get_document_pdf", TAG, {200: None}, errors=(404,),
          files={200: {"application/pdf": {"schema": BINARY}}})
def pdf(document_id: int) -> Response:
    """已签发文书的 PDF：可查看其所列全部案件者 (an issued document as PDF, for whoever may
    see every case it lists)"""
    return files.send_document(usecase.document(runtime, current_actor(), document_id))
