"""Notice settings through the API and the pages: one's contacts and channels per kind of
notice (GET/PUT /api/v1/me/notification-preferences, the account page), an admin's defaults
per role and the delivery log; bad input is refused in Chinese and changes nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .pages import Browser

URL = "/api/v1/me/notification-preferences"


def test_a_person_sets_contacts_and_channels_by_the_api(client: FlaskClient,
                                                        login: Login) -> None:
    me = login("safety")
    first = client.get(URL, headers=me).get_json()
    assert first["contacts"] == {"mobile": None, "email": None, "wecom_userid": None}
    assert first["choices"]["task_new"] == ["email", "sms", "wecom"]  # the built-in default
    assert [k["code"] for k in first["kinds"] if k["urgent"]] == ["overdue", "supervision"]
    assert not any(c["configured"] for c in first["channels"])  # nothing configured here
    answer = client.put(URL, headers=me, json={
        "contacts": {"mobile": "13800000001", "email": "safety@example.cn"},
        "choices": {"due_soon": [], "overdue": ["sms", "dingtalk"]}})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["contacts"]["mobile"] == "13800000001"
    assert body["choices"]["due_soon"] == [] and body["choices"]["overdue"] == ["dingtalk", "sms"]
    assert body["choices"]["task_new"] == ["email", "sms", "wecom"]  # not given: unchanged
    refused = assert_error(client.put(URL, headers=me, json={
        "contacts": {"mobile": "12345"}, "choices": {"overdue": ["pigeon"]}}), 422)
    assert {d["field"] for d in refused["details"]} == {"contacts.mobile", "choices.overdue"}
    assert "手机号" in refused["message"] and "渠道" in refused["message"]
    assert client.get(URL, headers=me).get_json() == body  # refused: nothing changed
    assert_error(client.put(URL, headers=me, json={"choices": {"overdue": "sms"}}), 400)
    cleared = client.put(URL, headers=me, json={"contacts": {"mobile": ""}}).get_json()
    assert cleared["contacts"] == {"mobile": None, "email": "safety@example.cn",
                                   "wecom_userid": None}


def test_an_admin_sets_role_defaults_and_reads_the_log_others_may_not(
        client: FlaskClient, login: Login) -> None:
    defaults = "/api/v1/admin/notification-defaults"
    assert_error(client.put(f"{defaults}/rectifier", headers=login("safety"),
                            json={"choices": {"task_new": ["sms"]}}), 403)
    assert_error(client.get("/api/v1/admin/deliveries", headers=login("safety")), 403)
    admin = login("admin")
    assert_error(client.put(f"{defaults}/nobody", headers=admin,
                            json={"choices": {"task_new": ["sms"]}}), 422)
    set_ = client.put(f"{defaults}/rectifier", headers=admin,
                      json={"choices": {"task_new": ["sms"], "overdue": []}})
    assert set_.status_code == 200, set_.get_json()
    assert client.get(defaults, headers=admin).get_json()["items"]["rectifier"]["task_new"] == [
        "sms"]
    rectifier = client.get(URL, headers=login("rectifier")).get_json()
    assert rectifier["choices"]["task_new"] == ["sms"] and rectifier["choices"]["overdue"] == []
    log = client.get("/api/v1/admin/deliveries?status=sent", headers=admin)
    assert log.status_code == 200 and log.get_json() == {"items": [], "total": 0}


def test_the_account_page_saves_notice_settings_and_admins_see_the_log(app: Flask) -> None:
    safety = Browser(app, "safety")
    html = safety.html("/account/password")
    assert "通知设置" in html and 'name="mobile"' in html and "（未配置）" in html
    assert 'value="task_new:sms" aria-label="新待办 短信" checked' in html
    saved = safety.post("/account/notifications", {
        "mobile": "13800000001", "email": "", "wecom_userid": "",
        "choice": ["overdue:sms", "supervision:sms"]})
    assert saved.status_code == 302
    html = safety.html("/account/password")
    assert 'value="13800000001"' in html and "value=\"task_new:sms\" aria-label=\"新待办 短信\" " \
        "checked" not in html and 'value="overdue:sms" aria-label="已超期 短信" checked' in html
    bad = safety.post("/account/notifications", {"mobile": "110", "choice": []})
    assert bad.status_code == 422 and "手机号" in bad.get_data(as_text=True)
    assert safety.get("/admin/notices").status_code == 403
    admin = Browser(app, "admin")
    page = admin.html("/admin/notices?role=rectifier")
    assert "通知发送记录" in page and "角色默认通知渠道" in page
    saved = admin.post("/admin/notices/defaults", {"role": "rectifier",
                                                   "choice": ["task_new:email"]})
    assert saved.status_code == 302
    assert 'value="task_new:email" aria-label="新待办 电子邮件" checked' in admin.html(
        "/admin/notices?role=rectifier")
