"""Page: the 挂牌督办 register (major hazards listed for supervision, and their delisting)."""

from __future__ import annotations

from flask import render_template, request

from hazardflow.workflows.usecases import supervision

from ..extensions import runtime
from . import bp, current_actor, login_required


@bp.get("/supervision")
@login_required
def supervision_register() -> str:
    listed_only = request.args.get("listed") == "1"
    rows = supervision.register(runtime, current_actor(), listed_only=listed_only)
    return render_template("ui/supervision.html", rows=rows, listed_only=listed_only)
