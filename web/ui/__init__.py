"""The pages: sign-in, inbox, tasks, cases, ledger, notifications, administration, and the
designer, monitor and campaign pages. Server-rendered Jinja with small islands of script.

What every page module uses from here:

- ``login_required``: a view decorator; without a session it redirects to the sign-in page
  (``/login?next=...``); with one it sets ``g.user`` (workflows.users.User) and ``g.actor``
  (the engine Actor, the same the API uses).
- ``require_role(*roles)``: 403 unless the actor holds one of the roles (admin holds all).
- ``flash_error(exc)``: show an engine/workflows error as a message on the next page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from hazardflow.engine import Actor
from hazardflow.engine.errors import EngineError
from hazardflow.workflows.roles import ROLES
from hazardflow.workflows.usecases import accounts, repair_steps

from ..extensions import runtime
from . import csrf  # noqa: F401  (create_app calls csrf.init_app)

bp = Blueprint("ui", __name__)

F = TypeVar("F", bound=Callable[..., Any])


SESSION_KEY = "sid"  # the cookie's only credential: the key of a user_session row


def load_session_user() -> None:
    """Who signed in, from the server's record of the cookie's session key: a key that was
    signed out, revoked (new password, disabled, role withdrawn) or expired is no one."""
    g.user = None
    g.actor = None
    g.session_id = None
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        return
    identity = accounts.session_identity(runtime, key)
    if identity is None:
        session.pop(SESSION_KEY, None)
        return
    g.user = identity.user
    g.actor = identity.actor
    g.session_id = identity.session_id
    g.must_change_password = identity.must_change_password


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "user", None) is None:
            return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
        if getattr(g, "must_change_password", False) and request.endpoint not in (
                "ui.change_password", "ui.logout"):
            flash(_("您的密码由管理员设置，请先设置自己的新密码。"), "info")
            return redirect(url_for("ui.change_password"))
        return view(*args, **kwargs)
    return cast(F, wrapped)


def has_role(*roles: str) -> bool:
    actor = getattr(g, "actor", None)
    return actor is not None and (actor.admin or bool(actor.roles & set(roles)))


def require_role(*roles: str) -> None:
    if not has_role(*roles):
        abort(403)


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: redirects after a form
    never lead to another host (``//host``, a scheme, or a backslash browsers read as /)."""
    if not target or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or urlsplit(target).netloc or urlsplit(target).scheme:
        return default
    return target


def flash_error(exc: EngineError) -> None:
    flash(str(exc), "error")


def tr(text: Any, **variables: Any) -> str:
    """gettext that leaves empty text empty (gettext("") is the catalog's header)."""
    if not text:
        return ""
    return str(_(str(text), **variables))


def _template_globals() -> dict[str, Any]:
    return {"current_user": getattr(g, "user", None), "has_role": has_role,
            "ROLE_NAMES": ROLES, "CASE_STATUSES": CASE_STATUSES, "_": tr}


def localdt(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime (naive: read as UTC) shown in business time, the runtime's calendar
    (``HAZARDFLOW_BUSINESS_TZ``); dates and text unchanged."""
    if isinstance(value, datetime):
        return runtime.calendar.local(value).strftime(fmt)
    if isinstance(value, str) and "T" in value:
        try:
            return localdt(datetime.fromisoformat(value), fmt)
        except ValueError:
            return value
    return "" if value is None else str(value)


def localdue(value: Any) -> str:
    """A deadline: one that falls at midnight is the end of the day before (a date
    deadline of 20 November is due at 24:00 on the 20th), so it shows as that date."""
    if not isinstance(value, datetime):
        return localdt(value)
    return runtime.calendar.due_text(value)


CASE_STATUSES = {"active": "进行中", "completed": "已结束", "suspended": "已挂起",
                 "terminated": "已终止", "failed": "异常", "incident": "流程故障"}


def register(app: Flask) -> None:
    from . import (  # noqa: F401  (routes register on import)
        account,
        admin,
        campaign_reports,
        campaigns,
        cases,
        consultations,
        designer,
        documents,
        duty,
        emergency_map,
        emergency_plans,
        events,
        inbox,
        journal,
        ledger,
        ledger_import,
        legal_texts,
        lookback,
        monitor,
        notices,
        notifications,
        people,
        public_reports,
        register_hazard,
        rewards,
        supervision,
        tasks,
        verify,
        why,
    )
    from .attach import evidence_url
    from .campaigns import bp as campaigns_bp
    from .designer import bp as designer_bp
    from .monitor import bp as monitor_bp

    app.before_request(load_session_user)
    app.context_processor(_template_globals)
    app.add_template_filter(localdt, "localdt")
    app.add_template_filter(localdue, "localdue")
    app.jinja_env.globals["evidence_url"] = evidence_url
    app.jinja_env.globals["incident_sentence"] = why.incident
    app.jinja_env.globals["stuck_sentence"] = why.stuck
    # the bulk repair form's steps by name, read only where a page asks for them
    app.jinja_env.globals["repair_steps"] = lambda: repair_steps.repair_steps(
        runtime, current_actor())
    app.register_blueprint(bp)
    app.register_blueprint(designer_bp)
    app.register_blueprint(monitor_bp)
    app.register_blueprint(campaigns_bp)
