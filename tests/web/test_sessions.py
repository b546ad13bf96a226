"""Page sessions live on the server: the cookie carries only a session key, signing out ends
it for every copy of the cookie, and a new password, a disabled account or a withdrawn role
ends the user's page sessions and API tokens (an own password change keeps the session
that made it)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.workflows.sessions import digest, user_session

from .conftest import PASSWORD, sign_in
from .pages import Browser

ME = "/api/v1/me"
COOKIE = "session"


def cookie_of(browser: Browser) -> str:
    found = browser.client.get_cookie(COOKIE)
    assert found is not None
    return found.value


def with_cookie(app: Flask, value: str) -> FlaskClient:
    """Another browser holding a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/inbox")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def user_id(admin: Browser, username: str) -> int:
    html = admin.html(f"/admin/users?q={username}")
    found = re.search(r'href="/admin/users/(\d+)">' + re.escape(username) + "<", html)
    assert found, html[-2000:]
    return int(found.group(1))


def test_the_cookie_carries_only_a_session_key_stored_hashed_on_the_server(app: Flask) -> None:
    safety = Browser(app, "safety")
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    content: dict[str, Any] = serializer.loads(cookie_of(safety))
    assert "uid" not in content and "stamp" not in content
    assert set(content) <= {"sid", "csrf", "lang", "_permanent", "_flashes"}
    with app.extensions["hazardflow"].db.connect() as conn:
        stored = conn.execute(sa.select(user_session.c.key_hash, user_session.c.revoked_at,
                                        user_session.c.expires_at)).all()
    assert [(row.key_hash, row.revoked_at) for row in stored] == [(digest(content["sid"]), None)]


def test_a_cookie_copied_before_logout_is_sent_to_the_sign_in_page_after_it(app: Flask) -> None:
    safety = Browser(app, "safety")
    copied = cookie_of(safety)
    assert signed_in(with_cookie(app, copied))
    assert safety.post("/logout").status_code == 302
    response = with_cookie(app, copied).get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not signed_in(safety.client)


def test_a_page_session_ends_after_the_token_lifetime(app: Flask, clock: FixedClock) -> None:
    safety = Browser(app, "safety")
    ttl = app.extensions["hazardflow"].settings.token_ttl_seconds
    clock.advance(timedelta(seconds=ttl - 1))
    assert signed_in(safety.client)
    clock.advance(timedelta(seconds=1))
    assert not signed_in(safety.client)


def test_signing_in_again_ends_the_session_it_replaces(app: Flask) -> None:
    safety = Browser(app, "safety")
    before = cookie_of(safety)
    assert safety.sign_in("safety").status_code == 302
    assert cookie_of(safety) != before
    assert not signed_in(with_cookie(app, before))
    assert signed_in(safety.client)


def test_an_own_password_change_keeps_this_session_and_ends_the_rest(
        app: Flask, client: FlaskClient) -> None:
    laptop, phone = Browser(app, "safety"), Browser(app, "safety")
    headers = sign_in(client, "safety")
    response = laptop.post("/account/password", {"current": PASSWORD, "new": "new-pass-123",
                                                 "repeat": "new-pass-123"})
    assert response.status_code == 302
    assert signed_in(laptop.client)  # the session that changed it goes on
    assert not signed_in(phone.client)
    assert client.get(ME, headers=headers).status_code == 401
    assert Browser(app).sign_in("safety", "new-pass-123").status_code == 302


def test_an_admin_reset_ends_the_users_sessions_and_tokens(app: Flask,
                                                          client: FlaskClient) -> None:
    inspector = Browser(app, "inspector")
    headers = sign_in(client, "inspector")
    admin = Browser(app, "admin")
    assert admin.post(f"/admin/users/{user_id(admin, 'inspector')}/password"
                      ).status_code == 200
    assert not signed_in(inspector.client)
    assert client.get(ME, headers=headers).status_code == 401
    assert signed_in(admin.client)


def test_disabling_ends_the_users_sessions_and_tokens(app: Flask, client: FlaskClient) -> None:
    rectifier = Browser(app, "rectifier")
    copied = cookie_of(rectifier)
    headers = sign_in(client, "rectifier")
    admin = Browser(app, "admin")
    target = user_id(admin, "rectifier")
    admin.post(f"/admin/users/{target}/active", {"active": "0"})
    admin.post(f"/admin/users/{target}/active", {"active": "1"})  # enabled again at once
    assert not signed_in(rectifier.client)
    assert not signed_in(with_cookie(app, copied))
    assert client.get(ME, headers=headers).status_code == 401


def test_withdrawing_a_role_ends_the_users_sessions_and_tokens(app: Flask,
                                                              client: FlaskClient) -> None:
    verifier = Browser(app, "verifier")
    headers = sign_in(client, "verifier")
    admin = Browser(app, "admin")
    target = user_id(admin, "verifier")
    admin.post(f"/admin/users/{target}/roles", {"role": "verifier", "unit": "LA-JA-H02"})
    assert signed_in(verifier.client)  # a grant takes nothing away
    admin.post(f"/admin/users/{target}/roles/revoke", {"role": "verifier", "unit": "LA-JA-H02"})
    assert not signed_in(verifier.client)
    assert client.get(ME, headers=headers).status_code == 401
    assert Browser(app).sign_in("verifier").status_code == 302  # signs in with what is left
