"""The 挂牌督办 register: who listed a major hazard for supervision (body, person), when and
why, and when it was delisted (摘牌: by whom, why). 16号令 第二十条 (the regulator may list a
major hazard for supervision), 第二十一条 and 第二十三条 (核销 after the on-site review).

Rows are written by the lifecycle's service tasks, never by a page:

==============================  =================================================================
topic                           does
==============================  =================================================================
``hazard.list_supervision``     lists the hazard: the body and person of the latest performer of
                                the ``tasks`` parameter (the plan review), the ``reason``
                                parameter (``${listing_reason}``); once per case while listed
``hazard.delist``               delists it (摘牌) when listed: the latest performer of ``tasks``
                                (the review that passed), ``reason`` (``${review_opinion}``)
==============================  =================================================================

A void or a reclassification to 一般 also delists (``workflows/handlers.py``). Who reads the
register is ``policy``'s question (``supervision.view``, and ``visible_hazards``: a county its
own units, the city all).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.services import Actor, ServiceCall

from .authority import performer, person
from .ledger import hazard_for_case
from .policy import acting_body, visible_hazards
from .schema import hazard, unit
from .schema_supervision import supervision_listing as listing

LISTED_BY: dict[str, str] = {"county": "县区卫健委挂牌", "city": "市卫健委挂牌",
                             "unit": "单位"}


def active_listing(conn: Connection, case_id: int) -> int | None:
    """The id of the case's listing not yet delisted, if any."""
    found = conn.execute(sa.select(listing.c.id).where(
        listing.c.case_id == case_id, listing.c.delisted_at.is_(None))).scalar()
    return int(found) if found is not None else None


def list_hazard(call: ServiceCall) -> None:
    """``hazard.list_supervision``: put the case's hazard on the register."""
    row = hazard_for_case(call.conn, call.case_id)
    if row is None:
        raise ValueError("the case has no ledger row to list")
    if active_listing(call.conn, call.case_id) is not None:
        return
    reason = str(call.params.get("reason") or "").strip()
    if not reason:
        raise ValueError("listing for supervision needs a reason (the parameter 'reason')")
    username = performer(call.conn, call.case_id, call.params)
    level, body = acting_body(call.conn, person(call.conn, username), row["unit_code"])
    call.conn.execute(sa.insert(listing).values(
        hazard_id=row["id"], case_id=call.case_id, listed_level=level, listed_by_body=body,
        listed_by_user=username, listed_at=call.now, listing_reason=reason[:2000]))


def delist_case(conn: Connection, case_id: int, *, by: Actor, reason: str,
                at: datetime) -> bool:
    """摘牌: end the case's listing, if any, in the name of ``by``'s body; True if it did."""
    found = active_listing(conn, case_id)
    if found is None:
        return False
    code = conn.execute(sa.select(unit.c.code).join(hazard, hazard.c.unit_id == unit.c.id)
                        .where(hazard.c.case_id == case_id)).scalar_one()
    _, body = acting_body(conn, by, code)
    conn.execute(sa.update(listing).where(listing.c.id == found).values(
        delisted_at=at, delisted_by_body=body, delisted_by_user=by.id,
        delisting_reason=reason.strip()[:2000] or "—"))
    return True


def delist(call: ServiceCall) -> None:
    """``hazard.delist``: delist after the review that passed (a no-op when not listed)."""
    if active_listing(call.conn, call.case_id) is None:
        return
    username = performer(call.conn, call.case_id, call.params)
    delist_case(call.conn, call.case_id, by=person(call.conn, username),
                reason=str(call.params.get("reason") or "核销"), at=call.now)


def register(conn: Connection, actor: Actor, *, listed_only: bool = False) -> list[dict[str, Any]]:
    """The register's rows ``actor`` may see (``policy.visible_hazards``), newest listing
    first; ``listed_only``: those not delisted yet."""
    body_unit = unit.alias("listed_by_unit")
    query = (sa.select(listing, hazard.c.code.label("hazard_code"), hazard.c.level,
                       hazard.c.status, hazard.c.location, hazard.c.description,
                       hazard.c.deadline, hazard.c.county_code,
                       unit.c.code.label("unit_code"), unit.c.name.label("unit_name"),
                       body_unit.c.name.label("listed_by_name"))
             .select_from(listing.join(hazard, hazard.c.id == listing.c.hazard_id)
                          .join(unit, unit.c.id == hazard.c.unit_id)
                          .outerjoin(body_unit, body_unit.c.code == listing.c.listed_by_body))
             .where(visible_hazards(actor))
             .order_by(listing.c.listed_at.desc(), listing.c.id.desc()))
    if listed_only:
        query = query.where(listing.c.delisted_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(query)]
