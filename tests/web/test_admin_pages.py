"""The administration pages: users, roles and units changed through forms with CSRF, each
change in the journal page; disabling ends the user's sessions and API tokens."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login
from .pages import Browser

PASSWORD_SHOWN = re.compile(r'id="one-time-password">([^<]+)<')


def user_id(admin: Browser, username: str) -> int:
    html = admin.html(f"/admin/users?q={username}")
    found = re.search(r'href="/admin/users/(\d+)">' + re.escape(username) + "<", html)
    assert found, html[-2000:]
    return int(found.group(1))


def test_only_admins_reach_the_administration_pages(app: Flask) -> None:
    safety = Browser(app, "safety")
    for path in ("/admin/users", "/admin/units", "/admin/journal", "/admin/units/LA"):
        assert safety.get(path).status_code == 403, path
    assert safety.post("/admin/users", {"username": "x", "display_name": "x"}).status_code == 403
    admin = Browser(app, "admin")
    html = admin.html("/admin/users")
    assert "金安区人民医院安全管理员" in html and "safety_officer" not in html.split("<tbody>")[0]
    assert "@LA-JA-H01" in html


def test_search_narrows_the_user_list(app: Flask) -> None:
    html = Browser(app, "admin").html("/admin/users?q=裕安")
    assert "safety2" in html and "rectifier2" in html and ">safety<" not in html


def test_a_new_user_sees_their_one_time_password_once_and_signs_in(app: Flask) -> None:
    admin = Browser(app, "admin")
    response = admin.post("/admin/users", {"username": "wang", "display_name": "王医生",
                                           "role": "rectifier", "unit": "LA-JA-H02"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    found = PASSWORD_SHOWN.search(html)
    assert found and len(found.group(1)) == 12
    assert found.group(1) not in admin.html(f"/admin/users/{user_id(admin, 'wang')}")
    assert Browser(app).sign_in("wang", found.group(1)).status_code == 302
    assert "创建用户" in admin.html("/admin/journal")


def test_a_refused_creation_says_why(app: Flask) -> None:
    admin = Browser(app, "admin")
    response = admin.post("/admin/users", {"username": "li", "display_name": "李",
                                           "role": "city_supervisor", "unit": "LA-JA"},
                          follow_redirects=True)
    assert "can only be held at" in response.get_data(as_text=True)
    assert ">li<" not in admin.html("/admin/users")


def test_disabling_ends_the_users_session_and_api_tokens(app: Flask, client: FlaskClient,
                                                         login: Login) -> None:
    headers = login("rectifier")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    rectifier = Browser(app, "rectifier")
    assert rectifier.get("/inbox").status_code == 200
    admin = Browser(app, "admin")
    target = user_id(admin, "rectifier")
    response = admin.post(f"/admin/users/{target}/active", {"active": "0"},
                          follow_redirects=True)
    assert "账号已停用" in response.get_data(as_text=True)
    assert rectifier.get("/inbox").status_code == 302  # back to the sign-in page
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert Browser(app).sign_in("rectifier").status_code == 401
    admin.post(f"/admin/users/{target}/active", {"active": "1"})
    assert Browser(app).sign_in("rectifier").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # revoked for good


def test_an_admin_cannot_disable_themselves_or_drop_their_admin_role(app: Flask) -> None:
    admin = Browser(app, "admin")
    me = user_id(admin, "admin")
    response = admin.post(f"/admin/users/{me}/active", {"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    response = admin.post(f"/admin/users/{me}/roles/revoke", {"role": "admin", "unit": ""},
                          follow_redirects=True)
    assert "不能撤销自己的系统管理员角色" in response.get_data(as_text=True)
    assert admin.get("/admin/users").status_code == 200  # still an admin, still signed in


def test_reset_password_shows_a_new_one_and_signs_the_user_out(app: Flask) -> None:
    inspector = Browser(app, "inspector")
    admin = Browser(app, "admin")
    response = admin.post(f"/admin/users/{user_id(admin, 'inspector')}/password")
    found = PASSWORD_SHOWN.search(response.get_data(as_text=True))
    assert response.status_code == 200 and found
    assert inspector.get("/inbox").status_code == 302
    assert Browser(app).sign_in("inspector").status_code == 401  # the demo password is gone
    assert Browser(app).sign_in("inspector", found.group(1)).status_code == 302


def test_roles_are_granted_and_revoked_from_the_user_page(app: Flask) -> None:
    admin = Browser(app, "admin")
    target = user_id(admin, "verifier")
    page = f"/admin/users/{target}"
    response = admin.post(f"{page}/roles", {"role": "verifier", "unit": "LA-JA-H02"},
                          follow_redirects=True)
    assert "角色已授予" in response.get_data(as_text=True)
    held = 'name="unit" value="LA-JA-H02"'  # the revoke form of that grant
    assert held in admin.html(page)
    response = admin.post(f"{page}/roles", {"role": "city_leader", "unit": "LA-JA-H02"},
                          follow_redirects=True)
    assert "can only be held at" in response.get_data(as_text=True)
    admin.post(f"{page}/roles/revoke", {"role": "verifier", "unit": "LA-JA-H02"})
    assert held not in admin.html(page)
    journal = admin.html("/admin/journal")
    assert "授予角色" in journal and "撤销角色" in journal
    assert "金安区人民医院验收人" in journal and "user:verifier" not in journal  # by name
    assert "<b>角色</b>：验收人" in journal
    assert "<b>单位</b>：金安区妇幼保健院（LA-JA-H02）" in journal
    assert "LA-JA-H02</span>" not in journal and ">role<" not in journal  # no code alone


def test_units_are_created_renamed_and_deactivated_from_the_tree(app: Flask) -> None:
    admin = Browser(app, "admin")
    admin.post("/admin/units", {"code": "LA-JA-H09", "name": "金安区康复医院",
                                "kind": "institution", "parent": "LA-JA"})
    assert "金安区康复医院" in admin.html("/admin/units")
    admin.post("/admin/units/LA-JA-H09", {"what": "name", "name": "金安区康复中心"})
    admin.post("/admin/units/LA-JA-H09", {"what": "short_name", "short_name": "金安康复"})
    response = admin.post("/admin/units/LA-JA-H09", {"what": "active", "active": "0"},
                          follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "金安区康复中心" in html and "金安康复" in html and "启用单位" in html
    response = admin.post("/admin/units/LA", {"what": "active", "active": "0"},
                          follow_redirects=True)
    assert "根单位" in response.get_data(as_text=True)
    journal = admin.html("/admin/journal")
    for action in ("创建单位", "修改单位名称", "修改单位简称", "停用单位"):
        assert action in journal, action
    assert "金安区康复中心（LA-JA-H09）" in journal and "unit:LA-JA-H09" not in journal
    assert "<b>上级单位</b>：金安区卫生健康委员会（LA-JA）" in journal
    admin.post("/admin/units/LA-JA-H09", {"what": "parent", "parent": "LA-YA"})
    moved = admin.html("/admin/journal")
    assert "调整上级单位" in moved and "<b>随之调整的单位数</b>：1" in moved
    assert "<b>改为</b>：裕安区卫生健康委员会（LA-YA）" in moved
    assert "<b>原为</b>：金安区康复医院" in journal and "<b>改为</b>：金安区康复中心" in journal


def test_a_form_without_its_csrf_token_is_refused(app: Flask) -> None:
    admin = Browser(app, "admin")
    response = admin.client.post("/admin/units", data={"code": "LA-JA-H08", "name": "x",
                                                       "kind": "institution", "parent": "LA-JA"})
    assert response.status_code == 400
    assert "LA-JA-H08" not in admin.html("/admin/units")


def test_a_password_an_admin_reset_must_be_changed_before_anything_else(app: Flask) -> None:
    from datetime import UTC, datetime

    from hazardflow.engine.db import write_transaction
    from hazardflow.workflows import admin as admin_ops
    from hazardflow.workflows.users import get_user

    with write_transaction(app.extensions["hazardflow"].db) as conn:
        admin, safety = get_user(conn, "admin"), get_user(conn, "safety")
        assert admin is not None and safety is not None
        issued = admin_ops.reset_password(conn, admin, safety.id, datetime.now(UTC))
    user = Browser(app)
    assert user.sign_in("safety", issued).status_code == 302
    response = user.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    assert user.post("/account/password", {"current": issued, "new": "mine-12345",
                                           "repeat": "mine-12345"}).status_code == 302
    assert user.get("/inbox").status_code == 200  # free again


def test_an_api_token_waits_until_the_temporary_password_is_changed(app: Flask) -> None:
    from datetime import UTC, datetime

    from hazardflow.engine.db import write_transaction
    from hazardflow.workflows import admin as admin_ops
    from hazardflow.workflows.users import get_user

    with write_transaction(app.extensions["hazardflow"].db) as conn:
        admin, safety = get_user(conn, "admin"), get_user(conn, "safety")
        assert admin is not None and safety is not None
        issued = admin_ops.reset_password(conn, admin, safety.id, datetime.now(UTC))
    client = app.test_client()
    refused = client.post("/api/v1/auth/token", json={"username": "safety", "password": issued})
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "password_change_required"
    user = Browser(app)
    user.sign_in("safety", issued)
    user.post("/account/password", {"current": issued, "new": "mine-12345",
                                    "repeat": "mine-12345"})
    assert client.post("/api/v1/auth/token", json={
        "username": "safety", "password": "mine-12345"}).status_code == 200


def test_every_action_the_journal_page_shows_has_a_name() -> None:
    """The journal page lists the actions of ADMIN_PREFIXES: each one written anywhere in
    workflows/ (read from the source) is named on the page, not shown as its code."""
    from pathlib import Path

    from hazardflow.web.ui.admin import ACTIONS
    from hazardflow.workflows.admin import ADMIN_PREFIXES

    prefixes = "|".join(re.escape(p) for p in ADMIN_PREFIXES)
    written = set()
    for path in (Path(__file__).resolve().parents[2] / "workflows").rglob("*.py"):
        written |= set(re.findall(rf'"((?:{prefixes})[a-z_]+)"', path.read_text("utf-8")))
    assert {"user.created", "role.granted", "unit.moved"} <= written
    not_actions = {"unit.id"}  # a foreign key's target (ForeignKey("unit.id")), not an action
    assert sorted(written - not_actions - set(ACTIONS)) == []


def test_the_system_reads_as_such_unless_a_person_is_called_system(app: Flask) -> None:
    from hazardflow.web.ui.people import person

    with app.test_request_context("/"):
        assert person("system") == "系统"
    response = Browser(app, "admin").post("/admin/users", {
        "username": "system", "display_name": "施思彤", "role": "rectifier",
        "unit": "LA-JA-H02"})
    assert response.status_code == 200
    with app.test_request_context("/"):
        assert person("system") == "施思彤"
