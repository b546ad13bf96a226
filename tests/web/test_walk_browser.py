"""Both hazard paths walked in headless Chromium by the demo's people: the on-site steps
(registration, controls, rectification, verification) on a 390×844 phone, the office steps
(orders, the plan and its review, the application to resume use and its review, the case
page and its 隐患档案) on a 1366×900 desktop; then the county's monitor and dashboard on a
phone. Every page a person decides on shows what the decision rests on, in Chinese, with
people's names, and passes the checks of ``walk.Walker.look``; its screenshot is kept under
$HAZARDFLOW_ARTIFACTS (default build/artifacts/walk/)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .conftest import sign_in as api_sign_in
from .live import LiveServer
from .pages import png_bytes
from .support import ordered_hazard
from .test_e2e_inbox import submit, upload
from .walk import DESKTOP, PHONE, Walker, visible_faults

TRIAGE = "下达整改通知/现场处置"
PLAN = {"plan_goal": "更换安全阀并经检验合格", "plan_methods": "停舱后由厂家更换安全阀",
        "plan_funding": "设备专项经费2万元", "plan_organisation": "设备科牵头，厂家配合",
        "plan_timeline": "两周内完成", "plan_safety": "停用期间患者转诊至市人民医院"}


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    files = {"before": tmp_path / "before.png", "after": tmp_path / "after.png",
             "report": tmp_path / "assessment.png"}
    for path, color in zip(files.values(), ("red", "green", "white"), strict=True):
        path.write_bytes(png_bytes(color, (320, 240)))
    return files


def register(who: Walker, photo: Path, level: str, category: str, location: str,
             description: str, source: str) -> tuple[str, str]:
    """Fill the registration form on the phone; returns the new case's URL and number."""
    page = who.on(PHONE).page
    page.goto(who.live.url + "/hazards/new")
    page.select_option("#f-unit_code", "LA-JA-H01")
    page.fill("#f-location", location)
    page.select_option("#f-category", category)
    page.check(f"input[name=level][value={level}]")
    page.fill("#f-description", description)
    upload(page, "photos_before", photo)
    page.select_option("#f-source", source)
    who.look(f"{level}-1-register", "登记隐患", "整改前照片")
    page.click("#register button.primary")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    code = re.search(r"YH-\d{4}-\d+", page.inner_text("h1"))
    assert code, page.inner_text("h1")
    return str(page.url), code.group(0)


def task(who: Walker, code: str, name: str, viewport: dict[str, int], shot: str,
         *shown: str) -> Any:
    """Open the hazard's task ``name`` from the 待办 list, as a person does; check the page.
    Returns the page."""
    page = who.on(viewport).page
    page.goto(f"{who.live.url}/inbox?q={code}")  # the tab with this hazard's work opens
    page.locator("#tasks").get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    who.look(shot, name, *shown)
    return page


def answer(page: Any, choices: dict[str, str], **texts: str) -> None:
    """Pick the radio ``value`` of each field in ``choices``, type each text into its field."""
    for field, value in choices.items():
        page.check(f"input[name={field}][value={value}]")
    for field, text in texts.items():
        page.fill(f"#f-{field}", text)


def shown_photos(page: Any) -> tuple[int, int]:
    """How many before and after photos the hazard's summary shows."""
    return (page.locator('.compare img[alt="整改前照片"]').count(),
            page.locator('.compare img[alt="整改后照片"]').count())


def closed_case(who: Walker, case_url: str, shot: str, *shown: str) -> str:
    """The case page on the desktop; returns the address of its 隐患档案."""
    page = who.on(DESKTOP).page
    page.goto(case_url)
    page.locator("#diagram svg").first.wait_for()
    who.look(shot, *shown)
    dossier = page.get_by_role("link", name="打印隐患档案").get_attribute("href")
    assert dossier and dossier.endswith("/dossier.pdf"), dossier
    return who.live.url + dossier


