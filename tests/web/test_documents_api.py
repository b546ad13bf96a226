"""The numbered documents through the API: issuing is a POST by someone entitled to sign for
the body that ordered; reading (the list, the PDF) never issues."""

from __future__ import annotations

import hashlib

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .support import API
from .test_documents_pages import UNIT_NOTICE, numbers_and_documents, self_ordered


def test_issue_a_notice_list_it_and_read_its_pdf(app: Flask, client: FlaskClient,
                                                 login: Login) -> None:
    case = self_ordered(client, login)
    safety = login("safety")
    url = f"{API}/cases/{case['case_id']}/documents"
    before = numbers_and_documents(app)
    listed = client.get(url, headers=safety).get_json()
    assert listed == {"documents": [], "issuable": ["notice"]}  # no re-check yet
    assert numbers_and_documents(app) == before  # reading issues nothing
    first = client.post(f"{url}/notice", headers=safety)
    assert first.status_code == 201, first.get_json()
    doc = first.get_json()["document"]
    assert (doc["kind"], doc["form"], doc["number"], doc["dated_on"]) == (
        "notice", "unit_notice", UNIT_NOTICE, "2026-11-02")
    again = client.post(f"{url}/notice", headers=safety)
    assert again.status_code == 200 and again.get_json()["document"]["id"] == doc["id"]
    assert client.get(url, headers=safety).get_json()["issuable"] == []
    rectifier = login("rectifier")
    assert [d["id"] for d in client.get(url, headers=rectifier).get_json()["documents"]] == \
        [doc["id"]]
    pdf = client.get(doc["pdf"], headers=rectifier)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == doc["pdf_sha256"]


def test_who_may_issue_and_when(client: FlaskClient, login: Login) -> None:
    case = self_ordered(client, login)
    url = f"{API}/cases/{case['case_id']}/documents"
    for name in ("rectifier", "jinan"):  # the county did not order: not its to sign
        assert client.get(url, headers=login(name)).get_json()["issuable"] == []
        assert_error(client.post(f"{url}/notice", headers=login(name)), 403, "forbidden")
    assert_error(client.post(f"{url}/notice", headers=login("yuan")), 404, "not_found")
    assert_error(client.get(url, headers=login("yuan")), 404, "not_found")
    assert_error(client.post(f"{url}/memo", headers=login("safety")), 404, "not_found")
    body = assert_error(client.post(f"{url}/opinion", headers=login("safety")), 409)
    assert "尚未复查" in body["message"]
