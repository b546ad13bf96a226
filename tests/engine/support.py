from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import Actor

HERE = Path(__file__).parent / "bpmn"
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


class UnitResolver:
    """`role@unit` means the role at data["unit"]; a bare `role` means that role anywhere."""

    def check(self, expression: str) -> str | None:
        role, _, scope = expression.partition("@")
        if not role.isidentifier():
            return f"bad role in {expression!r}"
        if scope not in ("", "unit"):
            return f"unknown scope {scope!r} in {expression!r}"
        return None

    def resolve(self, expression: str, data: Mapping[str, Any],
                conn: sa.Connection) -> list[tuple[str, str | None]]:
        role, _, scope = expression.partition("@")
        if scope == "unit":
            if not data.get("unit"):
                raise ValueError("the case has no unit")
            return [(role, str(data["unit"]))]
        return [(role, None)]


def load_forms() -> dict[str, Any]:
    return {p.stem: json.loads(p.read_text()) for p in HERE.glob("*.json")}


def bpmn_bytes(name: str = "review.bpmn") -> bytes:
    return (HERE / name).read_bytes()


CLERK = Actor("clerk", frozenset({("clerk", "U1")}))
REVIEWER = Actor("rev", frozenset({("reviewer", "U1")}))
REVIEWER2 = Actor("rev2", frozenset({("reviewer", "U1")}))
OUTSIDER = Actor("out", frozenset({("reviewer", "U2")}))