def test_the_page_checks_find_english_element_ids_and_logins_and_leave_names() -> None:
    found = visible_faults("处理人：rectifier · 停留在 Task_Rectify · Gateway_Level "
                           "hazard_lifecycle v1 · Save all changes")
    assert [f.split(" ")[0] for f in found] == ["English", "element", "element", "element",
                                                "login"], found
    assert visible_faults("金安区人民医院整改责任人 YH-2026-000001 before.png BPMN 流程图 "
                          "导出 Excel 中文 English") == []


def test_a_general_hazard_walked_by_its_hospital(browser: Any, live: LiveServer,
                                                 photos: dict[str, Path]) -> None:
    problems: list[str] = []
    safety = Walker(browser, live, "safety", problems, PHONE)
    case_url, code = register(safety, photos["before"], "general", "fire",
                              "门诊楼二层东侧消防通道", "消防通道堆放杂物，影响疏散",
                              "self_inspection")

    page = task(safety, code, TRIAGE, DESKTOP, "general-2-order",
                "消防通道堆放杂物，影响疏散", "整改前")
    answer(page, {"disposition": "order"}, responsible_user="rectifier", deadline="2026-11-20",
           order_note="立即清理杂物，保持通道畅通")
    submit(page)

    rectifier = Walker(browser, live, "rectifier", problems, PHONE)
    rectifier.look("general-3-inbox", code, "整改", "金安区人民医院")  # 待办, as signed in
    page = task(rectifier, code, "整改", PHONE, "general-3-rectify",
                "立即清理杂物，保持通道畅通", "2026-11-20", "金安区人民医院安全管理员")
    answer(page, {}, rectification_note="已清理杂物")
    upload(page, "photos_after", photos["after"])
    submit(page)

    verifier = Walker(browser, live, "verifier", problems, PHONE)
    page = task(verifier, code, "验收/复查", PHONE, "general-4-verify",
                "已清理杂物", "整改前", "整改后", "金安区人民医院整改责任人")
    assert shown_photos(page) == (1, 1)
    answer(page, {"verify_result": "failed"}, verify_opinion="未整改到位",
           fail_reason="通道内仍有纸箱")
    submit(page)

    page = task(rectifier, code, "整改", PHONE, "general-5-rectify-again",
                "通道内仍有纸箱", "立即清理杂物，保持通道畅通")
    answer(page, {}, rectification_note="纸箱已全部清走")
    upload(page, "photos_after", photos["after"])
    submit(page)

    page = task(verifier, code, "验收/复查", PHONE, "general-6-verify-again",
                "通道内仍有纸箱", "纸箱已全部清走", "整改前", "整改后")
    assert shown_photos(page) == (1, 1)  # the second round's photo
    answer(page, {"verify_result": "passed"}, verify_opinion="已整改到位")
    submit(page)

    closed_case(safety, case_url, "general-7-case", "已销号", "通道内仍有纸箱", "已整改到位",
                "金安区人民医院验收人")
    assert problems == []


