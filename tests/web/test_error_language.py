"""Errors speak Chinese first, and JSON carries Chinese as is (not as \\u escapes)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from .conftest import Login, assert_error, sign_in
from .support import complete, complete_ok, open_task, order_form, report


def test_werkzeugs_own_errors_are_answered_in_chinese(client: FlaskClient,
                                                      login: Login) -> None:
    missing = assert_error(client.get("/api/v1/no-such-thing", headers=login("safety")), 404)
    assert missing["message"].startswith("找不到")
    wrong = assert_error(client.delete("/api/v1/hazards", headers=login("safety")), 405)
    assert wrong["message"].startswith("不支持")
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "找不到" in page.get_data(as_text=True)
    assert "The requested URL was not found" not in page.get_data(as_text=True)


def test_json_answers_carry_chinese_unescaped(client: FlaskClient, login: Login) -> None:
    response = client.get("/api/v1/no-such-thing", headers=login("safety"))
    assert "找不到".encode() in response.data
    assert b"\\u627e" not in response.data


def test_the_favicon_is_bundled_and_no_page_404s_on_it(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert client.get("/login").status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_the_engines_refusals_and_problems_are_chinese_with_english(
        client: FlaskClient, login: Login) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    safety = login("safety")
    triage = open_task(client, safety, case_id, "Task_Triage")
    complete_ok(client, safety, triage, order_form())
    again = assert_error(complete(client, safety, triage, order_form()), 409)
    assert again["message"] == "该任务已办结 (the task was already completed)"
    checked = client.post("/api/v1/designer/validate", headers=sign_in(client, "designer"),
                          json={"bpmn": "<definitions><process"}).get_json()
    assert checked["ok"] is False and checked["problems"]
    assert all(re.search(r"[\u4e00-\u9fff]", p["message"]) for p in checked["problems"]), \
        checked["problems"]
