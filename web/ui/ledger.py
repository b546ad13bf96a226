"""Pages: the ledger (placeholder)."""

from __future__ import annotations

from . import bp, login_required


@bp.get("/ledger")
@login_required
def ledger() -> str:
    return "ledger"
