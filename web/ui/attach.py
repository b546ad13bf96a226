"""Links to evidence files as the pages show them."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows import evidence


def evidence_url(value: Any, thumb: bool = False) -> str:
    """``/evidence/<n>`` (or its thumbnail) for an evidence id as forms carry it."""
    number = evidence.parse_ref(value)
    if number is None:
        return "#"
    return f"/evidence/{number}" + ("/thumb" if thumb else "")
