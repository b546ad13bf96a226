"""Hazards: report one (which starts its case), the ledger with filters, one hazard."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from hazardflow.workflows.ledger import LedgerFilter
from hazardflow.workflows.usecases import cases
from hazardflow.workflows.usecases import ledger as ledger_uc

from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, json_body, login_required, page_args
from .serialize import case_result, jsonable


@bp.post("/hazards")
@login_required
def report() -> tuple[dict[str, Any], int]:
    out = cases.report_hazard(runtime, current_actor(), json_body())
    return {"hazard": jsonable(out["hazard"]), "case": case_result(out["case"])}, 201


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be a date (YYYY-MM-DD)",
                       [{"field": name, "message": raw}]) from None


@bp.get("/hazards")
@login_required
def ledger() -> dict[str, Any]:
    page, per_page = page_args()
    args = request.args
    filters = LedgerFilter(
        unit_code=args.get("unit"), county_code=args.get("county"), level=args.get("level"),
        category=args.get("category"), status=args.get("status"),
        campaign=args.get("campaign"), text=args.get("q"),
        reported_from=_date_arg("from"), reported_to=_date_arg("to"),
        overdue_on=_date_arg("overdue_on"))
    result = ledger_uc.hazards(runtime, current_actor(), filters, page, per_page)
    return {"items": [jsonable(r) for r in result.rows], "total": result.total,
            "page": result.page, "per_page": result.per_page, "pages": result.pages}


@bp.get("/hazards/<code>")
@login_required
def hazard(code: str) -> dict[str, Any]:
    return {"hazard": jsonable(ledger_uc.hazard(runtime, current_actor(), code))}
