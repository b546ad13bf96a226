"""Pages: administration (placeholder)."""

from __future__ import annotations

from . import bp, login_required


@bp.get("/admin/users")
@login_required
def admin_users() -> str:
    return "admin"
