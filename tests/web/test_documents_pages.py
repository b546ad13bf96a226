"""Evidence uploads and downloads, and the numbered documents as PDF, through the pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from werkzeug.test import TestResponse

from hazardflow.engine import FixedClock
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.workflows import documents
from hazardflow.workflows import evidence as ev

from .conftest import Login, make_app
from .pages import Browser, png_bytes
from .support import (
    complete_ok,
    open_task,
    order_form,
    ordered_hazard,
    rectify_form,
    report,
    verify_form,
)


def post_file(browser: Browser, content: bytes, filename: str, csrf: bool = True,
              kind: str = "before") -> TestResponse:
    headers = {"Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = browser.token()
    return browser.client.post("/evidence", data={"file": (io.BytesIO(content), filename),
                                                  "kind": kind},
                               headers=headers, content_type="multipart/form-data")


def pdf_text(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def attach(app: Flask, ref: str, case_id: int, username: str) -> None:
    with app.app_context(), write_transaction(app.extensions["hazardflow"].db) as conn:
        ev.attach(conn, [ref], case_id, username)


def test_uploaded_photo_is_served_with_its_thumbnail(app: Flask) -> None:
    inspector = Browser(app, "inspector")
    response = post_file(inspector, png_bytes(size=(640, 480)), "现场.png")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"].startswith("ev-") and body["content_type"] == "image/png"
    assert (body["filename"], body["url"]) == ("现场.png", f"/evidence/{body['id'][3:]}")
    image = inspector.get(body["url"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image.data == png_bytes(size=(640, 480))
    thumb = inspector.get(body["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.data.startswith(b"\xff\xd8")


def test_text_is_downloaded_as_an_attachment_never_rendered(app: Flask) -> None:
    inspector = Browser(app, "inspector")
    body = post_file(inspector, "整改说明".encode(), "说明.txt", kind="document").get_json()
    assert body["thumb_url"] is None
    response = inspector.get(body["url"])
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_html_named_jpg_is_refused_with_a_chinese_message(app: Flask) -> None:
    response = post_file(Browser(app, "inspector"), b"<html><script>alert(1)</script></html>",
                         "x.jpg")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "unsupported_type" and "不支持的文件类型" in body["message"]


def test_pixel_bomb_is_refused(app: Flask) -> None:
    from tests.workflows.test_evidence import png_header_only

    response = post_file(Browser(app, "inspector"), png_header_only(30_000, 30_000), "b.png")
    assert response.status_code == 422
    assert "图片尺寸过大" in response.get_json()["message"]


def test_upload_without_csrf_token_is_refused(app: Flask) -> None:
    response = post_file(Browser(app, "inspector"), png_bytes(), "a.png", csrf=False)
    assert response.status_code == 400


def test_oversized_uploads_are_refused_with_413(database_url: str, clock: FixedClock,
                                                tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path, max_upload_bytes=2000)
    try:
        inspector = Browser(app, "inspector")
        just_over = post_file(inspector, b"a" * 2001, "a.txt", kind="document")
        assert just_over.status_code == 413
        assert "文件过大" in just_over.get_json()["message"]
        far_over = post_file(inspector, b"a" * 400_000, "a.txt", kind="document")
        assert far_over.status_code == 413
        assert far_over.get_json()["error"] == "too_large"
    finally:
        app.extensions["hazardflow"].db.dispose()


def test_a_user_of_another_county_cannot_fetch_the_evidence(app: Flask, login: Login) -> None:
    client = app.test_client()
    inspector = Browser(app, "inspector")
    ref = post_file(inspector, png_bytes(), "a.png").get_json()["id"]
    url = f"/evidence/{ref[3:]}"
    jinan, yuan = Browser(app, "jinan"), Browser(app, "yuan")
    assert jinan.get(url).status_code == 404  # unattached: the uploader's only
    case = ordered_hazard(client, login)
    attach(app, ref, case["case_id"], "inspector")
    assert jinan.get(url).status_code == 200
    assert Browser(app, "safety").get(url + "/thumb").status_code == 200
    assert yuan.get(url).status_code == 404
    assert yuan.get(url + "/thumb").status_code == 404
    assert Browser(app, "safety2").get(url).status_code == 404


def issue(browser: Browser, case_id: int, kind: str) -> TestResponse:
    """Press 签发/出具 on the case page: a POST with the CSRF token."""
    return browser.post(f"/cases/{case_id}/documents/{kind}")


def self_ordered(client: FlaskClient, login: Login) -> dict[str, Any]:
    """A hazard the hospital's own inspection found and its safety officer ordered."""
    body = report(client, login("safety"), source="self_inspection")
    case_id = body["case"]["id"]
    triage = open_task(client, login("safety"), case_id, "Task_Triage")
    complete_ok(client, login("safety"), triage, order_form())
    return {"code": body["hazard"]["code"], "case_id": case_id,
            "rectify_task": open_task(client, login("rectifier"), case_id, "Task_Rectify")}


UNIT_NOTICE = "金安区人民医院隐改〔2026〕001号"


