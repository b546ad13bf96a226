"""Pages: notifications (placeholder)."""

from __future__ import annotations

from . import bp, login_required


@bp.get("/notifications")
@login_required
def notifications() -> str:
    return "notifications"
