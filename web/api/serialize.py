"""Turning rows and results into JSON-safe dicts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from hazardflow.engine import StepResult

from ..extensions import runtime


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def case_result(result: StepResult) -> dict[str, Any]:
    """The answer for a step; every step a request takes passes here, so this is also where
    work left in the outbox is handed to a worker in distributed mode."""
    runtime.dispatch(result)
    return {"id": result.case_id, "status": result.status, "revision": result.revision,
            "pending": result.pending, "incident": result.incident_id,
            "active_tasks": [{"id": i, "element": e, "name": n} for i, e, n in result.open_tasks]}
