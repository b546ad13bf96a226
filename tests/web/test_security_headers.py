"""Security headers (web/security.py): every page has the Content-Security-Policy, framing
is refused, referrers stay on the site; no HTTPS redirect, HSTS only behind HTTPS. Every
route that answers a stored file sends anything but a raster image as a sandboxed
attachment; the templates and scripts hold nothing the policy would block."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hazardflow.engine import FixedClock
from hazardflow.web import security

from ..workflows.test_evidence import office_bytes
from .conftest import Login, make_app
from .pages import Browser, png_bytes
from .support import ordered_hazard

WEB = Path(security.__file__).resolve().parent
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def directives(response: TestResponse) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = (p.strip().split(None, 1) for p in policy.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_pages_carry_the_policy_and_the_other_headers(app: Flask) -> None:
    for response in (app.test_client().get("/login"), Browser(app, "safety").get("/inbox")):
        assert response.status_code == 200
        csp = directives(response)
        assert csp == {
            "default-src": "'self'", "script-src": "'self'",
            "style-src": "'self' 'unsafe-inline'", "img-src": "'self' data: blob:",
            "font-src": "'self' data:", "connect-src": "'self'",
            "frame-ancestors": "'none'", "object-src": "'none'", "base-uri": "'self'",
            "form-action": "'self'"}
        assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers


def test_api_answers_and_static_files_carry_them_too(client: FlaskClient) -> None:
    for response in (client.get("/api/v1/me"), client.get("/static/app.js")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert directives(response)["frame-ancestors"] == "'none'"
        response.close()


def test_plain_http_is_never_redirected_and_hsts_comes_only_behind_https(
        database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path, secure_cookies=True)
    try:
        client = app.test_client()
        plain = client.get("/login")
        assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers
        secure = client.get("/login", base_url="https://localhost")
        assert secure.headers["Strict-Transport-Security"] == security.HSTS
    finally:
        app.extensions["hazardflow"].db.dispose()


# -- nothing in the templates or scripts that the policy blocks --------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_templates_have_no_inline_script_or_event_handler() -> None:
    found = []
    for path in sorted((WEB / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            found += [f"{path.relative_to(WEB)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == []


def test_the_patterns_catch_what_they_should() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/app.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="x">{}</script>')
    assert HANDLER.search('<button onclick="x()">') and HANDLER.search("<form onsubmit='y'>")
    assert not HANDLER.search('<button data-confirm="确定？" class="one">')


def test_our_scripts_need_no_eval() -> None:
    pattern = re.compile(r"\beval\(|new Function\(|set(?:Timeout|Interval)\(\s*[\"'`]")
    found = [p.name for p in (WEB / "static").glob("*.js") if pattern.search(p.read_text())]
    assert found == []


# -- every route that answers a stored file ----------------------------------------------

def upload(browser: Browser, content: bytes, filename: str) -> tuple[str, str]:
    """Upload through the pages; the page's URL of the file and the API's (which names the
    file by its ``ev-…`` reference, not by the page's number)."""
    response = browser.client.post(
        "/evidence", data={"file": (io.BytesIO(content), filename), "kind": "document"},
        headers={"Accept": "application/json", "X-CSRFToken": browser.token()},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    url: str = response.get_json()["url"]
    ref: str = response.get_json()["id"]
    return url, f"/api/v1/evidence/{ref}"


def assert_sandboxed(response: TestResponse) -> None:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Security-Policy"] == security.FILE_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def assert_attachment(response: TestResponse, name: str) -> None:
    assert_sandboxed(response)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment"), disposition
    assert name in disposition, disposition


@pytest.mark.parametrize(("content", "filename", "expected"), [
    (PDF, "检测报告.pdf", "filename*=UTF-8''%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf"),
    (office_bytes(DOCX), "整改方案.docx", "filename*=UTF-8''"),
    ("整改说明".encode(), "note.txt", "note.txt"),
], ids=["pdf", "docx", "text"])
def test_evidence_that_is_not_a_raster_image_downloads_sandboxed(
        app: Flask, login: Login, content: bytes, filename: str, expected: str) -> None:
    inspector = Browser(app, "inspector")
    url, api_url = upload(inspector, content, filename)
    assert_attachment(inspector.get(url), expected)
    api = app.test_client().get(api_url, headers=login("inspector"))
    assert_attachment(api, expected)


def test_a_photo_and_its_thumbnail_show_inline_but_sandboxed(app: Flask, login: Login) -> None:
    inspector = Browser(app, "inspector")
    url, api_url = upload(inspector, png_bytes(size=(640, 480)), "现场.png")
    api = app.test_client()
    for response in (inspector.get(url), inspector.get(url + "/thumb"),
                     api.get(api_url, headers=login("inspector")),
                     api.get(api_url + "/thumb", headers=login("inspector"))):
        assert_sandboxed(response)
        assert response.headers["Content-Disposition"].startswith("inline")
        assert response.mimetype in ("image/png", "image/jpeg")


def test_generated_documents_show_inline_and_cannot_be_framed(app: Flask, login: Login) -> None:
    case = ordered_hazard(app.test_client(), login)
    safety = Browser(app, "safety")  # the hospital's safety officer ordered: its notice
    safety.post(f"/cases/{case['case_id']}/documents/notice")  # issue it (签发)
    response = safety.get(f"/cases/{case['case_id']}/documents/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["Content-Security-Policy"] == security.DOCUMENT_CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bpmn_diagrams_download_sandboxed(app: Flask, login: Login) -> None:
    client = app.test_client()
    designer = login("designer")
    deployed = client.get("/api/v1/definitions/hazard_lifecycle/versions/1/xml",
                          headers=designer)
    assert_attachment(deployed, "hazard_lifecycle-v1.bpmn")
    assert deployed.mimetype == "application/xml" and deployed.data.startswith(b"<?xml")
    draft = client.post("/api/v1/designer/drafts", headers=designer,
                        json={"bpmn": deployed.data.decode()})
    assert draft.status_code == 201, draft.get_json()
    draft_id = draft.get_json()["id"]
    assert_attachment(client.get(f"/api/v1/designer/drafts/{draft_id}/export",
                                 headers=designer), ".bpmn")
    page = Browser(app, "designer").get(f"/designer/api/drafts/{draft_id}/export")
    assert_attachment(page, ".bpmn")


def test_download_names_lose_control_characters_and_separators() -> None:
    assert security.safe_filename('a\r\nb"c/d\\e;f.pdf', "x") == "abcdef.pdf"
    assert security.safe_filename("\x00..", "fallback") == "fallback"
    assert security.safe_filename("检测报告.pdf", "x") == "检测报告.pdf"
