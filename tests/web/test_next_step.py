"""Who does the next step: the registration confirmation and the case page say it, by
name and role; the inbox opens on the tab that has work."""

from __future__ import annotations

import re

from flask import Flask

from .pages import Browser, png_bytes
from .test_pages_flow import order


def _active_tab(html: str) -> str:
    found = re.search(r'href="[^"]*tab=(\w+)[^"]*" aria-current="page"', html)
    assert found, "no current tab"
    return found.group(1)


def test_registration_and_the_case_page_say_what_happens_next_and_who_holds_it(
        app: Flask) -> None:
    inspector = Browser(app, "inspector")
    photo = inspector.upload(png_bytes("red"), "before.png", "before")
    response = inspector.post("/hazards/new", {
        "unit_code": "LA-JA-H01", "location": "门诊楼", "category": "fire", "level": "general",
        "description": "消防通道堆放杂物", "photos_before": [photo], "source": "inspection"},
        follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    confirmation = re.search(r"隐患已登记.*?下一步：下达整改通知/现场处置（[^<]*）", page, re.S)
    assert confirmation, page[:3000]
    assert "单位安全管理员（金安区人民医院安全管理员）" in confirmation.group(0)
    case_id = int(re.findall(r"/cases/(\d+)", response.request.path)[0])
    assert page.count("下一步：下达整改通知/现场处置") == 2  # the flash and the case page

    order(Browser(app, "safety"), case_id)
    case_page = inspector.html(f"/cases/{case_id}")
    # by role (at its unit) and name: the demo user is called after their post
    assert "下一步：整改（金安区人民医院整改责任人：金安区人民医院整改责任人）" in case_page

    english = inspector.html(f"/cases/{case_id}?lang=en")
    assert "Next: " in english


def test_the_inbox_opens_on_the_tab_that_has_work(app: Flask) -> None:
    safety = Browser(app, "safety")
    assert _active_tab(safety.html("/inbox")) == "mine"  # nothing anywhere: 我的待办
    inspector = Browser(app, "inspector")
    photo = inspector.upload(png_bytes("red"), "before.png", "before")
    assert inspector.post("/hazards/new", {
        "unit_code": "LA-JA-H01", "location": "门诊楼", "category": "fire", "level": "general",
        "description": "堆放杂物", "photos_before": [photo],
        "source": "inspection"}).status_code == 302
    assert _active_tab(safety.html("/inbox")) == "groups"  # only 待认领 has work
    assert _active_tab(safety.html("/inbox?tab=mine")) == "mine"  # asked for: kept
