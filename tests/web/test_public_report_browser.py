"""A public report end to end in headless Chromium on a phone (390 px): an anonymous person
finds the unit, files with a photo and tracks the report by code and PIN; the county's
triage desk accepts it, the inspector finds it 属实, and the hazard opened from it waits in
the unit's inbox without anything that names or tracks the reporter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .live import LiveServer
from .pages import png_bytes
from .test_e2e_inbox import sign_in, submit

PHONE = {"width": 390, "height": 844}


def open_group_task(page: Any, live: LiveServer, name: str) -> None:
    page.goto(live.url + "/inbox?tab=groups")
    page.get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))


def test_an_anonymous_report_on_a_phone_becomes_a_hazard_the_unit_sees_without_the_reporter(
        browser: Any, live: LiveServer, tmp_path: Path) -> None:
    photo = tmp_path / "现场.png"
    photo.write_bytes(png_bytes("red", (320, 240)))
    public = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    public.goto(live.url + "/report")
    public.fill("#q", "金安区人民")
    public.click(".report-search button")
    public.select_option("#unit_code", "LA-JA-H01")
    public.fill("#place", "门诊楼三层东侧楼梯间")
    public.fill("#description", "安全出口被纸箱堵住，消防门上了锁")
    public.set_input_files("#photos", str(photo))
    public.click(".report-form button.primary")
    code = public.inner_text("#report-code").strip()
    pin = public.inner_text("#report-pin").strip()
    assert code.startswith("JB") and re.fullmatch(r"\d{6}", pin)
    assert public.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    public.goto(live.url + f"/report/track?code={code}")
    public.fill("#pin", pin)
    public.click("form button.primary")
    assert "已受理" in public.inner_text("#report-status")

    desk = sign_in(browser, live, "jubao")
    desk.set_viewport_size(PHONE)
    open_group_task(desk, live, "受理审查")
    desk.check("input[name=accept_result][value=accept]")
    submit(desk)

    inspector = sign_in(browser, live, "inspector")
    inspector.set_viewport_size(PHONE)
    open_group_task(inspector, live, "现场核查")
    inspector.check("input[name=verify_result][value=substantiated]")
    inspector.fill("#f-finding_note", "现场查看属实")
    inspector.select_option("#f-category", "fire")
    inspector.check("input[name=level][value=general]")
    inspector.fill("#f-hazard_description", "三层东侧安全出口堵塞，消防门上锁")
    submit(inspector)

    desk.goto(live.url + "/reports")
    desk.get_by_role("link", name=code).click()
    hazard = re.search(r"YH-\d{4}-\d+", desk.inner_text("#linked-hazard"))
    assert hazard, desk.inner_text("main")

    safety = sign_in(browser, live, "safety")
    safety.set_viewport_size(PHONE)
    safety.goto(live.url + "/inbox?tab=groups")
    tasks = safety.inner_text("#tasks")
    assert hazard.group(0) in tasks and "下达整改通知" in tasks
    safety.get_by_role("link", name=hazard.group(0)).first.click()
    seen = safety.inner_text("main")
    assert "举报投诉" in seen  # the source, and nothing that leads back to the reporter
    assert code not in seen and pin not in seen and "jubao" not in seen
    for page in (public, desk, inspector, safety):
        assert not getattr(page, "errors", []), page.errors
