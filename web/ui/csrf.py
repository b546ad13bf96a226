"""CSRF protection for the pages: a per-session token, checked on every unsafe request.

Forms carry it as a hidden ``csrf_token`` field (``{{ csrf_field() }}``); scripts send it in
the ``X-CSRFToken`` header (read from ``<meta name="csrf-token">``). The JSON API is not
covered: it authenticates with bearer tokens, which a browser never sends on its own.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session
from markupsafe import Markup, escape

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/static/")


def token() -> str:
    value = session.get("csrf")
    if not isinstance(value, str):
        value = secrets.token_urlsafe(32)
        session["csrf"] = value
    return value


def field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(token()))


def check() -> None:
    if request.method in SAFE_METHODS or request.path.startswith(EXEMPT_PREFIXES):
        return
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token") or ""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")


def init_app(app: Flask) -> None:
    app.before_request(check)
    app.jinja_env.globals["csrf_field"] = field
    app.jinja_env.globals["csrf_token"] = token
