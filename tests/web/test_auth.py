"""Signing in, bearer tokens (expiry, revocation), and who am I (failed sign-ins:
test_signin.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows.users import get_user, set_active

from .conftest import PASSWORD, T0, Login, assert_error, sign_in

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"


def test_right_password_gives_a_token_that_opens_the_api(client: FlaskClient) -> None:
    response = client.post(TOKEN, json={"username": "safety", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == "safety"
    assert len(body["token"]) >= 32
    ttl = client.application.config["HAZARDFLOW"].token_ttl_seconds
    assert datetime.fromisoformat(body["expires_at"]) == T0 + timedelta(seconds=ttl)
    me = client.get(ME, headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "safety"


def test_each_sign_in_gives_a_different_token(client: FlaskClient) -> None:
    assert sign_in(client, "safety") != sign_in(client, "safety")


def test_wrong_password_and_unknown_user_get_the_same_401(client: FlaskClient) -> None:
    wrong = assert_error(client.post(TOKEN, json={"username": "safety", "password": "nope1234"}),
                         401, "unauthenticated")
    unknown = assert_error(client.post(TOKEN, json={"username": "nobody",
                                                    "password": PASSWORD}),
                           401, "unauthenticated")
    assert wrong["message"] == unknown["message"]
    assert "token" not in wrong and "token" not in unknown


def test_deactivated_user_cannot_sign_in_and_loses_their_token(
        app: Flask, client: FlaskClient, login: Login) -> None:
    headers = login("rectifier")
    with write_transaction(app.extensions["hazardflow"].db) as conn:
        user = get_user(conn, "rectifier")
        assert user is not None
        set_active(conn, user.id, False)
    assert_error(client.get(ME, headers=headers), 401, "unauthenticated")
    assert_error(client.post(TOKEN, json={"username": "rectifier", "password": PASSWORD}), 401)


BAD_BODIES: list[dict[str, object]] = [
    {"data": "username=safety&password=demo12345",
     "content_type": "application/x-www-form-urlencoded"},
    {"data": "{not json", "content_type": "application/json"},
    {"json": ["safety", PASSWORD]},
    {"json": {"username": "safety"}},
    {"json": {"username": 7, "password": PASSWORD}},
]


def test_a_body_that_is_not_a_json_credentials_object_is_400(client: FlaskClient) -> None:
    for kwargs in BAD_BODIES:
        body = assert_error(client.post(TOKEN, **kwargs), 400, "bad_request")
        assert any(word in body["message"] for word in ("username", "password", "JSON")), \
            (kwargs, body)


BAD_AUTHORIZATION: list[str | None] = [
    None, "", "Bearer", "Bearer ", "Bearer not-a-real-token", "Basic c2FmZXR5OmRlbW8xMjM0NQ==",
    "Token abc",
]


def test_requests_without_a_valid_bearer_token_get_401(client: FlaskClient) -> None:
    for header in BAD_AUTHORIZATION:
        headers = {} if header is None else {"Authorization": header}
        for method, url in (("get", ME), ("get", "/api/v1/hazards"), ("get", "/api/v1/tasks"),
                            ("post", "/api/v1/hazards"), ("get", "/api/v1/definitions"),
                            ("get", "/api/v1/cases/1"), ("post", "/api/v1/tasks/1/claim")):
            assert_error(getattr(client, method)(url, headers=headers), 401, "unauthenticated")


def test_a_token_expires_after_its_lifetime(client: FlaskClient, clock: FixedClock,
                                            login: Login) -> None:
    headers = login("safety")
    ttl = client.application.config["HAZARDFLOW"].token_ttl_seconds
    clock.advance(timedelta(seconds=ttl - 1))
    assert client.get(ME, headers=headers).status_code == 200
    clock.advance(timedelta(seconds=1))
    body = assert_error(client.get(ME, headers=headers), 401, "unauthenticated")
    assert "expired" in body["message"]
    assert sign_in(client, "safety")  # signing in again works


def test_a_revoked_token_is_refused_and_other_tokens_still_work(client: FlaskClient) -> None:
    first, second = sign_in(client, "safety"), sign_in(client, "safety")
    response = client.delete(TOKEN, headers=first)
    assert response.status_code == 204
    assert response.data == b""
    assert_error(client.get(ME, headers=first), 401, "unauthenticated")
    assert_error(client.delete(TOKEN, headers=first), 401, "unauthenticated")
    assert client.get(ME, headers=second).status_code == 200


def test_me_lists_the_users_roles_with_their_units(client: FlaskClient, login: Login) -> None:
    me = client.get(ME, headers=login("safety")).get_json()
    assert me == {"username": "safety", "display_name": "金安区人民医院安全管理员",
                  "admin": False,
                  "roles": [{"role": "safety_officer", "unit": "LA-JA-H01"}]}
    admin = client.get(ME, headers=login("admin")).get_json()
    assert admin["admin"] is True
    assert admin["roles"] == [{"role": "admin", "unit": None}]
    city = client.get(ME, headers=login("city")).get_json()
    assert city["roles"] == [{"role": "city_supervisor", "unit": "LA"}]
