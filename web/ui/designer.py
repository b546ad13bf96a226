"""The designer page (blueprint `designer`, under /designer): the modeler with its properties
panel and lint, drafts, forms with a live preview, versions, diffs and migrations.

The page's script talks to /designer/api/..., the very handlers of the JSON API
(``web/designer_endpoints.py``) behind the session sign-in and its CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from hazardflow.workflows.usecases import designer

from ..designer_endpoints import routes
from ..extensions import runtime
from ..inputs import refuse_unstorable_input
from . import current_actor, login_required

bp = Blueprint("designer", __name__, url_prefix="/designer")
bp.before_request(refuse_unstorable_input)  # a 400, not a 500 from PostgreSQL


@bp.get("/")
@login_required
def index() -> str:
    designer.open_designer(runtime, current_actor())
    return render_template("designer/index.html")


routes(bp, login_required, "/api")
