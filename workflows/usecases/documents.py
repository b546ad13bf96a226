"""The documents of hazard cases: issue one (签发/出具), read one as PDF, list a case's
documents with the kinds the actor may issue, and verify a printed one by its code.

Issuing is a deliberate act: a POST by someone entitled to sign for the body the document
speaks for (``documents.may_sign``: the ordering body for a notice, the re-checking body for
an opinion). Reading never issues and never takes a number; an issued document is served as
the PDF made when it was issued. A case someone may not see, or a document listing such a
case, does not exist for them (NotFound). Verifying needs no sign-in and shows only what
the printout shows (:mod:`~hazardflow.workflows.verification`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Forbidden, NotFound

from .. import documents, inspection_documents, policy, verification
from ..document_render import render_pdf
from ..ledger import hazard_for_case
from ..runtime import Runtime
from ..uow import reading, unit_of_work

FALLBACK_BASE = "http://localhost"


def public_base(rt: Runtime, request_base: str | None) -> str:
    """Where ``/verify/<code>`` is reached from outside: ``HAZARDFLOW_PUBLIC_URL``, else the
    host the request came to."""
    return (rt.settings.public_url or request_base or FALLBACK_BASE).rstrip("/")


def _kind(kind: str) -> str:
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
    fresh: bool  # False: the document already issued for this order (re-check) is returned


def issue(rt: Runtime, actor: Actor, case_id: int, kind: str,
          request_base: str | None = None) -> Issued:
    """Issue the case's ``kind`` document for its current order (notice) or latest re-check
    (opinion), in the name of the body that ordered (re-checked), numbered; the one already
    issued for it is returned instead. Forbidden unless ``actor`` signs for that body;
    Conflict before the order or the re-check, or while the inspection that found the
    hazard gives its notice."""
    name = _kind(kind)
    with unit_of_work(rt) as conn:
        _hazard_case(conn, actor, case_id)
        found = documents.basis(conn, kind, case_id, rt.calendar)
        if not documents.may_sign(actor, found):
            raise Forbidden(f"您不能代表该{'下达整改' if kind == 'notice' else '复查'}主体签发"
                            f"此案件的{name} (you may not sign this {kind} for its body)",
                            case_id=case_id)
        existing = documents.covering(conn, case_id, found.act.seq)
        if existing is not None:
            return Issued(existing, False)
        if kind == "notice":
            inspection_documents.refuse_if_covered(conn, found, rt.calendar)
        doc, fresh = documents.issue(conn, actor, kind, [found], now=rt.now(),
                                     calendar=rt.calendar,
                                     verify_base=public_base(rt, request_base))
        return Issued(doc, fresh)


@dataclass(frozen=True)
class Rendered:
    document: documents.Document
    pdf: bytes


def _pdf(conn: Connection, rt: Runtime, doc: documents.Document) -> Rendered:
    kept = documents.issued_pdf(conn, doc.id)
    return Rendered(doc, kept if kept is not None else render_pdf(conn, doc.id, rt.calendar))


def case_document(rt: Runtime, actor: Actor, case_id: int, kind: str) -> Rendered:
    """The case's ``kind`` document as issued: the one for its current order (re-check),
    else the latest; NotFound, saying so, while none has been issued."""
    name = _kind(kind)
    with reading(rt) as conn:
        _hazard_case(conn, actor, case_id)
        doc = _current(conn, rt, kind, case_id) or next(
            (d for d in reversed(documents.documents_for_case(conn, case_id))
             if d.kind == kind), None)
        if doc is None:
            raise NotFound(f"尚未出具{name}，请先签发 "
                           f"(no {kind} has been issued for case {case_id} yet)",
                           case_id=case_id)
        return _pdf(conn, rt, doc)


def _current(conn: Connection, rt: Runtime, kind: str,
             case_id: int) -> documents.Document | None:
    try:
        found = documents.basis(conn, kind, case_id, rt.calendar)
    except Conflict:
        return None
    return documents.covering(conn, case_id, found.act.seq)


def document(rt: Runtime, actor: Actor, document_id: int) -> Rendered:
    """An issued document as PDF, for whoever may see every case it lists."""
    with reading(rt) as conn:
        doc = documents.get_document(conn, document_id)
        listed = documents.document_case_ids(conn, document_id) if doc else []
        if doc is None or not all(policy.case_visible(conn, actor, c) for c in listed):
            raise NotFound(f"文书 {document_id} 不存在 (document {document_id} does not exist)")
        return _pdf(conn, rt, doc)


@dataclass(frozen=True)
class CaseDocuments:
    issued: list[documents.Document]  # oldest first
    issuable: list[str]  # the kinds the actor may issue for the case now


def issuable_kinds(conn: Connection, rt: Runtime, actor: Actor, case_id: int) -> list[str]:
    """The kinds ``actor`` may sign for the case now: its order (re-check) has no document
    yet, the actor signs for its body, and (a notice) no inspection gives it."""
    kinds = []
    for kind in documents.KINDS:
        try:
            found = documents.basis(conn, kind, case_id, rt.calendar)
            if kind == "notice":
                inspection_documents.refuse_if_covered(conn, found, rt.calendar)
        except (Conflict, NotFound):
            continue
        if documents.may_sign(actor, found) \
                and documents.covering(conn, case_id, found.act.seq) is None:
            kinds.append(kind)
    return kinds


def case_documents(rt: Runtime, actor: Actor, case_id: int) -> CaseDocuments:
    """The documents listing a hazard case and the kinds ``actor`` may issue for it."""
    with reading(rt) as conn:
        _hazard_case(conn, actor, case_id)
        return CaseDocuments(documents.documents_for_case(conn, case_id),
                             issuable_kinds(conn, rt, actor, case_id))


def verify(rt: Runtime, code: str) -> verification.Verified:
    """What ``/verify/<code>`` shows (no sign-in); NotFound for a code no document has."""
    with reading(rt) as conn:
        found = verification.verify(conn, code, rt.calendar)
    if found is None:
        raise NotFound("没有与此验证码对应的文书，请核对验证码或向签发机关核实 "
                       "(no document carries this verification code)")
    return found
