"""Tokens: POST to get one for a username and password, DELETE to revoke it."""

from __future__ import annotations

from typing import Any

from flask import Response, g

from hazardflow.engine.db import write_transaction
from hazardflow.workflows.users import authenticate, must_change_password

from .. import signin, tokens
from ..errors import ApiError, error_response
from ..extensions import runtime
from . import bp, json_body, login_required


@bp.post("/auth/token")
def issue_token() -> tuple[dict[str, Any] | Response, int]:
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(400, "bad_request", "send {\"username\": ..., \"password\": ...}")
    settings = runtime.settings
    guard, address = signin.policy(), signin.client_address()
    wait = guard.wait_seconds(username, address)
    if wait:
        response, status = error_response(
            429, "too_many_requests",
            f"登录失败次数过多，请 {wait} 秒后再试（too many failed sign-ins: try again in "
            f"{wait} s）")
        response.headers["Retry-After"] = str(wait)
        return response, status
    now = runtime.engine.clock.now()
    with write_transaction(runtime.db) as conn:
        user = authenticate(conn, username, password, now)
        if user is None:
            guard.failed(username, address)
            raise ApiError(401, "unauthenticated", "wrong username or password")
        guard.succeeded(username, address)
        if must_change_password(conn, user.id):
            raise ApiError(403, "password_change_required",
                           "an administrator set this password: sign in to the web pages and "
                           "choose your own first")
        token, expires = tokens.issue(conn, user.id, now, settings.token_ttl_seconds)
    return {"token": token, "expires_at": expires.isoformat(), "username": user.username}, 200


@bp.delete("/auth/token")
@login_required
def revoke_token() -> Response:
    with write_transaction(runtime.db) as conn:
        tokens.revoke(conn, g.token, runtime.engine.clock.now())
    return Response(status=204)


@bp.get("/me")
@login_required
def me() -> dict[str, Any]:
    actor = g.actor
    return {"username": actor.id, "display_name": g.user.display_name, "admin": actor.admin,
            "roles": [{"role": r, "unit": u} for r, u in sorted(actor.grants,
                                                                 key=lambda x: (x[0], x[1] or ""))]}
