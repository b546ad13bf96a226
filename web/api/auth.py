"""Tokens: POST to get one for a username and password, DELETE to revoke it; who am I."""

from __future__ import annotations

from typing import Any

from flask import Response, g

from hazardflow.workflows.usecases import accounts

from .. import signin
from ..errors import ApiError, error_response
from ..extensions import runtime
from . import bp, json_body, login_required


@bp.post("/auth/token")
def issue_token() -> tuple[dict[str, Any] | Response, int]:
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(400, "bad_request", "send {\"username\": ..., \"password\": ...}")
    guard, address = signin.policy(), signin.client_address()
    wait = guard.wait_seconds(username, address)
    if wait:
        response, status = error_response(
            429, "too_many_requests",
            f"登录失败次数过多，请 {wait} 秒后再试（too many failed sign-ins: try again in "
            f"{wait} s）")
        response.headers["Retry-After"] = str(wait)
        return response, status
    try:
        opened = accounts.issue_token(runtime, username, password)
    except accounts.PasswordChangeRequired:
        guard.succeeded(username, address)  # the password was right
        raise
    if opened is None:
        guard.failed(username, address)
        raise ApiError(401, "unauthenticated", "wrong username or password")
    guard.succeeded(username, address)
    return {"token": opened.secret, "expires_at": opened.expires_at.isoformat(),
            "username": opened.user.username}, 200


@bp.delete("/auth/token")
@login_required
def revoke_token() -> Response:
    accounts.revoke_token(runtime, g.token)
    return Response(status=204)


@bp.get("/me")
@login_required
def me() -> dict[str, Any]:
    actor = g.actor
    return {"username": actor.id, "display_name": g.user.display_name, "admin": actor.admin,
            "roles": [{"role": r, "unit": u} for r, u in sorted(actor.grants,
                                                                 key=lambda x: (x[0], x[1] or ""))]}
