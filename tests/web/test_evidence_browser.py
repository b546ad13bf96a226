"""A form's required photos in a real browser: submitting without one stays on the page and
says which field wants a file, in the reader's language (the sentence comes from the page,
static/app.js only shows it)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .live import LiveServer, WatchedBrowser
from .test_e2e_inbox import sign_in


def _register_without_photos(page: Any, live: LiveServer, lang: str) -> None:
    page.goto(f"{live.url}/hazards/new?lang={lang}")
    page.select_option("#f-unit_code", "LA-JA-H01")
    page.fill("#f-location", "门诊楼")
    page.select_option("#f-category", "fire")
    page.check("input[name=level][value=general]")
    page.fill("#f-description", "通道堆放杂物")
    page.click("#register button.primary")


def test_a_required_photo_is_asked_for_in_the_readers_language(
        browser: WatchedBrowser, live: LiveServer) -> None:
    safety: Any = sign_in(browser, live, "safety")
    _register_without_photos(safety, live, "zh_CN")
    status = safety.locator(".evidence[data-name=photos_before] .upload-status")
    expect(status).to_have_text("整改前照片：请至少上传1个文件")
    assert safety.url.endswith("/hazards/new?lang=zh_CN")

    _register_without_photos(safety, live, "en")
    expect(status).to_have_text("Photo before rectification: upload at least one file")
    assert safety.url.endswith("/hazards/new?lang=en") and safety.errors == []
