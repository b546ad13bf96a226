"""The hazard ledger (台账): filters, pages, and an Excel export of the current filter."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, flash, render_template, request, url_for
from flask_babel import gettext as _

from hazardflow.workflows.ledger import CATEGORIES, LEVELS, SOURCES, STATUSES, LedgerFilter
from hazardflow.workflows.usecases import ledger as usecase

from ..extensions import runtime
from ..inputs import FIRST_DAY, LAST_DAY
from . import bp, current_actor, login_required

FIELDS = ("unit", "level", "category", "status", "campaign", "q", "from", "to", "overdue")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(value)
        return day
    except ValueError:
        flash(_("日期格式应为 YYYY-MM-DD：%(v)s", v=value), "error")
        return None


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in FIELDS and isinstance(v, str)}


def _filters(args: dict[str, str]) -> LedgerFilter:
    def text(key: str) -> str | None:
        return (args.get(key) or "").strip()[:100] or None
    return LedgerFilter(unit_code=text("unit"), level=text("level"), category=text("category"),
                        status=text("status"), campaign=text("campaign"), text=text("q"),
                        reported_from=_day(text("from")), reported_to=_day(text("to")))


@bp.get("/ledger")
@login_required
def ledger() -> str:
    args = _args()
    try:
        page = max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        page = 1
    view = usecase.ledger_page(runtime, current_actor(), _filters(args), page,
                               overdue=bool(args.get("overdue")))

    def link(**changes: Any) -> str:
        merged = {**args, "page": page, **changes}
        return url_for("ui.ledger") + "?" + urlencode({k: v for k, v in merged.items() if v})

    return render_template("ui/ledger.html", result=view.result, args=args, link=link,
                           units=view.units, unit_names=view.unit_names, campaigns=view.campaigns,
                           today=view.today.isoformat(), categories=CATEGORIES,
                           levels=LEVELS, statuses=STATUSES, sources=SOURCES,
                           export_url=url_for("ui.ledger_export") + "?" + urlencode(args))


@bp.get("/ledger.xlsx")
@login_required
def ledger_export() -> Response:
    args = _args()
    found = usecase.export(runtime, current_actor(), _filters(args),
                           overdue=bool(args.get("overdue")))
    return Response(found.body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"'})
