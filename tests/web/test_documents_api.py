"""The numbered documents through the API: issuing is a POST by an entitled user; reading
(the list, the PDF) never issues."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .support import API, ordered_hazard
from .test_documents_pages import numbers_and_documents


def test_issue_a_notice_list_it_and_read_its_pdf(app: Flask, client: FlaskClient,
                                                 login: Login) -> None:
    case = ordered_hazard(client, login)
    jinan = login("jinan")
    url = f"{API}/cases/{case['case_id']}/documents"
    before = numbers_and_documents(app)
    listed = client.get(url, headers=jinan).get_json()
    assert listed == {"documents": [], "issuable": ["notice", "opinion"]}
    assert numbers_and_documents(app) == before  # reading issues nothing
    first = client.post(f"{url}/notice", headers=jinan)
    assert first.status_code == 201, first.get_json()
    doc = first.get_json()["document"]
    assert (doc["kind"], doc["number"]) == ("notice", "金安卫健整改〔2026〕1号")
    again = client.post(f"{url}/notice", headers=jinan)
    assert again.status_code == 200 and again.get_json()["document"]["id"] == doc["id"]
    safety = login("safety")
    assert [d["id"] for d in client.get(url, headers=safety).get_json()["documents"]] == \
        [doc["id"]]
    pdf = client.get(doc["pdf"], headers=safety)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_who_may_issue_and_when(client: FlaskClient, login: Login) -> None:
    case = ordered_hazard(client, login)
    url = f"{API}/cases/{case['case_id']}/documents"
    assert client.get(url, headers=login("rectifier")).get_json()["issuable"] == []
    assert_error(client.post(f"{url}/notice", headers=login("rectifier")), 403, "forbidden")
    assert_error(client.post(f"{url}/notice", headers=login("yuan")), 404, "not_found")
    assert_error(client.get(url, headers=login("yuan")), 404, "not_found")
    assert_error(client.post(f"{url}/memo", headers=login("jinan")), 404, "not_found")
    body = assert_error(client.post(f"{url}/opinion", headers=login("verifier")), 409)
    assert "尚未复查" in body["message"]
