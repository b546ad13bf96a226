"""Pages: the inbox (placeholder while it is built)."""

from __future__ import annotations

from typing import Any

from . import bp, login_required


@bp.get("/inbox")
@login_required
def inbox() -> str:
    return "inbox"


@bp.get("/counts")
@login_required
def counts() -> dict[str, Any]:
    return {"unread": 0, "tabs": {}}
