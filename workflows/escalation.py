"""What the escalation ladder has raised to each supervisor, and the 督办 letter to print.

The ladder itself is in the BPMN (boundary timers on the rectification tasks: reminder,
due, overdue notice to the county, the city's 督办 letter, publication); each rung taken is
an ``escalation_sent`` row (one skipped because the ladder was armed late is marked so and
raised to no one: :mod:`~hazardflow.workflows.ladder`). A county supervisor sees the rungs
from the overdue notice up for the hazards of their county; the city sees the letters and
publications everywhere (and every rung of a major hazard); admins see all. Who may look
at all is the policy's ``monitor`` permission, checked by the use-cases
(``usecases.monitor``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, NotFound
from hazardflow.engine.schema import audit_event

from .calendar import BusinessCalendar
from .ledger import CATEGORIES, LEVELS, hazard_for_case
from .policy import sees_all, visible_hazard_rows
from .schema import escalation_sent, hazard, unit
from .units import city_unit

RUNGS: dict[str, str] = {"Remind": "到期前提醒", "Due": "到期通知", "Overdue": "逾期通知县区",
                         "Letter": "市卫健委督办函", "Publish": "逾期通报"}
COUNTY_RUNGS = ("Overdue", "Letter", "Publish")
CITY_RUNGS = ("Letter", "Publish")


def rung_of(element_id: str) -> str | None:
    for suffix in RUNGS:
        if element_id.endswith(suffix):
            return suffix
    return None


def escalated_to(conn: Connection, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """Open hazards whose ladder reached the actor, newest rung first."""
    rows = conn.execute(
        sa.select(escalation_sent.c.case_id, escalation_sent.c.element_id,
                  escalation_sent.c.sent_at, escalation_sent.c.once_key.label("for_deadline"),
                  hazard.c.code.label("hazard_code"), hazard.c.level, hazard.c.category,
                  hazard.c.deadline, hazard.c.county_code, unit.c.name.label("unit_name"))
        .select_from(escalation_sent.join(hazard, hazard.c.case_id == escalation_sent.c.case_id)
                     .join(unit, unit.c.id == hazard.c.unit_id))
        .where(hazard.c.status == "open", escalation_sent.c.skipped.is_(False),
               visible_hazard_rows(actor))
        .order_by(escalation_sent.c.sent_at.desc()).limit(limit * 3))
    city = sees_all(actor)
    out = []
    for r in rows:
        rung = rung_of(r.element_id)
        if rung is None:
            continue
        wanted = actor.admin or (rung in CITY_RUNGS or r.level == "major" if city
                                 else rung in COUNTY_RUNGS)
        if wanted:
            item = dict(r._mapping)
            item.update(rung=rung, rung_name=RUNGS[rung], level_name=LEVELS.get(r.level, r.level),
                        category_name=CATEGORIES.get(r.category, r.category))
            out.append(item)
    return out[:limit]


def _letter_no(conn: Connection, case_id: int) -> tuple[str | None, datetime | None]:
    rows = conn.execute(sa.select(audit_event.c.payload, audit_event.c.at)
                        .where(audit_event.c.case_id == case_id,
                               audit_event.c.payload.contains("letter_no"))
                        .order_by(audit_event.c.seq.desc()))
    for payload, at in rows:
        for service in json.loads(payload).get("services", []):
            number = (service.get("set") or {}).get("letter_no")
            if number:
                return str(number), at
    return None, None


def letter(conn: Connection, actor: Actor, case_id: int,
           calendar: BusinessCalendar) -> dict[str, Any]:
    """The fields of a printable 督办函 for one hazard (numbered when the ladder issued it);
    NotFound for a case ``actor`` may not see."""
    visible = conn.execute(sa.select(hazard.c.id).where(hazard.c.case_id == case_id,
                                                        visible_hazard_rows(actor))).first()
    row = hazard_for_case(conn, case_id) if visible else None
    if row is None:
        raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)",
                       case_id=case_id)
    number, issued = _letter_no(conn, case_id)
    issuer = city_unit(conn)
    return {"hazard": row, "letter_no": number, "issuer": issuer.name,
            "issued_on": calendar.today(issued).isoformat() if issued else None,
            "level_name": LEVELS.get(row["level"], row["level"]),
            "category_name": CATEGORIES.get(row["category"], row["category"])}
