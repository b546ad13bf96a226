"""Hazards: report one (which starts its case), the ledger with filters, one hazard."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.ledger import LedgerFilter
from hazardflow.workflows.usecases import cases
from hazardflow.workflows.usecases import ledger as ledger_uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import FormData, HazardAnswer, ReportAnswer, Row
from .models.core import HazardPage, LedgerQuery
from .serialize import case_result, jsonable
from .spec import endpoint

TAG = "hazards"


class HazardReport(Row):
    """登记表单的数据：其 JSON Schema 见 GET /api/v1/definitions 中 hazard_lifecycle 的
    start_form_url (the registration form's data; its JSON Schema is the start_form_url of
    hazard_lifecycle in GET /api/v1/definitions)."""


@bp.post("/hazards")
@login_required
@endpoint("report_hazard", TAG, {201: ReportAnswer}, errors=(403, 404, 422), json=HazardReport)
def report(json: HazardReport) -> tuple[dict[str, Any], int]:
    """登记隐患并启动其案件 (report a hazard and start its case)"""
    data: FormData = json.model_dump()
    out = cases.report_hazard(runtime, current_actor(), data)
    return {"hazard": jsonable(out["hazard"]),
            "case": case_result(out["case"]).model_dump(mode="json")}, 201


@bp.get("/hazards")
@login_required
@endpoint("list_hazards", TAG, {200: HazardPage}, query=LedgerQuery)
def ledger(query: LedgerQuery) -> dict[str, Any]:
    """您可见的隐患台账 (the hazard ledger as you may see it)"""
    filters = LedgerFilter(
        unit_code=query.unit, county_code=query.county, level=query.level,
        category=query.category, status=query.status, campaign=query.campaign, text=query.q,
        reported_from=query.from_, reported_to=query.to, overdue_on=query.overdue_on)
    result = ledger_uc.hazards(runtime, current_actor(), filters, query.page, query.per_page)
    return {"items": [jsonable(r) for r in result.rows], "total": result.total,
            "page": result.page, "per_page": result.per_page, "pages": result.pages}


@bp.get("/hazards/<code>")
@login_required
@endpoint("get_hazard", TAG, {200: HazardAnswer}, errors=(404,))
def hazard(code: str) -> dict[str, Any]:
    """一条隐患 (one hazard)"""
    return {"hazard": jsonable(ledger_uc.hazard(runtime, current_actor(), code))}
