"""Evidence in forms: the ids an evidence field carries are attached to the case when the
form is accepted, and shown as thumbnails wherever the form or the case is displayed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.workflows import evidence

from .forms import fields


def attach_evidence(conn: Connection, schema: Mapping[str, Any], data: Mapping[str, Any],
                    case_id: int, username: str, task_id: int | None = None) -> None:
    ids = [ref for f in fields(schema) if f["widget"] == "evidence"
           for ref in evidence.refs_in({f["name"]: data.get(f["name"])})]
    if ids:
        evidence.attach(conn, ids, case_id, username, task_id=task_id)


def evidence_url(value: Any, thumb: bool = False) -> str:
    """``/evidence/<n>`` (or its thumbnail) for an evidence id as forms carry it."""
    digits = re.sub(r"\D", "", str(value))
    if not digits:
        return "#"
    return f"/evidence/{int(digits)}" + ("/thumb" if thumb else "")
