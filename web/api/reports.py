"""API v1: the reports of the reporting chain and the annual assessment."""

from __future__ import annotations

from typing import Any

from flask import Response

from hazardflow.workflows.reports import KINDS
from hazardflow.workflows.usecases import campaigns as campaign_uc

from ..extensions import runtime
from ..security import document_response
from . import bp, current_actor, login_required
from .models.common import Object
from .models.reports import AssessmentQuery, ConsolidatedQuery, ReportDetailAnswer
from .serialize import jsonable
from .spec import BINARY, endpoint

TAG = "campaigns"


# the kind is one of KINDS in the rule itself: another segment (``/reports/x/pdf``, a report
# id that is not a number) is no consolidated view but a documented 404
@bp.get(f"/reports/<any({', '.join(KINDS)}):kind>/<period>")
@login_required
@endpoint("get_consolidated_report", TAG, {200: Object}, errors=(404, 422),
          query=ConsolidatedQuery)
def report_consolidated(kind: str, period: str, query: ConsolidatedQuery) -> dict[str, Any]:
    """某期报送给某单位的报表汇总：迟报、未报和合计 (the consolidated view of a period's
    reports made to a body: late, missing and totals)"""
    found: dict[str, Any] = jsonable(campaign_uc.consolidated_report(
        runtime, current_actor(), kind, period, query.under))
    return found


@bp.get("/reports/<int:report_id>")
@login_required
@endpoint("get_report", TAG, {200: ReportDetailAnswer}, errors=(404,))
def report_get(report_id: int) -> dict[str, Any]:
    """一份报表：数据、辖区单位报送情况和本级督查工作、进展、附件、填报人和签发人 (one report:
    its figures, for a county the reports it consolidates and its own supervision work, the
    narrative, attachments, who filled it in and who signed it)"""
    return {"report": jsonable(campaign_uc.report_detail(runtime, current_actor(), report_id))}


@bp.get("/reports/<int:report_id>/pdf")
@login_required
@endpoint("get_report_pdf", TAG, {200: None}, errors=(404,),
          files={200: {"application/pdf": {"schema": BINARY}}})
def report_pdf(report_id: int) -> Response:
    """报表的 PDF，以报送单位名义 (the report as a PDF in its unit's name)"""
    name, data = campaign_uc.report_pdf(runtime, current_actor(), report_id)
    return document_response(data, name)


@bp.get("/assessment/<int:year>")
@login_required
@endpoint("get_assessment", TAG, {200: Object}, errors=(422,), query=AssessmentQuery)
def assessment_get(year: int, query: AssessmentQuery) -> dict[str, Any]:
    """年度考核：排名、得分和每项扣分的规则与明细（隐患、报表、抽查、检查表、单位）(the annual
    assessment: ranking, scores, and every deduction's rule and items)"""
    found: dict[str, Any] = jsonable(campaign_uc.assessment(runtime, current_actor(), year,
                                                            query.scope))
    return found
