"""The notification page: new tasks and due dates show unread first, open the task, and are
marked read one by one or all at once (POST with CSRF); nobody marks another's."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows.notifications import notify_due_tasks

from .conftest import Login
from .pages import Browser
from .support import ordered_hazard, report

OPEN = re.compile(r'action="/notifications/(\d+)/open"')


def unread_badge(html: str) -> int:
    found = re.search(r'id="notice-unread">(\d+)', html)
    return int(found.group(1)) if found else 0


def test_a_new_task_shows_unread_and_opens_its_task(app: Flask, client: FlaskClient,
                                                    login: Login) -> None:
    body = report(client, login("inspector"))
    safety = Browser(app, "safety")
    html = safety.html("/notifications")
    assert unread_badge(html) == 1
    assert "【新待办】下达整改通知/现场处置" in html and body["hazard"]["code"] in html
    [notice] = OPEN.findall(html)
    response = safety.post(f"/notifications/{notice}/open")
    assert response.status_code == 302
    assert re.fullmatch(r"/tasks/\d+", response.headers["Location"])
    assert safety.get(response.headers["Location"]).status_code == 200
    assert unread_badge(safety.html("/notifications")) == 0


def test_unread_come_first_and_mark_all_read(app: Flask, client: FlaskClient, login: Login,
                                             clock: FixedClock) -> None:
    ordered_hazard(client, login)
    clock.advance(timedelta(minutes=5))
    report(client, login("inspector"), location="住院部一楼配电房")
    with write_transaction(app.extensions["hazardflow"].db) as conn:
        notify_due_tasks(conn, clock.now() + timedelta(days=17))  # rectification due soon
    rectifier = Browser(app, "rectifier")
    html = rectifier.html("/notifications")
    assert unread_badge(html) == 2
    assert html.index("【待办即将到期】整改") < html.index("【新待办】整改")
    first = OPEN.findall(html)[0]
    rectifier.post(f"/notifications/{first}/read")
    html = rectifier.html("/notifications")
    assert unread_badge(html) == 1
    assert html.index("【新待办】整改") < html.index("【待办即将到期】整改")  # unread first
    response = rectifier.post("/notifications/read-all", follow_redirects=True)
    assert "已将 1 条通知标记为已读" in response.get_data(as_text=True)
    assert unread_badge(rectifier.html("/notifications")) == 0


def test_scripts_get_the_new_unread_count_as_json(app: Flask, client: FlaskClient,
                                                  login: Login) -> None:
    report(client, login("inspector"))
    report(client, login("inspector"), location="食堂操作间")
    jinan = Browser(app, "jinan")
    [newest, _older] = OPEN.findall(jinan.html("/notifications"))
    response = jinan.client.post(f"/notifications/{newest}/read",
                                 headers={"X-CSRFToken": jinan.token(),
                                          "Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"unread": 1}


def test_nobody_marks_or_opens_another_users_notification(app: Flask, client: FlaskClient,
                                                          login: Login) -> None:
    report(client, login("inspector"))
    safety = Browser(app, "safety")
    [notice] = OPEN.findall(safety.html("/notifications"))
    other = Browser(app, "safety2")
    other.post(f"/notifications/{notice}/read")
    response = other.post(f"/notifications/{notice}/open")
    assert response.headers["Location"] == "/notifications"
    assert unread_badge(safety.html("/notifications")) == 1


def test_marking_read_needs_the_csrf_token(app: Flask, client: FlaskClient,
                                           login: Login) -> None:
    report(client, login("inspector"))
    safety = Browser(app, "safety")
    assert safety.client.post("/notifications/read-all").status_code == 400
    assert unread_badge(safety.html("/notifications")) == 1
