"""/verify/<code>: a printed document checked at the door, without signing in. It shows
what the issued document says and nothing more; an unknown code is a Chinese 404."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows.demo_documents import CERTIFICATES, seed_document_demo

from .conftest import Login, make_app
from .support import API, complete_ok, open_task, report
from .support import order_form as order

CODE = re.compile(r"验证码：([A-Za-z0-9_-]+)")


def documents_configured(app: Flask, clock: FixedClock) -> None:
    with write_transaction(app.extensions["hazardflow"].db) as conn:
        seed_document_demo(conn, clock.now())


def county_directive(app: Flask, client: FlaskClient, login: Login,
                     clock: FixedClock) -> dict[str, Any]:
    """金安区's inspector finds a hazard, its supervisor orders and signs the directive;
    returns the API's document, the PDF, its text and the code printed on it."""
    documents_configured(app, clock)
    body = report(client, login("inspector"), source="inspection")
    case_id = body["case"]["id"]
    triage = open_task(client, login("jinan"), case_id, "Task_Triage")
    complete_ok(client, login("jinan"), triage, order())
    issued = client.post(f"{API}/cases/{case_id}/documents/notice", headers=login("jinan"))
    assert issued.status_code == 201, issued.get_json()
    doc = issued.get_json()["document"]
    pdf = client.get(doc["pdf"], headers=login("jinan")).data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    found = CODE.search(text.replace("\n", ""))
    assert found, text
    return {"doc": doc, "pdf": pdf, "text": "".join(text.split()), "code": found.group(1),
            "hazard": body["hazard"]["code"], "case_id": case_id}


def test_verify_shows_the_issued_document_and_nothing_more(app: Flask, login: Login,
                                                           clock: FixedClock) -> None:
    client = app.test_client()
    issued = county_directive(app, client, login, clock)
    doc, code = issued["doc"], issued["code"]
    assert f"http://localhost/verify/{code}" in issued["text"]  # the request's host
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{code}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    digest = hashlib.sha256(issued["pdf"]).hexdigest()
    assert doc["pdf_sha256"] == digest
    for shown in ("金安区卫生健康委员会", "责令限期整改指令书", doc["number"], "2026年11月2日",
                  "金安区人民医院", "2026年11月20日", issued["hazard"], "消防通道堆放杂物",
                  digest[:16]):
        assert shown in html, shown
    for hidden in ("金安区检查员", "金安区卫健委监管员", "整改责任人", "rectifier", "jinan",
                   CERTIFICATES["inspector"], "清理杂物", digest[16:32],
                   f"/cases/{issued['case_id']}", "退出"):
        assert hidden not in html, hidden


def test_an_unguessable_code_and_an_unknown_one_is_404(app: Flask, login: Login,
                                                       clock: FixedClock) -> None:
    client = app.test_client()
    first = county_directive(app, client, login, clock)["code"]
    second = county_directive(app, client, login, clock)["code"]
    assert first != second
    for code in (first, second):  # 24 URL-safe characters: 144 random bits
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", code)
    anonymous = app.test_client()
    for wrong in (first[:-1] + ("A" if first[-1] != "A" else "B"), "1", "x" * 65, "金安"):
        page = anonymous.get(f"/verify/{wrong}")
        assert page.status_code == 404, wrong
        assert "没有与此验证码对应的文书" in page.get_data(as_text=True)


def test_verifying_is_rate_limited_per_address(database_url: str, clock: FixedClock,
                                              tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path, verify_per_address_minute=3)
    try:
        anonymous = app.test_client()
        answers = [anonymous.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA").status_code
                   for _ in range(4)]
        assert answers == [404, 404, 404, 429]
        limited = anonymous.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA")
        assert int(limited.headers["Retry-After"]) >= 1
        assert "核验过于频繁" in limited.get_data(as_text=True)
        other = anonymous.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA",
                              environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 404  # another address is not slowed
    finally:
        app.extensions["hazardflow"].close()


def test_the_qr_code_points_at_the_public_url_when_one_is_set(
        database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path, public_url="https://yh.example.gov.cn/")
    try:
        client = app.test_client()
        tokens: dict[str, dict[str, str]] = {}

        def login(username: str) -> dict[str, str]:
            from .conftest import sign_in
            return tokens.setdefault(username, sign_in(client, username))

        issued = county_directive(app, client, login, clock)
        assert f"https://yh.example.gov.cn/verify/{issued['code']}" in issued["text"]
    finally:
        app.extensions["hazardflow"].close()
