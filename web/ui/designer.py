"""The designer pages (blueprint `designer`, under /designer)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.get("/")
def index() -> str:  # placeholder until the page lands
    return "designer"
