"""Pages name people and units: the demo inspection's page and the demo users' inboxes show
the inspector's name, the body and the campaign by name, the units to filter by by name;
no login (``inspector``, ``safety``, ``jinan``…) and no unit code (``LA-JA-WJ``) is in
their visible text (markup and attribute values, where codes are the values sent, aside).
SQLite only: what is read is the same on both backends."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask

from .pages import Browser, png_bytes
from .walk import LOGIN

UNIT_CODE = re.compile(r"\bLA-[A-Z]{2}(?:-[A-Z0-9]+)?\b")


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style") and self.hidden > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_and_logins(text: str) -> list[str]:
    return [m.group(0) for m in (*LOGIN.finditer(text), *UNIT_CODE.finditer(text))]


def _inspect(app: Flask) -> str:
    """The county's inspector records a supervision visit in the campaign: one item fails
    (its hazard case lands in the hospital's inbox); the inspection page's address."""
    inspector = Browser(app, "inspector")
    form: dict[str, object] = {"checklist": "hospital_fire", "unit_code": "LA-JA-H01",
                               "kind": "supervision", "location": "门诊楼",
                               "campaign_code": "2026-YDQ", "r1": "fail",
                               "note1": "安全出口上锁",
                               "photos1": [inspector.upload(png_bytes("orange"), "exit.png")]}
    for position in range(2, 8):
        form[f"r{position}"] = "pass"
    done = inspector.post("/campaigns/inspections/new?checklist=hospital_fire", form)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    return str(done.headers["Location"])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_inspection_page_and_the_inbox_show_names_not_logins_or_unit_codes(
        app: Flask) -> None:
    page = _inspect(app)
    county = Browser(app, "jinan")
    text = visible(county.html(page))
    assert codes_and_logins(text) == [], text[:800]
    assert "金安区检查员" in text and "金安区卫生健康委员会" in text, text[:800]
    for username in ("jinan", "inspector", "safety", "rectifier", "verifier", "principal"):
        browser = county if username == "jinan" else Browser(app, username)
        for tab in ("mine", "groups", "done"):
            text = visible(browser.html(f"/inbox?tab={tab}"))
            assert codes_and_logins(text) == [], (username, tab, text[:800])
    assert "金安区人民医院" in visible(county.html("/inbox?tab=groups"))


def test_the_check_finds_a_login_and_a_unit_code_in_the_text_not_in_attributes() -> None:
    text = visible('<p title="safety">检查人 inspector，单位 LA-JA-WJ</p>'
                   '<select><option value="LA-JA-H01">金安区人民医院</option></select>'
                   '<script>var u = "jinan";</script>')
    assert codes_and_logins(text) == ["inspector", "LA-JA-WJ"]