def test_notice_is_numbered_when_issued_and_reused(app: Flask, login: Login) -> None:
    client = app.test_client()
    case = self_ordered(client, login)
    path = f"/cases/{case['case_id']}/documents/notice.pdf"
    safety = Browser(app, "safety")
    page = safety.html(f"/cases/{case['case_id']}")
    assert f'action="/cases/{case["case_id"]}/documents/notice"' in page
    issued_now = issue(safety, case["case_id"], "notice")
    assert issued_now.status_code == 303
    assert issued_now.headers["Location"].endswith(f"/cases/{case['case_id']}#documents")
    assert UNIT_NOTICE in safety.html(f"/cases/{case['case_id']}")
    first = safety.get(path)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = pdf_text(first.data)
    assert "隐患整改通知单" in text and case["code"] in text and UNIT_NOTICE in text
    assert Browser(app, "rectifier").get(path).status_code == 200  # issued: the unit reads it
    assert Browser(app, "yuan").get(path).status_code == 404
    assert issue(safety, case["case_id"], "notice").status_code == 303  # issued: the same
    assert safety.get(path).data == first.data  # served as issued, byte for byte
    with app.app_context(), read_transaction(app.extensions["hazardflow"].db) as conn:
        issued = documents.documents_for_case(conn, case["case_id"])
    assert [(d.kind, d.number) for d in issued] == [("notice", UNIT_NOTICE)]
    assert safety.get(f"/documents/{issued[0].id}.pdf").status_code == 200
    assert Browser(app, "yuan").get(f"/documents/{issued[0].id}.pdf").status_code == 404
    assert safety.get(f"/cases/{case['case_id']}/documents/other.pdf").status_code == 404


def test_issuing_needs_the_csrf_token_and_an_entitled_user(app: Flask, login: Login) -> None:
    case = self_ordered(app.test_client(), login)
    before = numbers_and_documents(app)
    safety = Browser(app, "safety")
    forged = safety.client.post(f"/cases/{case['case_id']}/documents/notice")
    assert forged.status_code == 400  # no CSRF token: a cross-site form cannot issue
    for name in ("rectifier", "jinan"):  # see the case; may not sign the hospital's notice
        browser = Browser(app, name)
        assert "/documents/notice\"" not in browser.html(f"/cases/{case['case_id']}")
        assert issue(browser, case["case_id"], "notice").status_code == 403
    assert issue(Browser(app, "yuan"), case["case_id"], "notice").status_code == 404
    assert issue(safety, case["case_id"], "other").status_code == 404
    assert numbers_and_documents(app) == before


def test_opinion_waits_for_the_recheck(app: Flask, login: Login) -> None:
    client = app.test_client()
    case = self_ordered(client, login)
    path = f"/cases/{case['case_id']}/documents/opinion.pdf"
    safety = Browser(app, "safety")
    early = issue(safety, case["case_id"], "opinion")
    assert early.status_code == 409 and "尚未复查" in early.get_data(as_text=True)
    assert Browser(app, "rectifier").get(path).status_code == 404  # none yet
    complete_ok(client, login("rectifier"), case["rectify_task"], rectify_form())
    verify = open_task(client, login("verifier"), case["case_id"], "Task_Verify")
    complete_ok(client, login("verifier"), verify, verify_form(passed=True))
    assert issue(safety, case["case_id"], "opinion").status_code == 303
    response = safety.get(path)
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "隐患整改验收单" in text and "金安区人民医院验收〔2026〕001号" in text
    assert case["code"] in text and "已整改到位" in text and "通过" in text


def test_document_list_partial_links_each_issued_document(app: Flask, login: Login) -> None:
    case = self_ordered(app.test_client(), login)
    safety = Browser(app, "safety")
    issue(safety, case["case_id"], "notice")
    assert safety.get(f"/cases/{case['case_id']}/documents/notice.pdf").status_code == 200
    with app.test_request_context(), read_transaction(app.extensions["hazardflow"].db) as conn:
        issued = documents.documents_for_case(conn, case["case_id"])
        html = app.jinja_env.from_string(
            '{% from "documents/_list.html" import document_list %}'
            "{{ document_list(case_id, issued) }}").render(case_id=case["case_id"],
                                                           issued=issued, _=lambda s: s)
    assert f'href="/documents/{issued[0].id}.pdf"' in html and issued[0].number in html
    assert "隐患整改通知单" in html and "2026-11-02" in html
    assert f'/cases/{case["case_id"]}/documents/opinion.pdf' in html


def numbers_and_documents(app: Flask) -> tuple[list[tuple[str, int]], int]:
    """Every counter's value, and how many documents exist."""
    import sqlalchemy as sa

    from hazardflow.workflows.schema import counter
    from hazardflow.workflows.schema_files import document

    with read_transaction(app.extensions["hazardflow"].db) as conn:
        counters = [(r.name, r.value) for r in conn.execute(
            sa.select(counter.c.name, counter.c.value).order_by(counter.c.name))]
        return counters, int(conn.execute(sa.select(sa.func.count())
                                          .select_from(document)).scalar_one())


def test_a_get_issues_nothing_and_takes_no_number(app: Flask, login: Login) -> None:
    case = self_ordered(app.test_client(), login)
    before = numbers_and_documents(app)
    safety = Browser(app, "safety")  # entitled to sign both kinds
    for kind in ("notice", "opinion"):
        response = safety.get(f"/cases/{case['case_id']}/documents/{kind}.pdf")
        assert response.status_code == 404
        assert "尚未" in response.get_data(as_text=True)
    assert numbers_and_documents(app) == before
