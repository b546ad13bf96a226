"""A major hazard through the pages: controls and shutdown, the governance plan, the
county's review (listed supervision), rectification, the application to resume with an
assessment report, and the regulator's review; checkboxes, selects, date pickers and an
evidence field in between."""

from __future__ import annotations

import re

from flask import Flask

from .pages import Browser, open_task_id, png_bytes, revision_of
from .test_pages_flow import complete, register


def test_a_major_hazard_is_closed_through_the_pages(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"), level="major", category="medical_gas",
                       location="高压氧舱机房", description="安全阀超期未校验仍在使用")
    principal, jinan = Browser(app, "principal"), Browser(app, "jinan")
    controls = open_task_id(principal.html(f"/cases/{case_id}"), "管控与停产整改")
    page = principal.html(f"/tasks/{controls}")
    assert 'type="checkbox" name="evacuated"' in page and 'name="shutdown_scope"' in page
    complete(principal, case_id, "管控与停产整改", {
        "control_measures": "停用氧舱，设置警戒", "shutdown_scope": "partial",
        "evacuated": "on", "warning_posted": "on", "cause": "安全阀未校验",
        "harm": "超压爆炸", "difficulty": "需厂家更换", "report_summary": "已报区卫健委"})
    complete(principal, case_id, "治理方案", {
        "plan_goal": "更换安全阀并检验", "plan_methods": "停舱更换", "plan_funding": "2万元",
        "plan_organisation": "设备科", "plan_timeline": "两周", "plan_safety": "停用期间转诊",
        "responsible_user": "principal", "deadline": "2026-11-20"})
    complete(jinan, case_id, "方案审查/挂牌督办", {"listed_supervision": "on",
                                                   "supervision_note": "挂牌督办"})
    complete(principal, case_id, "重大隐患整改", {
        "rectification_note": "已更换并检验", "photos_after": [
            principal.upload(png_bytes("green"), "valve.png", "after")]})
    report = principal.upload(png_bytes("white"), "assessment.png", "document")
    complete(principal, case_id, "评估与复产申请", {
        "assessment_by": "qualified_agency", "assessment_agency": "省特检院",
        "assessment_report": [report], "application_text": "申请复产"})
    complete(jinan, case_id, "复产审查", {"review_result": "passed",
                                          "review_opinion": "同意复产，予以核销"})
    case_page = jinan.html(f"/cases/{case_id}")
    assert "已销号" in case_page
    # the assessment report went with the case: listed on its page, the unit may open it
    assert f'/evidence/{report.removeprefix("ev-")}"' in principal.html(f"/cases/{case_id}")
    assert Browser(app, "safety").get(f"/evidence/{report.removeprefix('ev-')}").status_code == 200
    code = re.search(r"YH-\d{4}-\d+", case_page)
    assert code and "重大隐患" in jinan.html(f"/ledger?q={code.group(0)}")


def test_unchecked_required_boolean_and_missing_select_are_explained(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"), level="major")
    principal = Browser(app, "principal")
    task_id = open_task_id(principal.html(f"/cases/{case_id}"), "管控与停产整改")
    response = principal.post(f"/tasks/{task_id}/complete", {
        "control_measures": "停用",
        "revision": revision_of(principal.html(f"/tasks/{task_id}"))})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = re.search(r'data-field="shutdown_scope".*?</div>', html, re.S)
    assert field and "field-error" in field.group(0)
