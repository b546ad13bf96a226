"""The documents of one inspection: one notice listing the hazards it found, then one
re-check opinion, each in the name of the body that ordered (re-checked) them
(:mod:`documents`).

**Which notice.** A hazard an inspection found gets the inspection's one notice for the
order made on that finding (its first order), as a real 责令限期整改指令书 lists everything
one inspection found: a notice of its own for that order is refused while the inspection's
can cover it (:func:`refuse_if_covered`), and returned once the inspection's is issued. A
later order (a re-order after a failed re-check), a hazard fixed on the spot, or findings
ordered by different bodies (the unit's own safety officer ordered some) get notices of
their own; the inspection's notice then refuses, naming them. An unpublished 暗访 has no
notice yet: a finding ordered meanwhile (a major one, which the regulator orders at once)
gets its own notice, and the visit's notice, once published, leaves it out. Either way one
order has one notice (``uq_document_case_basis``).

The functions take the caller's connection; the use-cases (``workflows.usecases
.inspections``) check the inspection is visible first; signing is ``policy.may_sign_for``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict

from . import document_facts, documents
from .calendar import BusinessCalendar
from .inspections import case_ids_of, get_inspection
from .schema_campaigns import inspection, inspection_result


def inspection_documents(conn: Connection, inspection_id: int) -> list[documents.Document]:
    """The documents issued for the inspection (its notice and opinions), oldest first."""
    ids = case_ids_of(conn, inspection_id)
    if not ids:
        return []
    seen: dict[int, documents.Document] = {}
    for case_id in ids:
        for doc in documents.documents_for_case(conn, case_id):
            if documents.content_of(conn, doc.id).get("inspection") == inspection_id:
                seen[doc.id] = doc
    legacy = [d for d in documents.documents_for_case(conn, ids[0])
              if documents.document_case_ids(conn, d.id) == ids]
    return sorted({**{d.id: d for d in legacy}, **seen}.values(), key=lambda d: d.id)


def _no_hazards() -> Conflict:
    return Conflict("这次检查没有发现隐患 (this inspection found no hazards)")


def _history(conn: Connection, case_id: int,
             calendar: BusinessCalendar) -> document_facts.History:
    fields = document_facts.hazard_facts(conn, case_id)
    return document_facts.history(conn, case_id, fields["unit_code"], calendar)


def _first_orders(conn: Connection, ids: list[int],
                  calendar: BusinessCalendar) -> dict[int, document_facts.History]:
    return {c: _history(conn, c, calendar) for c in ids}


def refuse_if_covered(conn: Connection, found: documents.Basis,
                      calendar: BusinessCalendar) -> None:
    """Conflict when the inspection that found the hazard gives the notice for this order
    (see the module doc)."""
    if not found.first_order:
        return
    row = conn.execute(sa.select(inspection.c.id, inspection.c.code,
                                 inspection.c.visible_to_unit).join(
        inspection_result, inspection_result.c.inspection_id == inspection.c.id).where(
        inspection_result.c.case_id == found.case_id)).first()
    if row is None or not row.visible_to_unit:
        # an unpublished 暗访 has no notice yet: a finding ordered meanwhile (a major one the
        # regulator ordered at once) gets its own, and the visit's notice leaves it out
        return
    bodies = {h.orders[0].body for h in _first_orders(
        conn, case_ids_of(conn, row.id), calendar).values() if h.orders}
    if bodies == {found.act.body}:
        raise Conflict(f"该隐患由检查 {row.code} 发现，其整改通知随该次检查的整改通知一并签发"
                       f"（一次检查一份）(issue the notice of inspection {row.code})",
                       case_id=found.case_id, code="inspection_notice")


def issue_notice(conn: Connection, actor: Actor, inspection_id: int, now: datetime,
                 calendar: BusinessCalendar, verify_base: str) -> documents.Document:
    """One notice listing every hazard the inspection found and someone ordered rectified
    (those fixed on the spot need none), in the ordering body's name; refused while one
    awaits its order. Issuing again returns the same document."""
    found = get_inspection(conn, actor, inspection_id)
    if not found["visible_to_unit"]:
        raise Conflict("暗访发现须先通报，再下达整改通知 (publish the visit first)")
    ids = case_ids_of(conn, inspection_id)
    if not ids:
        raise _no_hazards()
    bases, noticed_before = [], 0
    for case_id, history in _first_orders(conn, ids, calendar).items():
        if history.state == document_facts.ON_SPOT:
            continue
        found_basis = documents.basis(conn, "notice", case_id, calendar, history)
        own = documents.covering(conn, case_id, found_basis.act.seq)
        if own is not None and found["published_at"] is not None \
                and own.issued_at <= found["published_at"]:
            noticed_before += 1  # ordered and noticed on its own while the visit was hidden
            continue
        bases.append(found_basis)
    if not bases and noticed_before:
        raise Conflict("这次暗访发现的隐患已在通报前另行下达整改通知，无需再发 (every finding "
                       "already has its notice, issued before the visit was published)",
                       code="already_issued")
    if not bases:
        raise Conflict("这次检查发现的隐患均已现场整改，无需整改通知 (all fixed on the spot)")
    doc, _ = documents.issue(conn, actor, "notice", bases, now=now, calendar=calendar,
                             verify_base=verify_base, extra={"inspection": inspection_id,
                                                             "inspection_code": found["code"]})
    conn.execute(sa.update(inspection).where(inspection.c.id == inspection_id)
                 .values(document_id=doc.id))
    return doc


def issue_opinion(conn: Connection, actor: Actor, inspection_id: int, now: datetime,
                  calendar: BusinessCalendar, verify_base: str) -> documents.Document:
    """One re-check opinion over every hazard the inspection found, in the name of the body
    that re-checked them; refused while one has not been re-checked."""
    found = get_inspection(conn, actor, inspection_id)
    ids = case_ids_of(conn, inspection_id)
    if not ids:
        raise _no_hazards()
    bases = [documents.basis(conn, "opinion", c, calendar) for c in ids]
    doc, _ = documents.issue(conn, actor, "opinion", bases, now=now, calendar=calendar,
                             verify_base=verify_base, extra={"inspection": inspection_id,
                                                             "inspection_code": found["code"]})
    return doc
