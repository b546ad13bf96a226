"""Turning rows and results into JSON-safe dicts."""

from __future__ import annotations

from typing import Any

from hazardflow.engine import StepResult

from ..serialize import jsonable

__all__ = ["case_result", "jsonable"]


def case_result(result: StepResult) -> dict[str, Any]:
    """The answer for a step."""
    return {"id": result.case_id, "status": result.status, "revision": result.revision,
            "pending": result.pending, "incident": result.incident_id,
            "active_tasks": [{"id": i, "element": e, "name": n} for i, e, n in result.open_tasks]}
