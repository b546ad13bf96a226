"""The documents that list every hazard one inspection found: one 整改通知书 (notice) and,
after the re-checks, one 复查意见书 (opinion), issued through :mod:`hazardflow.workflows.
documents` in the name of the city for its spot checks and unannounced visits, else of the
inspected unit's county.

The functions take the caller's connection; the use-cases (``workflows.usecases
.inspections``) check first that the actor may issue documents at all (``inspection.issue``),
and here each hazard must be within what the actor issues for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Forbidden

from . import documents
from .calendar import BusinessCalendar
from .inspections import case_ids_of, get_inspection
from .schema_campaigns import inspection
from .units import Unit, city_unit, county_of


def inspection_documents(conn: Connection, inspection_id: int) -> list[documents.Document]:
    """The documents that list every hazard of the inspection (its notice and opinions)."""
    ids = set(case_ids_of(conn, inspection_id))
    if not ids:
        return []
    first = sorted(ids)[0]
    return [d for d in documents.documents_for_case(conn, first)
            if set(documents.document_case_ids(conn, d.id)) == ids]


def _no_hazards() -> Conflict:
    return Conflict("这次检查没有发现隐患 (this inspection found no hazards)")


def _issuer(conn: Connection, found: dict[str, Any]) -> Unit:
    """The city for its spot checks and unannounced visits, else the unit's county."""
    if found["kind"] in ("spot_check", "unannounced"):
        return city_unit(conn)
    return county_of(conn, found["unit_code"])


def _outside(kind: str) -> Forbidden:
    return Forbidden(f"这些隐患不在您的出具范围内，不能出具{kind} "
                     f"(you may not issue it for these hazards)")


def issue_opinion(conn: Connection, actor: Actor, inspection_id: int,
                  now: datetime, calendar: BusinessCalendar) -> documents.Document:
    """One 复查意见书 recording the re-check of every hazard the inspection found, issued by
    the same body as its notice; refused (Conflict) while a hazard has not been re-checked,
    and (Forbidden) when a hazard is outside what ``actor`` issues for."""
    found = get_inspection(conn, actor, inspection_id)
    ids = case_ids_of(conn, inspection_id)
    if not ids:
        raise _no_hazards()
    if not all(documents.may_issue(conn, actor, "opinion", c) for c in ids):
        raise _outside("复查意见书")
    return documents.issue_document(conn, kind="opinion", case_ids=ids,
                                    issuer_unit_code=_issuer(conn, found).code,
                                    issued_by=actor.id, now=now, calendar=calendar)


def issue_notice(conn: Connection, actor: Actor, inspection_id: int,
                 now: datetime, calendar: BusinessCalendar) -> documents.Document:
    """One 整改通知书 listing every hazard the inspection found (workflows.documents), issued
    by the city for its spot checks and unannounced visits, else by the unit's county.
    Issuing again while the notice is current returns the same document."""
    found = get_inspection(conn, actor, inspection_id)
    if not found["visible_to_unit"]:
        raise Conflict("暗访发现须先通报，再下达整改通知 (publish the visit first)")
    ids = case_ids_of(conn, inspection_id)
    if not ids:
        raise _no_hazards()
    if not all(documents.may_issue(conn, actor, "notice", c) for c in ids):
        raise _outside("整改通知书")
    doc = documents.issue_document(conn, kind="notice", case_ids=ids,
                                   issuer_unit_code=_issuer(conn, found).code,
                                   issued_by=actor.id, now=now, calendar=calendar)
    conn.execute(sa.update(inspection).where(inspection.c.id == inspection_id)
                 .values(document_id=doc.id))
    return doc
