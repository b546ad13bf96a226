"""The designer page (blueprint `designer`, under /designer): the modeler with its properties
panel and lint, drafts, forms with a live preview, versions, diffs and migrations.

The page's script talks to /designer/api/..., the very handlers of the JSON API
(web/api/designer.py) behind the session sign-in and its CSRF token.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, render_template

from ..api.designer import DESIGNERS, Handler, routes
from . import login_required, require_role

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.get("/")
@login_required
def index() -> str:
    require_role(*DESIGNERS)
    return render_template("designer/index.html")


def _page(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def view(**kwargs: Any) -> Any:
        require_role(*DESIGNERS)
        return handler(**kwargs)
    return login_required(view)


routes(bp, _page, "/api")
