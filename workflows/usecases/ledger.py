"""The hazard ledger (台账) as a user reads it: a page with what its filters offer, a page of
rows for the API, one hazard, and the Excel export of the current filter. Every read applies
the visibility rule (``policy.visible_hazards``) inside one read transaction."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from hazardflow.engine import Actor, NotFound

from .. import campaigns, exports
from ..ledger import LedgerFilter, LedgerPage, get_hazard, list_hazards
from ..policy import units_in_scope
from ..runtime import Runtime
from ..units import unit_names
from ..uow import reading
from ..users import display_names

MAX_EXPORT = 50_000  # rows in one export
PER_PAGE = 50


def today(rt: Runtime) -> date:
    """The business date (in ``HAZARDFLOW_BUSINESS_TZ``) on the runtime's clock."""
    return rt.calendar.today(rt.now())


def _as_of(filters: LedgerFilter, overdue: bool, day: date) -> LedgerFilter:
    """``overdue``: only hazards overdue on ``day`` (open, deadline passed)."""
    return replace(filters, overdue_on=day) if overdue else filters


@dataclass(frozen=True)
class LedgerView:
    result: LedgerPage
    units: list[str]  # the unit codes the actor may filter by
    campaigns: list[dict[str, Any]]
    today: date
    unit_names: dict[str, str] = field(default_factory=dict)  # code → name, for the filter


def ledger_page(rt: Runtime, actor: Actor, filters: LedgerFilter, page: int = 1, *,
                overdue: bool = False, per_page: int = PER_PAGE) -> LedgerView:
    """One page of the ledger as ``actor`` may see it, with the units and campaigns the
    filters offer; ``overdue`` keeps the hazards overdue today."""
    day = today(rt)
    with reading(rt) as conn:
        codes = units_in_scope(conn, actor)
        names = unit_names(conn, codes)
        return LedgerView(result=list_hazards(conn, actor, rt.calendar,
                                              _as_of(filters, overdue, day), page, per_page),
                          units=sorted(codes, key=lambda c: (names.get(c, c), c)),
                          campaigns=campaigns.list_campaigns(conn), today=day,
                          unit_names=names)


def hazards(rt: Runtime, actor: Actor, filters: LedgerFilter, page: int = 1,
            per_page: int = PER_PAGE) -> LedgerPage:
    """One page of the ledger rows ``actor`` may see (the API's list)."""
    with reading(rt) as conn:
        return list_hazards(conn, actor, rt.calendar, filters, page, per_page)


def hazard(rt: Runtime, actor: Actor, code: str) -> dict[str, Any]:
    """One hazard by code; NotFound when it does not exist or ``actor`` may not see it."""
    with reading(rt) as conn:
        row = get_hazard(conn, actor, code)
    if row is None:
        raise NotFound(f"隐患 {code} 不存在 (no hazard {code} that you may see)")
    return row


@dataclass(frozen=True)
class Export:
    body: bytes
    filename: str


def export(rt: Runtime, actor: Actor, filters: LedgerFilter, *,
           overdue: bool = False) -> Export:
    """The ledger rows of the filter that ``actor`` may see (up to MAX_EXPORT) as an Excel
    workbook, with 是否超期 as of today."""
    day = today(rt)
    with reading(rt) as conn:
        found = list_hazards(conn, actor, rt.calendar, _as_of(filters, overdue, day), 1,
                             MAX_EXPORT, max_per_page=MAX_EXPORT)
        names = display_names(conn, [p for r in found.rows
                                     for p in (r.get("responsible_user"), r.get("reported_by"))])
        titles = {str(c["code"]): str(c["name"]) for c in campaigns.list_campaigns(conn)}
    body = exports.to_xlsx([exports.ledger_sheet(found.rows, today=day, names=names,
                                                 campaigns=titles)], rt.calendar)
    return Export(body, f"hazard-ledger-{day.isoformat()}.xlsx")
