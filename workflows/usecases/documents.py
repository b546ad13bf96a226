"""The numbered documents of hazard cases (整改通知书, 复查意见书): issue one, read one as PDF,
and list a case's documents with the kinds the actor may issue.

Issuing (签发/出具) is a deliberate act: a POST by a user entitled to it
(``documents.may_issue``: an issuing role at or above the case's unit), numbered by the case's
supervising county. Reading never issues and never takes a number. A case someone may not
see, or a document listing such a case, does not exist for them (NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Forbidden, NotFound

from .. import documents, policy
from ..ledger import hazard_for_case
from ..runtime import Runtime
from ..units import county_of
from ..uow import reading, unit_of_work


def _kind(kind: str) -> documents.DocKind:
    if kind not in documents.KINDS:
        raise NotFound(f"没有这种文书：{kind} (no document kind {kind!r})")
    return documents.KINDS[kind]


def _hazard_case(conn: Connection, actor: Actor, case_id: int) -> str:
    """The unit code of a hazard case ``actor`` may see; NotFound otherwise."""
    policy.require_visible_case(conn, actor, case_id)
    row = hazard_for_case(conn, case_id)
    if row is None:
        raise NotFound(f"案件 {case_id} 不是隐患案件，没有文书 "
                       f"(case {case_id} is not a hazard case: it has no documents)",
                       case_id=case_id)
    return str(row["unit_code"])


@dataclass(frozen=True)
class Issued:
    document: documents.Document
    fresh: bool  # False: the document still current for the case was returned


def issue(rt: Runtime, actor: Actor, case_id: int, kind: str) -> Issued:
    """Issue the case's ``kind`` document in the name of its supervising county, numbered;
    while one is still current for the case it is returned instead. Forbidden unless
    ``actor`` may issue it; Conflict before the order (a notice) or the re-check (an
    opinion)."""
    spec = _kind(kind)
    with unit_of_work(rt) as conn:
        unit_code = _hazard_case(conn, actor, case_id)
        if not documents.may_issue(conn, actor, kind, case_id):
            raise Forbidden(f"您没有权限签发此案件的{spec.name} "
                            f"(you may not issue a {kind} for case {case_id})",
                            case_id=case_id)
        current = documents.current_document(conn, kind, case_id)
        if current is not None:
            return Issued(current, False)
        return Issued(documents.issue_document(
            conn, kind=kind, case_ids=[case_id],
            issuer_unit_code=county_of(conn, unit_code).code, issued_by=actor.id,
            now=rt.now(), calendar=rt.calendar), True)


@dataclass(frozen=True)
class Rendered:
    document: documents.Document
    pdf: bytes


def case_document(rt: Runtime, actor: Actor, case_id: int, kind: str) -> Rendered:
    """The case's ``kind`` document as PDF: the one still current for it, else the latest
    issued; NotFound, saying so, while none has been issued."""
    spec = _kind(kind)
    with reading(rt) as conn:
        _hazard_case(conn, actor, case_id)
        doc = documents.current_document(conn, kind, case_id) or next(
            (d for d in reversed(documents.documents_for_case(conn, case_id))
             if d.kind == kind), None)
        if doc is None:
            raise NotFound(f"尚未出具{spec.name}，请先签发 "
                           f"(no {kind} has been issued for case {case_id} yet)",
                           case_id=case_id)
        return Rendered(doc, documents.render_pdf(conn, doc.id, rt.calendar))


def document(rt: Runtime, actor: Actor, document_id: int) -> Rendered:
    """An issued document as PDF, for whoever may see every case it lists."""
    with reading(rt) as conn:
        doc = documents.get_document(conn, document_id)
        listed = documents.document_case_ids(conn, document_id) if doc else []
        if doc is None or not all(policy.case_visible(conn, actor, c) for c in listed):
            raise NotFound(f"文书 {document_id} 不存在 (document {document_id} does not exist)")
        return Rendered(doc, documents.render_pdf(conn, doc.id, rt.calendar))


@dataclass(frozen=True)
class CaseDocuments:
    issued: list[documents.Document]  # oldest first
    issuable: list[str]  # the kinds the actor may issue for the case


def case_documents(rt: Runtime, actor: Actor, case_id: int) -> CaseDocuments:
    """The documents listing a hazard case and the kinds ``actor`` may issue for it."""
    with reading(rt) as conn:
        _hazard_case(conn, actor, case_id)
        return CaseDocuments(documents.documents_for_case(conn, case_id),
                             documents.issuable_kinds(conn, actor, case_id))
