"""The campaigns pages (blueprint `campaigns`, under /campaigns)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.get("/")
def index() -> str:  # placeholder until the page lands
    return "campaigns"
