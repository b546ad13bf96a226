"""One report as people read it: the page's facts and the printable PDF in the reporting
unit's name, with its figures, for a county-level body the reports it consolidates and its
own supervision work, the narrative, the attachments, who filled it in and which principal
signed it (统计报表由主要负责人签字, 16号令 第十四条).

The PDF is rendered by WeasyPrint from ``doc_templates/report.html`` (the documents' style
sheet, Noto CJK fonts) and never fetches anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor

from . import evidence, reports
from .calendar import BusinessCalendar
from .document_render import templates
from .inspections import KINDS as INSPECTION_KINDS
from .ledger import CATEGORIES, LEVELS
from .units import get_unit_by_code
from .users import get_user

STATUS = {"submitted": "已报送", "open": "待报送"}


def _person(conn: Connection, username: Any) -> str:
    found = get_user(conn, str(username)) if username else None
    return found.display_name if found else str(username or "")


def detail(conn: Connection, actor: Actor, report_id: int, now: datetime,
           calendar: BusinessCalendar) -> dict[str, Any]:
    """The report the actor may see (NotFound otherwise), with the names people read: the
    body it goes to, who filled it in and signed it, its attachments."""
    row = reports.visible_report(conn, actor, report_id)
    body = get_unit_by_code(conn, row["reports_to"]) if row["reports_to"] else None
    files = evidence.evidence_for_case(conn, row["case_id"]) if row["case_id"] else []
    start, end = reports.window(row["kind"], row["period"])
    return {**row, "reports_to_name": body.name if body else "",
            "filled_by_name": _person(conn, row["submitted_by"]),
            "signed_by_name": _person(conn, row["signed_by"]),
            "attachments": [{"ref": f.ref, "filename": f.filename, "kind": f.kind_name,
                             "size": f.size} for f in files],
            "status_name": STATUS.get(row["status"], row["status"]),
            "missing": row["status"] != "submitted" and not row["backfill"]
            and row["due_on"] < calendar.today(now).isoformat(),
            "window": (start.isoformat(), end.isoformat())}


def filename(found: dict[str, Any]) -> str:
    return f"report-{found['kind']}-{found['period']}-{found['unit_code']}.pdf"


def render_html(found: dict[str, Any], calendar: BusinessCalendar) -> str:
    """The report (:func:`detail`) as the HTML its PDF is made from, times in business time."""
    def when(value: Any) -> str:
        if isinstance(value, datetime):
            return calendar.local(value).strftime("%Y年%m月%d日 %H:%M")
        if isinstance(value, str) and value:
            return calendar.local(datetime.fromisoformat(value)).strftime("%Y年%m月%d日 %H:%M")
        return ""

    return templates().get_template("report.html").render(
        r=found, f=found["figures"], levels=LEVELS, categories=CATEGORIES,
        inspection_kinds=INSPECTION_KINDS, when=when)


def render_pdf(found: dict[str, Any], calendar: BusinessCalendar) -> bytes:
    """The report as an A4 PDF in the unit's name (WeasyPrint)."""
    from weasyprint import HTML  # heavy: imported when a PDF is first asked for

    pdf: bytes = HTML(string=render_html(found, calendar),
                      url_fetcher=_no_fetching).write_pdf()
    return pdf


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"reports do not load resources ({url[:60]})")
