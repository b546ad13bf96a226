"""People by name on the pages: the ``person`` filter shows a username as the user's display
name (a system actor or an unknown name as given), one lookup per name per request."""

from __future__ import annotations

from typing import Any

from flask import g

from hazardflow.workflows.usecases import accounts

from ..extensions import runtime
from . import bp


@bp.app_template_filter("person")
def person(username: Any) -> str:
    if not isinstance(username, str) or not username:
        return "" if username is None else str(username)
    known: dict[str, str] = g.setdefault("person_names", {})
    if username not in known:
        known[username] = accounts.names_of(runtime, [username]).get(username, username)
    return known[username]
