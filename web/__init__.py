"""The thin web layer: the pages (inbox, cases, ledger, designer, monitor, campaigns) and
JSON API v1."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context, redirect, request, send_from_directory, url_for
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from hazardflow.config import ConfigError
from hazardflow.workflows.runtime import Runtime


def create_app(runtime: Runtime, **config: Any) -> Flask:
    """The application factory: the pages and API over ``runtime``, which the shell built
    (``hazardflow.bootstrap.build_runtime``). ``config`` adds Flask settings (``TESTING``)."""
    settings = runtime.settings
    if not settings.secret_key:
        raise ConfigError("no secret key: set HAZARDFLOW_SECRET_KEY or run "
                          "`hazardflow init-db`, which keeps one in the instance folder")
    app = App(__name__, instance_path=settings.instance_path)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # answers carry Chinese as is
    app.json.sort_keys = False  # type: ignore[attr-defined]  # a form's fields in its own order
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        HAZARDFLOW=settings,  # the runtime's settings, for extensions that read them
        # a signed-in page session lasts as long as an API token; the cookie is never sent
        # cross-site or readable by scripts, and only over HTTPS when HTTPS is in front
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.token_ttl_seconds),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        **config,
    )

    from . import errors, i18n, ops, security, signin, ui
    from .api import bp as api_bp
    from .converters import IdConverter
    from .extensions import KEY

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.extensions[KEY] = runtime
    ops.init_app(app)  # first: its request timer wraps every other hook
    errors.init_app(app)
    i18n.init_app(app, runtime.calendar)
    ui.csrf.init_app(app)
    signin.init_app(app)
    security.init_app(app)
    app.register_blueprint(api_bp)
    ui.register(app)

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("ui.inbox"))

    cache_static_forever(app)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        # browsers ask for it on every page whatever the page says: the bundled icon, cached
        return send_from_directory(app.static_folder or "static", "favicon.ico",
                                   mimetype="image/vnd.microsoft.icon", max_age=86400)

    return app


YEAR = 31_536_000  # seconds: a versioned static URL never changes its content


@lru_cache(maxsize=512)
def _content_hash(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def static_version(app: Flask, filename: str) -> str | None:
    """The static file's content hash (12 hex digits), None if there is no such file."""
    path = safe_join(app.static_folder or "static", filename)  # None if it leaves the folder
    if path is None or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    return _content_hash(path, stat.st_mtime_ns, stat.st_size)


def _versioned_request(app: Flask) -> bool:
    """Whether this request is for a static file by its current content hash."""
    if request.endpoint != "static" or not request.view_args or not request.args.get("v"):
        return False
    return request.args["v"] == static_version(app, str(request.view_args["filename"]))


class App(Flask):
    """Flask, with static files by their content hash kept a year by browsers."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        if has_request_context() and _versioned_request(self):
            return YEAR
        return super().get_send_file_max_age(filename)


def cache_static_forever(app: Flask) -> None:
    """Static URLs carry their file's content hash (``/static/app.css?v=…``, added to every
    ``url_for('static', …)``), and a response to the current hash may be kept a year
    (``Cache-Control: public, max-age=31536000, immutable``): a changed file gets a new URL.
    Unversioned or stale URLs keep Flask's answer, ``no-cache`` with an ETag, so browsers
    ask again and get 304 Not Modified while the file is unchanged. Same origin: the
    Content-Security-Policy is untouched."""

    @app.url_defaults
    def _versioned(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = static_version(app, str(values["filename"]))
            if version is not None:
                values["v"] = version

    @app.after_request
    def _immutable(response: Response) -> Response:
        if response.cache_control.max_age == YEAR and _versioned_request(app):
            response.cache_control.immutable = True
        return response
