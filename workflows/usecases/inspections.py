"""Recording inspections: the inspection, its results and a hazard case per failed item,
in one unit of work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hazardflow.engine import Actor

from .. import inspections
from ..runtime import Runtime
from ..uow import unit_of_work


def record(rt: Runtime, actor: Actor, *, unit_code: str, kind: str, checklist_code: str,
           results: Sequence[Mapping[str, Any]], campaign_code: str | None = None,
           location: str = "", summary: str = "", inspected_on: str | None = None,
           spot_check_id: int | None = None) -> dict[str, Any]:
    with unit_of_work(rt) as conn:
        return inspections.record_inspection(
            conn, rt.engine, actor, unit_code=unit_code, kind=kind,
            checklist_code=checklist_code, results=results, campaign_code=campaign_code,
            location=location, summary=summary, inspected_on=inspected_on,
            spot_check_id=spot_check_id)
