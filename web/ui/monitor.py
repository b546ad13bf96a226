"""The monitor pages (blueprint `monitor`, under /monitor)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("monitor", __name__, url_prefix="/monitor")


@bp.get("/")
def index() -> str:  # placeholder until the page lands
    return "monitor"
