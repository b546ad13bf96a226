"""API v1: the 挂牌督办 register (major hazards listed for supervision)."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.usecases import supervision

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.supervision import Register, RegisterQuery
from .serialize import jsonable
from .spec import endpoint

TAG = "supervision"


@bp.get("/supervision")
@login_required
@endpoint("list_supervision_register", TAG, {200: Register}, errors=(403,), query=RegisterQuery)
def register(query: RegisterQuery) -> dict[str, Any]:
    """挂牌督办台账：县区见本辖区，市卫健委见全部 (the 挂牌督办 register: a county its own
    units', the city all)"""
    rows = supervision.register(runtime, current_actor(), listed_only=bool(query.listed))
    return {"items": [jsonable(r) for r in rows]}
