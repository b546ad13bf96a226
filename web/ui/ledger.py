"""The hazard ledger (台账): filters, pages, and an Excel export of the current filter."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, flash, render_template, request, url_for
from flask_babel import gettext as _

from hazardflow.engine.db import read_transaction
from hazardflow.workflows import campaigns
from hazardflow.workflows.cases import units_in_scope
from hazardflow.workflows.ledger import (
    CATEGORIES,
    LEVELS,
    SOURCES,
    STATUSES,
    LedgerFilter,
    list_hazards,
)

from ..extensions import runtime
from . import bp, current_actor, login_required

MAX_EXPORT = 50_000
FIELDS = ("unit", "level", "category", "status", "campaign", "q", "from", "to", "overdue")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        flash(_("日期格式应为 YYYY-MM-DD：%(v)s", v=value), "error")
        return None


def _filters(args: dict[str, str], today: date) -> LedgerFilter:
    def text(key: str) -> str | None:
        return (args.get(key) or "").strip()[:100] or None
    return LedgerFilter(unit_code=text("unit"), level=text("level"), category=text("category"),
                        status=text("status"), campaign=text("campaign"), text=text("q"),
                        reported_from=_day(text("from")), reported_to=_day(text("to")),
                        overdue_on=today if args.get("overdue") else None)


def _today() -> date:
    from zoneinfo import ZoneInfo

    return runtime.engine.clock.now().astimezone(
        ZoneInfo(runtime.settings.business_tz)).date()


@bp.get("/ledger")
@login_required
def ledger() -> str:
    args = {k: v for k, v in request.args.items() if k in FIELDS and isinstance(v, str)}
    today = _today()
    try:
        page = max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        page = 1
    actor = current_actor()
    with read_transaction(runtime.db) as conn:
        result = list_hazards(conn, actor, _filters(args, today), page, 50)
        units = sorted(units_in_scope(conn, actor))
        campaign_list = campaigns.list_campaigns(conn)

    def link(**changes: Any) -> str:
        merged = {**args, "page": page, **changes}
        return url_for("ui.ledger") + "?" + urlencode({k: v for k, v in merged.items() if v})

    return render_template("ui/ledger.html", result=result, args=args, link=link,
                           units=units, campaigns=campaign_list, today=today.isoformat(),
                           categories=CATEGORIES,
                           levels=LEVELS, statuses=STATUSES, sources=SOURCES,
                           export_url=url_for("ui.ledger_export") + "?" + urlencode(args))


@bp.get("/ledger.xlsx")
@login_required
def ledger_export() -> Response:
    from hazardflow.workflows import exports

    args = {k: v for k, v in request.args.items() if k in FIELDS and isinstance(v, str)}
    today = _today()
    with read_transaction(runtime.db) as conn:
        result = list_hazards(conn, current_actor(), _filters(args, today), 1, MAX_EXPORT,
                              max_per_page=MAX_EXPORT)
    body = exports.to_xlsx([exports.ledger_sheet(result.rows, today=today)])
    name = f"hazard-ledger-{today.isoformat()}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
