"""The reports and the assessment pages, on the campaigns blueprint (under /campaigns): the
consolidated view of a period made to a body (the city drills down to a county's units),
one report with its PDF, and the annual assessment with every deduction's items.

Each route parses the request, calls one use-case (``workflows.usecases.campaigns``) and
answers; who may see what is the use-case's question.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from hazardflow.workflows import inspections, reports
from hazardflow.workflows.exports import to_xlsx
from hazardflow.workflows.usecases import campaigns as campaign_uc

from ..downloads import xlsx_response
from ..extensions import runtime
from ..security import document_response
from . import current_actor, login_required
from .campaigns import _page, bp


def _xlsx(export: campaign_uc.Export) -> Response:
    return xlsx_response(to_xlsx([export.sheet, *export.more], runtime.calendar),
                         export.filename)


@bp.get("/reports")
@login_required
def report_list() -> str:
    found = campaign_uc.report_page(runtime, current_actor(),
                                    request.args.get("kind", "monthly"),
                                    request.args.get("period") or None,
                                    request.args.get("under") or None)
    return _page("reports.html", report_kinds=reports.KINDS, **found)


@bp.get("/reports/export.xlsx")
@login_required
def report_export() -> Response:
    return _xlsx(campaign_uc.report_export(runtime, current_actor(),
                                           request.args.get("kind", "monthly"),
                                           request.args.get("period") or None,
                                           request.args.get("under") or None))


@bp.get("/reports/<int:report_id>")
@login_required
def report(report_id: int) -> str:
    return _page("report.html", r=campaign_uc.report_detail(runtime, current_actor(),
                                                            report_id),
                 inspection_kinds=inspections.KINDS)


@bp.get("/reports/<int:report_id>.pdf")
@login_required
def report_pdf(report_id: int) -> Response:
    name, data = campaign_uc.report_pdf(runtime, current_actor(), report_id)
    return document_response(data, name)


@bp.get("/assessment")
@login_required
def assessment_page() -> str:
    return _page("assessment.html",
                 a=campaign_uc.assessment(runtime, current_actor(), request.args.get("year"),
                                          request.args.get("scope") or None))


@bp.get("/assessment/export.xlsx")
@login_required
def assessment_export() -> Response:
    return _xlsx(campaign_uc.assessment_export(runtime, current_actor(),
                                               request.args.get("year"),
                                               request.args.get("scope") or None))
