"""The legal-texts page (the city's 综合监督科, administrators) and an inspector's 执法证号
on the administrator's pages."""

from __future__ import annotations

import re

from flask import Flask

from hazardflow.engine import FixedClock

from .pages import Browser
from .test_verify import documents_configured


def test_the_city_sees_each_text_awaiting_the_legal_office_and_confirms_it(
        app: Flask, clock: FixedClock) -> None:
    documents_configured(app, clock)
    city = Browser(app, "city")
    page = city.html("/legal-texts")
    assert "第六十五条" in page and "待法制科确认" in page and "行政复议" in page
    assert "金安区卫生健康委员会" in page  # its own appeal sentence
    first = int(re.findall(r'action="/legal-texts/(\d+)/confirm"', page)[0])
    assert city.post(f"/legal-texts/{first}/confirm").status_code == 302
    after = city.html("/legal-texts")
    assert f'action="/legal-texts/{first}/confirm"' not in after and "已确认" in after
    assert re.search(r'<span class="muted">市卫健委综合监督科 \d{4}-', after)  # who, by name
    added = city.post("/legal-texts", {"unit_code": "LA-YA", "part": "appeal", "level": "",
                                       "position": "1", "citation": "行政复议法",
                                       "body": "向六安市裕安区人民政府申请行政复议"})
    assert added.status_code == 302 and "裕安区人民政府" in city.html("/legal-texts")
    refused = city.post("/legal-texts", {"part": "appeal", "citation": "", "body": ""})
    assert refused.status_code == 302 and "法律依据填写有误" in city.html("/legal-texts")
    for name in ("jinan", "safety"):
        assert Browser(app, name).get("/legal-texts").status_code == 403
        assert Browser(app, name).post(f"/legal-texts/{first}/confirm").status_code == 403


def test_an_administrator_sets_an_inspectors_certificate_number(app: Flask) -> None:
    admin = Browser(app, "admin")
    users = admin.html("/admin/users?q=inspector")
    user_id = int(re.findall(r"/admin/users/(\d+)", users)[0])
    assert f"/admin/users/{user_id}/certificate" in admin.html(f"/admin/users/{user_id}")
    saved = admin.post(f"/admin/users/{user_id}/certificate",
                       {"number": "皖卫执（2025）第341502099号"})
    assert saved.status_code == 302
    assert "皖卫执（2025）第341502099号" in admin.html(f"/admin/users/{user_id}/certificate")
    assert Browser(app, "city").get(f"/admin/users/{user_id}/certificate").status_code == 403
