"""A deadline before today or too far ahead: 422 in Chinese (English beside) naming the
field, on the page and in the API, and the case is as it was (workflows/deadlines.py)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .pages import Browser, open_task_id
from .support import API, case_of, complete, complete_ok, open_task, order_form, report
from .test_pages_flow import TRIAGE, register
from .test_pages_flow import complete as complete_page

PAST = "2026-11-01"  # the day before T0 (2 November 2026) in Lu'an


def test_the_api_answers_422_in_chinese_for_a_deadline_out_of_range(
        client: FlaskClient, login: Login) -> None:
    safety = login("safety")
    case_id = report(client, login("inspector"))["case"]["id"]
    triage = open_task(client, safety, case_id, "Task_Triage")
    for value in (PAST, "0001-01-01", "9999-12-31"):
        body = assert_error(complete(client, safety, triage, order_form(deadline=value)), 422)
        assert [d["field"] for d in body["details"]] == ["deadline"], body
        assert "期限" in body["message"] and "deadline" in body["message"], body
    assert case_of(client, safety, case_id)["revision"] == 1  # nothing changed
    complete_ok(client, safety, triage, order_form())
    # an extension asked for a day already passed is refused the same way
    asked = client.post(f"{API}/monitor/cases/{case_id}/extensions", headers=login("rectifier"),
                        json={"deadline": PAST, "reason": "供货周期长"})
    body = assert_error(asked, 422)
    assert [d["field"] for d in body["details"]] == ["deadline"]
    assert "早于今天" in body["message"], body


def test_the_page_shows_the_refused_deadline_next_to_its_field(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    safety = Browser(app, "safety")
    page = complete_page(safety, case_id, TRIAGE, {
        "disposition": "order", "responsible_user": "rectifier", "deadline": PAST,
        "order_note": "清理杂物"}, status=422)
    field = re.search(r'data-field="deadline".*?</div>', page, re.S)
    assert field and "field-error" in field.group(0), page[:3000]
    assert "期限不得早于今天 2026-11-02" in page
    assert open_task_id(safety.html(f"/cases/{case_id}"), TRIAGE)  # still waiting at triage
