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
    rt = app.extensions["hazardflow"]
    with write_transaction(rt.db) as conn:  # rectification due soon
        notify_due_tasks(conn, clock.now() + timedelta(days=17), rt.calendar)
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


def record_unannounced_visit(app: Flask) -> dict[str, object]:
    """The city's unannounced visit to 金安区人民医院 failing its first fire item."""
    from hazardflow.workflows import campaigns
    from hazardflow.workflows.usecases import inspections
    from hazardflow.workflows.users import actor_for
    from tests.factories import upload

    rt = app.extensions["hazardflow"]
    with rt.db.connect() as conn:
        items = campaigns.get_checklist(conn, "hospital_fire")["items"]
        city = actor_for(conn, "city")
    results = [{"item": i["position"], "result": "fail" if i["position"] == 1 else "pass",
                "note": "安全出口上锁" if i["position"] == 1 else "",
                "photos": [upload(rt, "city")] if i["position"] == 1 else []} for i in items]
    found: dict[str, object] = inspections.record(
        rt, city, unit_code="LA-JA-H01", kind="unannounced", checklist_code="hospital_fire",
        results=results, location="门诊楼")
    return found


def test_an_unannounced_finding_stays_out_of_the_units_notifications_until_published(
        app: Flask, client: FlaskClient, login: Login, clock: FixedClock) -> None:
    from hazardflow.workflows.inspections import publish_inspection

    report(client, login("inspector"))
    found = record_unannounced_visit(app)
    [hidden] = [r["hazard_code"] for r in found["results"]  # type: ignore[attr-defined]
                if r["result"] == "fail"]
    rt = app.extensions["hazardflow"]
    with write_transaction(rt.db) as conn:  # both triages due soon
        notify_due_tasks(conn, clock.now() + timedelta(hours=20), rt.calendar)
    safety = Browser(app, "safety")
    html = safety.html("/notifications")
    assert hidden not in html and "安全出口上锁" not in html
    assert unread_badge(html) == 2  # as without the visit: its own new and due-soon task
    assert safety.get("/counts").get_json()["unread"] == 2
    assert hidden in Browser(app, "jinan").html("/notifications")  # the county sees it
    with write_transaction(rt.db) as conn:
        publish_inspection(conn, int(str(found["id"])), actor="city", now=clock.now())
    html = safety.html("/notifications")
    assert hidden in html and unread_badge(html) == 4
    assert safety.get("/counts").get_json()["unread"] == 4
