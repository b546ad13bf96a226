"""The 挂牌督办 register as supervisors read it: every listing of a major hazard they may see
(a county its own units', the city all: ``policy.visible_hazards``), who listed it and why,
and when and by whom it was delisted (摘牌). Listing and delisting are steps of the lifecycle
(``workflows/supervision.py``), never an edit here."""

from __future__ import annotations

from typing import Any

from hazardflow.engine import Actor

from .. import policy, supervision
from ..runtime import Runtime
from ..uow import reading


def register(rt: Runtime, actor: Actor, *, listed_only: bool = False) -> list[dict[str, Any]]:
    """The register's rows ``actor`` may see, newest listing first; ``listed_only``: the
    hazards still listed. Forbidden without ``supervision.view``."""
    policy.require(actor, "supervision.view")
    with reading(rt) as conn:
        return supervision.register(conn, actor, listed_only=listed_only)
