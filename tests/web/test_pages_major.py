"""A major hazard through the pages: the county's order to stop using it, controls, the
report to 应急管理, the governance plan sent back and resubmitted, the county's review
(listed supervision, on the register page), rectification, the application to resume use
with an assessment report, and the regulator's review (已核销, delisted); checkboxes,
selects, date pickers and an evidence field in between."""

from __future__ import annotations

import re

from flask import Flask

from .pages import Browser, open_task_id, png_bytes, revision_of
from .test_pages_flow import complete, register


def test_a_major_hazard_is_closed_through_the_pages(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"), level="major", category="medical_gas",
                       location="高压氧舱机房", description="安全阀超期未校验仍在使用")
    principal, jinan = Browser(app, "principal"), Browser(app, "jinan")
    complete(jinan, case_id, "责令立即整改/停止使用", {
        "order_measure": "stop_use", "order_requirements": "立即停用氧舱，撤离人员，设置警戒"})
    controls = open_task_id(principal.html(f"/cases/{case_id}"), "管控与停止使用")
    page = principal.html(f"/tasks/{controls}")
    assert 'type="checkbox" name="evacuated"' in page and 'name="shutdown_scope"' in page
    assert "立即停用氧舱，撤离人员，设置警戒" in page  # the regulator's order, on the task
    complete(principal, case_id, "管控与停止使用", {
        "control_measures": "停用氧舱，设置警戒", "shutdown_scope": "partial",
        "evacuated": "on", "warning_posted": "on", "monitoring": "on", "cause": "安全阀未校验",
        "harm": "超压爆炸", "difficulty": "需厂家更换", "report_summary": "已报区卫健委"})
    complete(principal, case_id, "报告应急管理部门", {
        "emergency_reported_on": "2026-11-02", "emergency_department": "六安市金安区应急管理局",
        "emergency_reporter": "院长", "emergency_summary": "高压氧舱安全阀超期未校验，已停用"})
    plan = {"plan_goal": "更换安全阀并检验", "plan_methods": "停舱更换", "plan_funding": "2万元",
            "plan_organisation": "设备科", "plan_timeline": "两周", "plan_safety": "停用期间转诊",
            "responsible_user": "principal", "deadline": "2026-11-20"}
    complete(principal, case_id, "治理方案", plan)
    complete(jinan, case_id, "方案审查/挂牌督办", {"plan_decision": "returned",
                                                   "return_reason": "未写明转诊的接收医院"})
    plan_task = open_task_id(principal.html(f"/cases/{case_id}"), "治理方案")
    assert "未写明转诊的接收医院" in principal.html(f"/tasks/{plan_task}")  # why it came back
    complete(principal, case_id, "治理方案", {**plan, "plan_safety": "停用期间转诊至市人民医院"})
    complete(jinan, case_id, "方案审查/挂牌督办", {
        "plan_decision": "approved", "listed_supervision": "on",
        "listing_reason": "高压氧舱涉及患者安全", "supervision_note": "挂牌督办"})
    register_page = jinan.html("/supervision?listed=1")
    assert "高压氧舱涉及患者安全" in register_page and "督办中" in register_page
    complete(principal, case_id, "重大隐患整改", {
        "rectification_note": "已更换并检验", "photos_after": [
            principal.upload(png_bytes("green"), "valve.png", "after")]})
    report = principal.upload(png_bytes("white"), "assessment.png", "document")
    complete(principal, case_id, "评估与恢复使用申请", {
        "assessment_by": "qualified_agency", "assessment_agency": "省特检院",
        "assessment_report": [report], "application_text": "申请复产"})
    complete(jinan, case_id, "恢复使用审查", {"review_result": "passed",
                                              "review_opinion": "同意恢复使用，予以核销"})
    case_page = jinan.html(f"/cases/{case_id}")
    assert "已核销" in case_page and "已销号" not in case_page
    assert "同意恢复使用，予以核销" in jinan.html("/supervision")  # delisted, with why
    assert "督办中" not in jinan.html("/supervision")
    assert Browser(app, "principal").get("/supervision").status_code == 403
    # the assessment report went with the case: listed on its page, the unit may open it
    assert f'/evidence/{report.removeprefix("ev-")}"' in principal.html(f"/cases/{case_id}")
    assert Browser(app, "safety").get(f"/evidence/{report.removeprefix('ev-')}").status_code == 200
    code = re.search(r"YH-\d{4}-\d+", case_page)
    assert code
    ledger = jinan.html(f"/ledger?q={code.group(0)}")
    assert "重大隐患" in ledger and "已核销" in ledger


def test_unchecked_required_boolean_and_missing_select_are_explained(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"), level="major")
    complete(Browser(app, "jinan"), case_id, "责令立即整改/停止使用", {
        "order_measure": "rectify_now", "order_requirements": "立即整改"})
    principal = Browser(app, "principal")
    task_id = open_task_id(principal.html(f"/cases/{case_id}"), "管控与停止使用")
    response = principal.post(f"/tasks/{task_id}/complete", {
        "control_measures": "停用",
        "revision": revision_of(principal.html(f"/tasks/{task_id}"))})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = re.search(r'data-field="shutdown_scope".*?</div>', html, re.S)
    assert field and "field-error" in field.group(0)
