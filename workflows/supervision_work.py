"""A county-level body's own supervision work (督查指导): the inspections and unannounced
visits (暗查暗访) made in its name, and whether its findings were followed up — the notice's
"扭住不放、一抓到底".

An inspection is the body's when it was made in the body's name (``inspection_body``, set
from ``policy.acting_body`` when it is recorded); a self-inspection (自查) is the unit's
own and never a body's. The body's findings are the hazards opened by the failed items of
its inspections; only those the unit may see count (an unpublished 暗访 finding waits until
it is published). A finding is followed up when it was rectified by its deadline; one closed
after it was followed up late; one still open past it was not followed up.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .calendar import BusinessCalendar
from .schema import hazard, unit
from .schema_campaigns import inspection, inspection_result
from .schema_reporting import inspection_body

SELF = "self"


def inspections_by(conn: Connection, body_code: str, start: date,
                   end: date) -> list[dict[str, Any]]:
    """The body's inspections from ``start`` to the day before ``end`` (business days):
    code, kind, unit code and day, oldest first."""
    rows = conn.execute(sa.select(inspection.c.code, inspection.c.kind,
                                  unit.c.code.label("unit_code"), inspection.c.inspected_on)
                        .join(unit, unit.c.id == inspection.c.unit_id)
                        .join(inspection_body,
                              inspection_body.c.inspection_id == inspection.c.id)
                        .where(inspection_body.c.body_code == body_code,
                               inspection.c.kind != SELF,
                               inspection.c.inspected_on >= start.isoformat(),
                               inspection.c.inspected_on < end.isoformat())
                        .order_by(inspection.c.inspected_on, inspection.c.id))
    return [dict(r._mapping) for r in rows]


def findings_of(body_code: str) -> sa.Select[Any]:
    """The ids of the hazards the body's inspections found (the unit may see them)."""
    return (sa.select(hazard.c.id)
            .join(inspection_result, inspection_result.c.case_id == hazard.c.case_id)
            .join(inspection, inspection.c.id == inspection_result.c.inspection_id)
            .join(inspection_body, inspection_body.c.inspection_id == inspection.c.id)
            .where(inspection_body.c.body_code == body_code, inspection.c.kind != SELF,
                   hazard.c.visible_to_unit.is_(True), hazard.c.status != "voided"))


def follow_up(conn: Connection, body_code: str, due_from: date, due_before: date,
              at: datetime, calendar: BusinessCalendar) -> dict[str, list[str]]:
    """The body's findings whose deadline fell from ``due_from`` to the day before
    ``due_before`` and had passed at ``at``, by outcome at ``at``: ``on_time`` (closed by the
    deadline), ``late`` (closed after it) and ``open`` (not closed): hazard codes."""
    today = calendar.today(at).isoformat()
    out: dict[str, list[str]] = {"on_time": [], "late": [], "open": []}
    rows = conn.execute(sa.select(hazard.c.code, hazard.c.status, hazard.c.closed_at,
                                  hazard.c.deadline)
                        .where(hazard.c.id.in_(findings_of(body_code)),
                               hazard.c.deadline >= due_from.isoformat(),
                               hazard.c.deadline < min(due_before.isoformat(), today))
                        .order_by(hazard.c.code))
    for row in rows:
        closed = row.status == "closed" and row.closed_at is not None and row.closed_at < at
        if not closed:
            out["open"].append(row.code)
        elif calendar.today(row.closed_at).isoformat() > row.deadline:
            out["late"].append(row.code)
        else:
            out["on_time"].append(row.code)
    return out


def summary(conn: Connection, body_code: str, start: date, end: date, at: datetime,
            calendar: BusinessCalendar) -> dict[str, Any]:
    """The body's work from ``start`` to the day before ``end``, as it stood at ``at``:
    inspections by kind, the units inspected, the findings made, and the follow-up of every
    finding whose deadline fell by the end."""
    done = inspections_by(conn, body_code, start, end)
    by_kind: dict[str, int] = {}
    for row in done:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + 1
    found = conn.execute(sa.select(hazard.c.code).where(
        hazard.c.id.in_(findings_of(body_code)),
        hazard.c.reported_at >= calendar.start_of(start),
        hazard.c.reported_at < min(calendar.start_of(end), at))
        .order_by(hazard.c.code)).scalars().all()
    followed = follow_up(conn, body_code, date(1900, 1, 1), end, at, calendar)
    return {"inspections": len(done), "by_kind": by_kind,
            "unannounced": by_kind.get("unannounced", 0),
            "units_inspected": sorted({r["unit_code"] for r in done}),
            "findings": list(found), "follow_up": followed}