def test_a_major_hazard_walked_by_hospital_and_county(browser: Any, live: LiveServer,
                                                      photos: dict[str, Path]) -> None:
    problems: list[str] = []
    # a general hazard left open, ordered on 2 November for the 20th, for the monitor below
    client = live.app.test_client()
    tokens: dict[str, dict[str, str]] = {}
    ordered_hazard(client, lambda u: tokens.setdefault(u, api_sign_in(client, u)))

    inspector = Walker(browser, live, "inspector", problems, PHONE)
    case_url, code = register(inspector, photos["before"], "major", "medical_gas",
                              "高压氧舱机房", "安全阀超期未校验仍在使用", "inspection")

    jinan = Walker(browser, live, "jinan", problems, DESKTOP)
    page = task(jinan, code, "责令立即整改/停止使用", DESKTOP, "major-2-order",
                "安全阀超期未校验仍在使用", "重大隐患", "整改前")
    answer(page, {"order_measure": "stop_use"},
           order_requirements="立即停用氧舱，撤离人员，设置警戒")
    submit(page)

    principal = Walker(browser, live, "principal", problems, PHONE)
    principal.look("major-3-inbox", code, "管控与停止使用", "重大隐患")
    page = task(principal, code, "管控与停止使用", PHONE, "major-3-controls",
                "立即停用氧舱，撤离人员，设置警戒", "金安区卫健委监管员")
    answer(page, {"shutdown_scope": "partial"}, control_measures="停用氧舱，设置警戒",
           cause="安全阀未按期校验", harm="超压时可能爆炸", difficulty="需厂家上门更换",
           report_summary="已报金安区卫健委")
    for box in ("evacuated", "warning_posted", "monitoring"):
        page.check(f"input[name={box}]")
    submit(page)

    page = task(principal, code, "报告应急管理部门", DESKTOP, "major-4-emergency",
                "停用氧舱，设置警戒")
    answer(page, {}, emergency_reported_on="2026-11-02",
           emergency_department="六安市金安区应急管理局", emergency_reporter="院长",
           emergency_summary="高压氧舱安全阀超期未校验，已停用")
    submit(page)

    page = task(principal, code, "治理方案", DESKTOP, "major-5-plan",
                "停用氧舱，设置警戒", "六安市金安区应急管理局")
    answer(page, {}, **PLAN, responsible_user="principal", deadline="2026-11-20")
    submit(page)

    page = task(jinan, code, "方案审查/挂牌督办", DESKTOP, "major-6-plan-review",
                "停用氧舱，设置警戒", "安全阀未按期校验", "超压时可能爆炸", *PLAN.values())
    answer(page, {"plan_decision": "approved"}, supervision_note="同意方案")
    submit(page)

    page = task(principal, code, "重大隐患整改", PHONE, "major-7-rectify",
                "立即停用氧舱，撤离人员，设置警戒", *PLAN.values())
    answer(page, {}, rectification_note="已更换安全阀并经检验合格")
    upload(page, "photos_after", photos["after"])
    submit(page)

    page = task(principal, code, "评估与恢复使用申请", DESKTOP, "major-8-apply",
                "已更换安全阀并经检验合格")
    answer(page, {"assessment_by": "qualified_agency"}, assessment_agency="安徽省特种设备检测院",
           application_text="评估合格，申请恢复使用高压氧舱")
    upload(page, "assessment_report", photos["report"])
    submit(page)

    page = task(jinan, code, "恢复使用审查", DESKTOP, "major-9-resume-review",
                "安徽省特种设备检测院", "评估合格，申请恢复使用高压氧舱", "assessment.png",
                "已更换安全阀并经检验合格", "整改后")
    answer(page, {"review_result": "passed"}, review_opinion="同意恢复使用，予以核销")
    submit(page)

    dossier = closed_case(jinan, case_url, "major-10-case", "已核销", "同意恢复使用，予以核销",
                          "金安区人民医院院长")
    response = jinan.page.request.get(dossier)  # the 隐患档案, as the link opens it
    assert response.status == 200 and response.body().startswith(b"%PDF"), response.status

    # a month on (signed in again) the open general hazard is overdue: the county's monitor
    live.clock.set(datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    jinan = Walker(browser, live, "jinan", problems, PHONE)
    jinan.page.goto(live.url + "/monitor")
    jinan.look("monitor-stuck", "滞留案件", "任务超期", "金安区人民医院")
    jinan.page.goto(live.url + "/monitor/process")
    jinan.page.locator("#pile-diagram .hf-badge").first.wait_for()
    jinan.look("monitor-process", "流程堆积", "整改")
    jinan.page.goto(live.url + "/monitor/dashboard")
    jinan.page.locator("#unit-ranking tbody tr").first.wait_for()
    jinan.look("monitor-dashboard", "统计看板", "金安区人民医院")
    assert problems == []
