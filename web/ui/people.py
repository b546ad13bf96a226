"""People by name on the pages: the ``person`` filter shows a username as the user's display
name (the system as 系统, an unknown name as given), one lookup per name per request; the
``subject`` filter a journal record's subject, a person by name."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _

from hazardflow.workflows.usecases import accounts

from ..extensions import runtime
from . import bp


@bp.app_template_filter("person")
def person(username: Any) -> str:
    if not isinstance(username, str) or not username:
        return "" if username is None else str(username)
    if username == "system":
        return _("系统")
    known: dict[str, str] = g.setdefault("person_names", {})
    if username not in known:
        known[username] = accounts.names_of(runtime, [username]).get(username, username)
    return known[username]


@bp.app_template_filter("subject")
def subject(value: Any) -> str:
    """A journal record's subject: a person by name ("user:city"), a unit by name and code,
    others as recorded (a checklist's or a legal text's key)."""
    if isinstance(value, str) and value.startswith("user:"):
        return person(value[5:])
    if isinstance(value, str) and value.startswith("unit:"):
        code = value[5:]
        named = accounts.unit_names_of(runtime, [code]).get(code)
        return _("%(name)s（%(code)s）", name=named, code=code) if named else code
    return "" if value is None else str(value)
