"""People and units by name on the pages, one lookup per name per request: the ``person``
filter shows a username as the user's display name (the system, when no user has that name,
as 系统; an unknown name as given); ``unit_named`` a unit code as "name（code）"; the
``subject`` filter a journal record's subject, a person or a unit by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g
from flask_babel import gettext as _

from hazardflow.workflows.usecases import accounts

from ..extensions import runtime
from . import bp

SYSTEM = "system"  # the actor of what no person did (timers, service steps, seeding)


@bp.app_template_filter("person")
def person(username: Any) -> str:
    if not isinstance(username, str) or not username:
        return "" if username is None else str(username)
    known: dict[str, str] = g.setdefault("person_names", {})
    if username not in known:
        found = accounts.names_of(runtime, [username]).get(username)
        known[username] = found or (_("系统") if username == SYSTEM else username)
    return known[username]


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    """The names of the known units among ``codes``, read once per request."""
    known: dict[str, str | None] = g.setdefault("unit_names", {})
    missing = sorted({c for c in codes if c and c not in known})
    if missing:
        found = accounts.unit_names_of(runtime, missing)
        known.update({c: found.get(c) for c in missing})
    return {c: n for c in codes if (n := known.get(c))}


def unit_named(code: str) -> str:
    """A unit as "name（code）", or its code when no unit has it."""
    named = unit_names([code]).get(code)
    return _("%(name)s（%(code)s）", name=named, code=code) if named else code


@bp.app_template_filter("subject")
def subject(value: Any) -> str:
    """A journal record's subject: a person by name ("user:city"), a unit by name and code,
    others as recorded (a checklist's or a legal text's key)."""
    if isinstance(value, str) and value.startswith("user:"):
        return person(value[5:])
    if isinstance(value, str) and value.startswith("unit:"):
        return unit_named(value[5:])
    return "" if value is None else str(value)
