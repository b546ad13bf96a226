"""Tokens: POST to get one for a username and password, DELETE to revoke it; who am I."""

from __future__ import annotations

from typing import Any

from flask import Response, g

from hazardflow.workflows.usecases import accounts

from .. import signin
from ..errors import ApiError, error_response
from ..extensions import runtime
from . import bp, login_required
from .models.core import Grant, Me, TokenAnswer, TokenRequest
from .spec import endpoint

TAG = "auth"


@bp.post("/auth/token")
@endpoint("issue_token", TAG, {200: TokenAnswer}, errors=(401, 403, 429), json=TokenRequest,
          public=True)
def issue_token(json: TokenRequest) -> dict[str, Any] | tuple[Response, int]:
    """登录：以用户名和密码换取令牌 (sign in: a bearer token for a username and password)"""
    username, password = json.username, json.password
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
        raise ApiError(401, "unauthenticated", "用户名或密码错误 (wrong username or password)")
    guard.succeeded(username, address)
    return {"token": opened.secret, "expires_at": opened.expires_at.isoformat(),
            "username": opened.user.username}


@bp.delete("/auth/token")
@login_required
@endpoint("revoke_token", TAG, {204: None})
def revoke_token() -> Response:
    """注销所用的令牌 (revoke the token used)"""
    accounts.revoke_token(runtime, g.token)
    return Response(status=204)


@bp.get("/me")
@login_required
@endpoint("get_me", TAG, {200: Me})
def me() -> Me:
    """我是谁，我的角色 (who am I, with my roles)"""
    actor = g.actor
    return Me(username=actor.id, display_name=g.user.display_name, admin=actor.admin,
              roles=[Grant(role=r, unit=u)
                     for r, u in sorted(actor.grants, key=lambda x: (x[0], x[1] or ""))])
