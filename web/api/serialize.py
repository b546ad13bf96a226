"""Turning rows and results into JSON-safe dicts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from hazardflow.engine import StepResult


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def case_result(result: StepResult) -> dict[str, Any]:
    """The answer for a step."""
    return {"id": result.case_id, "status": result.status, "revision": result.revision,
            "pending": result.pending, "incident": result.incident_id,
            "active_tasks": [{"id": i, "element": e, "name": n} for i, e, n in result.open_tasks]}
