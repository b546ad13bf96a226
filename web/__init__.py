"""The thin web layer: the pages (inbox, cases, ledger, designer, monitor, campaigns) and
JSON API v1."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, redirect, send_from_directory, url_for
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
    app = Flask(__name__, instance_path=settings.instance_path)
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

    @app.get("/favicon.ico")
    def favicon() -> Response:
        # browsers ask for it on every page whatever the page says: the bundled icon, cached
        return send_from_directory(app.static_folder or "static", "favicon.ico",
                                   mimetype="image/vnd.microsoft.icon", max_age=86400)

    return app
