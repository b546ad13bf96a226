"""JSON API v1. Handlers authenticate, parse, call one use-case, answer."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, g, request

from hazardflow.engine import Actor
from hazardflow.workflows.usecases import accounts

from .. import files
from ..errors import ApiError
from ..extensions import runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")

F = TypeVar("F", bound=Callable[..., Any])

MAX_PAGE = 100_000  # pages beyond this overflow the OFFSET of some databases


def _json() -> Any:
    """The JSON body, or None when there is none or it is not JSON."""
    try:
        return request.get_json(silent=True)
    except RecursionError:  # the json module's answer to deeply nested arrays/objects
        raise ApiError(400, "bad_request", "the JSON body is nested too deeply") from None


def _unstorable(value: Any) -> bool:
    """Whether a parsed value holds U+0000 in text or a NaN/Infinity (which Python's JSON
    parser accepts but JSON does not: they would come back out as invalid JSON)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# the endpoints that take a file up to the upload limit
UPLOADS = ("api.upload_evidence", "api.file_public_report", "api.import_hazards")


@bp.before_request
def refuse_unstorable_input() -> None:
    """Text with U+0000 cannot be stored (PostgreSQL refuses it) and NaN/Infinity are not
    JSON: a 400 on every backend, before anything else looks at the request. (An upload's
    body may reach the upload limit, which the pages' upload gets too: raised first.)"""
    if request.endpoint in UPLOADS:
        files.allow_upload_size()
    values: list[Any] = [request.path,
                         *(x for key, args in request.args.lists() for x in (key, *args)),
                         *(f.filename for _, files in request.files.lists() for f in files)]
    if request.is_json:
        values.append(_json())
    if _unstorable(values):
        raise ApiError(400, "bad_request", "the request holds the NUL character (U+0000) "
                                           "or a number that is not finite (NaN, Infinity)")


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthenticated",
                           "send Authorization: Bearer <token> (POST /api/v1/auth/token)")
        identity = accounts.token_identity(runtime, token.strip())
        if identity is None:
            raise ApiError(401, "unauthenticated", "the token is invalid, expired or revoked")
        g.actor = identity.actor
        g.user = identity.user
        g.token = token.strip()
        return view(*args, **kwargs)
    return cast(F, wrapped)


def require_role(*roles: str) -> None:
    actor = current_actor()
    if actor.admin or actor.roles & set(roles):
        return
    raise ApiError(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")


def json_body() -> dict[str, Any]:
    data = _json()
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object "
                                           "(Content-Type: application/json)")
    return data


def page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        raise ApiError(400, "bad_request", "page and per_page must be whole numbers") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 500:
        raise ApiError(400, "bad_request", f"page must be between 1 and {MAX_PAGE} and "
                                           "per_page between 1 and 500")
    return page, per_page


from . import (  # noqa: E402,F401
    admin,
    auth,
    campaigns,
    cases,
    checklists,
    consultations,
    definitions,
    designer,
    documents,
    duty,
    emergency,
    emergency_plans,
    events,
    evidence,
    hazards,
    ledger_import,
    lookback,
    monitor,
    notices,
    public_reports,
    reports,
    spec,
    supervision,
    tasks,
)
