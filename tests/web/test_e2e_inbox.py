"""The inspector's day end to end in headless Chromium: report with a photo, order,
rectify, the inspector's re-check fails, rectify, the re-check passes, closed in the ledger;
and another county is kept out.

Screenshots of the inbox and the case page are saved under test-artifacts/ (or
$HAZARDFLOW_ARTIFACTS) as evidence of what the pages look like.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .live import LiveServer
from .pages import png_bytes

ARTIFACTS = Path(os.environ.get("HAZARDFLOW_ARTIFACTS", "test-artifacts"))
RECHECK = "监管部门复查"  # Task_Recheck: the county re-checks what its inspector found


def sign_in(browser: Any, live: LiveServer, username: str) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(live.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo12345")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox.*"))
    return page


def open_task(page: Any, live: LiveServer, case_url: str, name: str) -> None:
    page.goto(case_url)
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))


def submit(page: Any) -> None:
    page.click("#task-form button.primary")
    page.wait_for_url(re.compile(r".*/inbox.*"))


def upload(page: Any, field: str, path: Path) -> None:
    box = page.locator(f'.evidence[data-name="{field}"]')
    before = box.locator("figure").count()
    box.locator("input[type=file]").set_input_files(str(path))
    box.locator("figure").nth(before).locator("img").wait_for()


def test_inspector_to_closed_in_the_browser(browser: Any, live: LiveServer,
                                            tmp_path: Path) -> None:
    before, after = tmp_path / "before.png", tmp_path / "after.png"
    before.write_bytes(png_bytes("red", (320, 240)))
    after.write_bytes(png_bytes("green", (320, 240)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # 1. the inspector reports a hazard with a photo, on a phone-sized screen
    inspector = sign_in(browser, live, "inspector")
    inspector.set_viewport_size({"width": 390, "height": 844})
    inspector.goto(live.url + "/hazards/new")
    inspector.select_option("#f-unit_code", "LA-JA-H01")
    inspector.fill("#f-location", "门诊楼二层东侧消防通道")
    inspector.select_option("#f-category", "fire")
    inspector.check("input[name=level][value=general]")
    inspector.fill("#f-description", "消防通道堆放杂物，影响疏散")
    upload(inspector, "photos_before", before)
    inspector.select_option("#f-source", "inspection")
    inspector.click("#register button.primary")
    inspector.wait_for_url(re.compile(r".*/cases/\d+$"))
    case_url = inspector.url
    code = re.search(r"YH-\d{4}-\d+", inspector.inner_text("h1"))
    assert code, inspector.inner_text("h1")

    # 2. the safety officer orders rectification with a deadline
    safety = sign_in(browser, live, "safety")
    safety.goto(live.url + "/inbox?tab=groups")
    assert code.group(0) in safety.inner_text("#tasks")
    open_task(safety, live, case_url, "下达整改通知/现场处置")
    safety.check("input[name=disposition][value=order]")
    safety.fill("#f-responsible_user", "rectifier")
    safety.fill("#f-deadline", "2026-11-20")
    safety.fill("#f-order_note", "立即清理杂物，保持通道畅通")
    submit(safety)

    # 3. the rectifier uploads an after-photo and completes
    rectifier = sign_in(browser, live, "rectifier")
    assert code.group(0) in rectifier.inner_text("#tasks")
    rectifier.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)
    open_task(rectifier, live, case_url, "整改")
    rectifier.fill("#f-rectification_note", "已清理杂物")
    upload(rectifier, "photos_after", after)
    submit(rectifier)

    # 4. the county found it, so the county re-checks it (监管部门复查), not the hospital's
    #    verifier: the inspector fails it with a reason
    open_task(inspector, live, case_url, RECHECK)
    inspector.check("input[name=verify_result][value=failed]")
    inspector.fill("#f-verify_opinion", "未整改到位")
    inspector.fill("#f-fail_reason", "通道内仍有纸箱")
    submit(inspector)

    # 5. the rectifier completes again and the inspector passes it
    open_task(rectifier, live, case_url, "整改")
    assert "通道内仍有纸箱" in rectifier.inner_text("main")
    rectifier.fill("#f-rectification_note", "纸箱已全部清走")
    upload(rectifier, "photos_after", after)
    submit(rectifier)
    open_task(inspector, live, case_url, RECHECK)
    inspector.check("input[name=verify_result][value=passed]")
    inspector.fill("#f-verify_opinion", "已整改到位")
    submit(inspector)

    # 6. the ledger shows the hazard closed
    safety.goto(live.url + "/ledger?q=" + code.group(0))
    row = safety.locator(f'tr[data-code="{code.group(0)}"] td.status')
    assert "已销号" in row.inner_text()

    safety.goto(case_url)
    safety.locator("#diagram svg").first.wait_for()
    safety.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)
    history = safety.inner_text("#history")
    assert history.count(RECHECK) >= 2 and "verifier" not in history

    # a user of another county cannot open the case by its URL
    yuan = sign_in(browser, live, "yuan")
    response = yuan.goto(case_url)
    assert response is not None and response.status == 404
    assert code.group(0) not in yuan.content()

    for page in (inspector, safety, rectifier, yuan):
        assert page.errors == [], page.errors
