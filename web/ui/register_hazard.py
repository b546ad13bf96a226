"""Pages: register a hazard (placeholder)."""

from __future__ import annotations

from . import bp, login_required


@bp.get("/hazards/new")
@login_required
def register_hazard() -> str:
    return "register"
