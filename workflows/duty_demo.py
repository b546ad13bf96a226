"""The demo's duty rosters: this month's for the city commission, 金安区 and a few hospitals
(leader and staff on duty each day, duty lines and fictitious phone numbers), so that
``/duty/today`` shows people. Idempotent: a roster that exists is left alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from . import duty
from .calendar import DEFAULT_CALENDAR
from .units import get_unit_by_code

# unit code → (duty line, leaders in turn, staff in turn)
ROSTERS: dict[str, tuple[str, list[str], list[str]]] = {
    "LA": ("0564-3370000", ["leader"], ["city"]),
    "LA-JA": ("0564-3360000", ["jinan_head"], ["jinan", "inspector"]),
    "LA-JA-H01": ("0564-3310000", ["principal", "safety"], ["rectifier", "verifier"]),
    "LA-YA-H01": ("0564-3320000", ["principal2"], ["safety2", "rectifier2"]),
    "LA-ZS-01": ("0564-3330000", ["zs_head"], ["zs_safety"]),
}


def _fictitious_phone(user_id: int) -> str:
    return f"1380564{user_id:04d}"


def seed_duty_demo(conn: Connection, now: datetime) -> int:
    """This month's rosters (business time); returns how many were new."""
    month = duty.month_of(DEFAULT_CALENDAR.today(now))
    created = 0
    for code, (line, leaders, staff) in ROSTERS.items():
        unit = get_unit_by_code(conn, code)
        if unit is None or duty.roster_row(conn, unit.id, month) is not None:
            continue
        people = {p.username: p for p in duty.unit_people(conn, unit.id)}
        if not all(u in people for u in leaders + staff):
            continue
        for username in leaders + staff:
            if people[username].phone is None:
                duty.set_phone(conn, people[username].user_id,
                               _fictitious_phone(people[username].user_id), now)
        plan = {day.isoformat(): {"leader": [leaders[i % len(leaders)]],
                                  "staff": [staff[i % len(staff)]]}
                for i, day in enumerate(duty.month_days(month))}
        duty.save_roster(conn, unit, month, plan, line, "system", now)
        created += 1
    return created
