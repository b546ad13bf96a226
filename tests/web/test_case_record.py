"""The record a decision rests on (此前的办理记录) on each task page of the major path, the
whole record on the case page, and the 隐患档案 PDF after closing."""

from __future__ import annotations

import io
import re

from flask import Flask
from pypdf import PdfReader

from .pages import Browser, open_task_id, png_bytes
from .test_pages_flow import complete, register

PLAN = {"plan_goal": "更换安全阀并检验", "plan_methods": "停舱更换安全阀",
        "plan_funding": "两万元专款", "plan_organisation": "设备科牵头",
        "plan_timeline": "两周内完成",
        "plan_safety": "停用期间转诊至市人民医院", "responsible_user": "principal",
        "deadline": "2026-11-20"}
CONTROLS = {"control_measures": "停用氧舱，设置警戒线", "shutdown_scope": "partial",
            "evacuated": "on", "warning_posted": "on", "monitoring": "on",
            "cause": "安全阀未校验", "harm": "超压爆炸", "difficulty": "需厂家更换",
            "report_summary": "已报区卫健委"}


def _task_page(browser: Browser, case_id: int, name: str) -> str:
    return browser.html(f"/tasks/{open_task_id(browser.html(f'/cases/{case_id}'), name)}")


def _record(page: str) -> str:
    found = re.search(r'<section class="card" id="record">.*?</section>', page, re.S)
    assert found, "no record on the page"
    return found.group(0)


def _evidence_path(ref: str) -> str:
    return f'/evidence/{ref.removeprefix("ev-")}'


def test_each_decision_shows_the_record_it_rests_on_and_the_dossier_keeps_it(
        app: Flask) -> None:
    inspector = Browser(app, "inspector")
    case_id = register(inspector, level="major", category="medical_gas", location="高压氧舱机房",
                       description="安全阀超期未校验仍在使用")
    principal, jinan = Browser(app, "principal"), Browser(app, "jinan")
    complete(jinan, case_id, "责令立即整改/停止使用", {
        "order_measure": "stop_use", "order_requirements": "立即停用氧舱，撤离人员"})
    complete(principal, case_id, "管控与停止使用", CONTROLS)
    complete(principal, case_id, "报告应急管理部门", {
        "emergency_reported_on": "2026-11-02", "emergency_department": "六安市金安区应急管理局",
        "emergency_reporter": "院长", "emergency_summary": "已停用"})
    complete(principal, case_id, "治理方案", PLAN)

    review = _record(_task_page(jinan, case_id, "方案审查/挂牌督办"))
    assert "此前的办理记录" in review
    for text in ("停用氧舱，设置警戒线", "局部停止使用相关场所", "已撤离人员", "安全阀未校验",
                 *(PLAN[k] for k in PLAN if k.startswith("plan_"))):
        assert text in review, text
    assert "治理的目标和任务" in review and "安全措施和应急预案" in review  # by form titles
    assert "责令立即整改/停止使用" in review  # the regulator's order, the first decision
    assert "principal" not in re.sub(r"<[^>]+>", "", review)  # people by name, not login
    complete(jinan, case_id, "方案审查/挂牌督办", {
        "plan_decision": "approved", "listed_supervision": "on",
        "listing_reason": "涉及患者安全", "supervision_note": "挂牌督办"})

    rectify = _record(_task_page(principal, case_id, "重大隐患整改"))
    assert "立即停用氧舱，撤离人员" in rectify  # the order and its requirements
    assert all(PLAN[k] in rectify for k in PLAN if k.startswith("plan_"))  # the approved plan
    assert "通过" in rectify
    after = principal.upload(png_bytes("green"), "valve.png", "after")
    complete(principal, case_id, "重大隐患整改", {"rectification_note": "已更换安全阀",
                                                  "photos_after": [after]})
    report = principal.upload(png_bytes("white"), "assessment.png", "document")
    complete(principal, case_id, "评估与恢复使用申请", {
        "assessment_by": "qualified_agency", "assessment_agency": "省特检院",
        "assessment_report": [report], "application_text": "申请恢复使用氧舱"})
    complete(jinan, case_id, "恢复使用审查", {"review_result": "failed",
                                              "review_opinion": "检验报告缺页",
                                              "fail_reason": "评估报告缺少安全阀检验页"})
    again = principal.upload(png_bytes("blue"), "valve2.png", "after")
    complete(principal, case_id, "重大隐患整改", {"rectification_note": "补充检验",
                                                  "photos_after": [again]})
    complete(principal, case_id, "评估与恢复使用申请", {
        "assessment_by": "qualified_agency", "assessment_agency": "省特检院",
        "assessment_report": [report], "application_text": "再次申请恢复使用"})

    final = _record(_task_page(jinan, case_id, "恢复使用审查"))
    before = re.search(r'/evidence/(\d+)/thumb', _record(jinan.html(f"/cases/{case_id}")))
    assert before and f"/evidence/{before.group(1)}/thumb" in final  # the before photo
    assert f"{_evidence_path(after)}/thumb" in final and f"{_evidence_path(again)}/thumb" in final
    assert "已更换安全阀" in final and "补充检验" in final  # what was done
    assert "评估报告缺少安全阀检验页" in final  # the earlier failed review, with its reason
    assert _evidence_path(report) in final and "再次申请恢复使用" in final
    complete(jinan, case_id, "恢复使用审查", {"review_result": "passed",
                                              "review_opinion": "同意恢复使用"})

    case_page = jinan.html(f"/cases/{case_id}")
    assert "停用氧舱，设置警戒线" in _record(case_page) and "同意恢复使用" in _record(case_page)
    response = jinan.get(f"/cases/{case_id}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert sum(len(page.images) for page in pages) >= 4  # the photos, embedded
    text = "".join(page.extract_text() for page in pages)
    text = re.sub(r"\s+", "", text)
    for wanted in ("隐患档案", "停用氧舱，设置警戒线", *(PLAN[k] for k in PLAN
                                                   if k.startswith("plan_")),
                   "立即停用氧舱，撤离人员", "已更换安全阀", "评估报告缺少安全阀检验页",
                   "valve.png", "valve2.png", "before.png", "assessment.png", "同意恢复使用"):
        assert wanted in text, wanted
    assert Browser(app, "safety").get(f"/cases/{case_id}/dossier.pdf").status_code == 200
