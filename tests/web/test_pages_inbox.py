"""The inbox page: tabs with counts, highlighting, filters, saved filters, bulk claim and
assign; and signing in and out."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock

from .conftest import Login
from .pages import Browser, task_links
from .support import ordered_hazard, report


def count(html: str, tab: str) -> int:
    found = re.search(r'data-count="' + tab + r'"[^>]*>(\d+)<', html)
    assert found, f"no count for {tab}"
    return int(found.group(1))


def test_pages_send_a_visitor_to_sign_in_and_back(app: Flask) -> None:
    visitor = Browser(app)
    response = visitor.get("/inbox?tab=groups")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    signed = visitor.client.post("/login", data={
        "username": "safety", "password": "demo12345", "csrf_token": visitor.token(),
        "next": "/inbox?tab=groups"})
    assert signed.headers["Location"] == "/inbox?tab=groups"


def test_sign_in_without_the_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "safety", "password": "demo12345"})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 302  # still signed out


def test_sign_in_never_redirects_to_another_site(app: Flask) -> None:
    visitor = Browser(app)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = visitor.client.post("/login", data={
            "username": "safety", "password": "demo12345", "csrf_token": visitor.token(),
            "next": target})
        assert response.headers["Location"] == "/inbox", target
        visitor.post("/logout")


def test_changing_the_password_signs_out_other_sessions(app: Flask) -> None:
    laptop, phone = Browser(app, "safety"), Browser(app, "safety")
    response = laptop.post("/account/password", {"current": "demo12345", "new": "new-pass-123",
                                                 "repeat": "new-pass-123"})
    assert response.status_code == 302
    assert laptop.get("/inbox").status_code == 200
    assert phone.get("/inbox").status_code == 302  # the other session is gone
    assert Browser(app).sign_in("safety", "new-pass-123").status_code == 302


def test_logout_ends_the_session(app: Flask) -> None:
    safety = Browser(app, "safety")
    assert safety.post("/logout").status_code == 302
    assert safety.get("/inbox").status_code == 302


def test_tabs_count_and_highlight_overdue_and_due_soon(app: Flask, client: FlaskClient,
                                                        login: Login, clock: FixedClock) -> None:
    ordered_hazard(client, login)  # the rectifier's task is due 2026-11-20 (end of day)
    rectifier = Browser(app, "rectifier")
    html = rectifier.html("/inbox")
    assert count(html, "mine") == 1 and count(html, "overdue") == 0
    assert 'class="overdue"' not in html and 'class="due-soon"' not in html

    clock.advance(timedelta(days=16))  # 18 November: two days to go
    rectifier = Browser(app, "rectifier")  # a page session lasts hours, not days
    html = rectifier.html("/inbox")
    assert count(html, "due_soon") == 1 and 'class="due-soon"' in html
    clock.advance(timedelta(days=3))  # 21 November: past the deadline
    rectifier = Browser(app, "rectifier")
    html = rectifier.html("/inbox?tab=overdue")
    assert count(html, "overdue") == 1 and 'class="overdue"' in html
    assert rectifier.get("/counts").get_json()["tabs"]["overdue"] == 1


def test_filters_narrow_the_list_and_its_counts(app: Flask, client: FlaskClient,
                                                login: Login) -> None:
    inspector = login("inspector")
    fire = report(client, inspector, category="fire", location="一号楼")
    report(client, inspector, category="electrical", location="配电房")
    safety = Browser(app, "safety")
    assert count(safety.html("/inbox?tab=groups"), "groups") == 2
    html = safety.html("/inbox?tab=groups&category=fire")
    assert count(html, "groups") == 1 and fire["hazard"]["code"] in html
    html = safety.html("/inbox?tab=groups&q=配电")
    assert count(html, "groups") == 1 and fire["hazard"]["code"] not in html
    assert safety.get("/inbox?q=" + "x" * 200).status_code == 200  # said, not crashed


def test_bulk_claim_takes_every_selected_task(app: Flask, client: FlaskClient,
                                              login: Login) -> None:
    for _ in range(3):
        report(client, login("inspector"))
    safety = Browser(app, "safety")
    ids = task_links(safety.html("/inbox?tab=groups"))
    assert len(ids) == 3
    response = safety.post("/inbox/bulk", {"action": "claim", "task": [str(i) for i in ids]})
    assert response.status_code == 302
    html = safety.html("/inbox")
    assert count(html, "mine") == 3 and count(html, "groups") == 0


def test_bulk_assign_hands_tasks_to_one_person(app: Flask, client: FlaskClient,
                                               login: Login) -> None:
    for _ in range(2):
        report(client, login("inspector"))
    safety = Browser(app, "safety")
    ids = task_links(safety.html("/inbox?tab=groups"))
    safety.post("/inbox/bulk", {"action": "assign", "assignee": "jinan",
                                "task": [str(i) for i in ids]})
    assert count(Browser(app, "jinan").html("/inbox"), "mine") == 2


def test_a_saved_filter_shared_with_a_role_reaches_its_holders(app: Flask) -> None:
    jinan = Browser(app, "jinan")
    response = jinan.post("/inbox/filters", {"name": "本区重大", "tab": "groups",
                                             "level": "major",
                                             "shared_role": "county_supervisor"})
    assert response.status_code == 302
    assert "本区重大" in jinan.html("/inbox")
    assert "tab=groups&amp;level=major" in Browser(app, "yuan").html("/inbox")  # same role
    assert "本区重大" not in Browser(app, "safety").html("/inbox")  # not shared with them


def test_a_filter_cannot_be_shared_with_a_role_one_does_not_hold(app: Flask) -> None:
    safety = Browser(app, "safety")
    safety.post("/inbox/filters", {"name": "全市筛选", "tab": "mine",
                                   "shared_role": "city_supervisor"})
    assert "全市筛选" not in Browser(app, "city").html("/inbox")


def test_the_interface_switches_to_english(app: Flask) -> None:
    safety = Browser(app, "safety")
    assert "待认领" in safety.html("/inbox")
    html = safety.html("/inbox?lang=en")
    assert 'lang="en"' in html


def test_form_redirects_stay_on_the_site(app: Flask) -> None:
    safety = Browser(app, "safety")
    for back in ("//evil.example/", "/\\evil.example", "https://evil.example/"):
        response = safety.post("/inbox/bulk", {"action": "claim", "back": back})
        assert response.headers["Location"] == "/inbox", back
        response = safety.post("/notifications/read-all", {"back": back})
        assert response.headers["Location"] == "/notifications", back


def test_a_units_monthly_report_shows_its_unit_in_the_inbox(app: Flask, client: FlaskClient,
                                                            login: Login) -> None:
    response = client.post("/api/v1/cases", headers=login("city"), json={
        "definition": "monthly_report", "data": {
            "unit_code": "LA-JA-H01", "kind": "monthly", "period": "2026-11",
            "due_on": "2026-11-23"}})
    assert response.status_code == 201, response.get_json()
    html = Browser(app, "safety").html("/inbox?tab=groups")
    row = re.search(r'<tr [^>]*data-task="\d+">.*?</tr>', html, re.S)
    assert row and "金安区人民医院" in row.group(0)


def test_campaigns_are_offered_where_hazards_are_filtered_and_registered(app: Flask) -> None:
    inspector = Browser(app, "inspector")
    for page in ("/inbox", "/ledger"):
        assert '<option value="2026-YDQ"' in inspector.html(page)
    register = inspector.html("/hazards/new")
    assert 'list="suggest-campaign"' in register and 'value="2026-YDQ"' in register


def test_the_session_cookie_is_lax_http_only_and_lasts_a_working_day(app: Flask) -> None:
    visitor = Browser(app)
    response = visitor.client.post("/login", data={
        "username": "safety", "password": "demo12345", "csrf_token": visitor.token()})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600


def test_behind_https_the_session_cookie_is_secure(database_url: str, clock: object,
                                                  tmp_path: object) -> None:
    from .conftest import make_app

    app = make_app(database_url, clock, tmp_path, secure_cookies=True)  # type: ignore[arg-type]
    visitor = Browser(app)
    response = visitor.client.post("/login", data={
        "username": "safety", "password": "demo12345", "csrf_token": visitor.token()},
        base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    app.extensions["hazardflow"].db.dispose()
