"""What a document rests on, read from a hazard case's audit log: its orders and re-checks.

**An order** (责令整改 / 下达整改通知) is a completed user task whose submitted data orders a
rectification: ``disposition`` = ``order`` (the triage: a deadline, a responsible person, the
requirements) or a regulator's major-hazard order (``order_measure``, ``order_requirements``).
A later ``disposition`` = ``on_spot`` (fixed on the spot) leaves the hazard without a
current order. The order's identity is its audit record (``seq``); one notice per order.

**Who ordered, and when**: the lifecycle's ``hazard.record_order`` step records the ordering
body (``ordered_by_level``, ``ordered_by_body``), the person (``ordered_by_user``) and the
business day (``ordered_on``); a case whose process version lacks that step is read the
same way from who completed the order and when (``policy.acting_body``).

**A re-check** (验收/复查) is a completion with ``verify_result`` or ``review_result``; its
body is the one its performer acts for (``policy.acting_body``): a county inspector's
re-check is the county's, a hospital verifier's is the hospital's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, NotFound
from hazardflow.engine.schema import audit_event

from .calendar import BusinessCalendar
from .ledger import CATEGORIES, LEVELS, hazard_for_case
from .policy import acting_body
from .users import actor_for, get_user

RESULTS = {"passed": "通过", "failed": "不通过"}
ORDER_TOPIC = "hazard.record_order"
PENDING, ON_SPOT = "pending", "on_spot"  # no current order: not decided yet, fixed on the spot


@dataclass(frozen=True)
class Act:
    """An order or a re-check: the audit record, who did it for which body, and when."""

    seq: int
    by: str  # username
    level: str  # unit | county | city
    body: str  # the unit code of the body acting
    on: date  # the business day
    data: dict[str, Any]  # what the completion submitted

    @property
    def regulator(self) -> bool:
        return self.level != "unit"


@dataclass(frozen=True)
class History:
    """A hazard case's orders and re-checks, oldest first; ``state`` says why there is no
    current order (``pending``, ``on_spot``) or is ``ordered``."""

    orders: list[Act]
    checks: list[Act]
    state: str
    rectifications: list[tuple[int, str]]  # (seq, what the rectifier wrote)

    @property
    def order(self) -> Act | None:
        return self.orders[-1] if self.state == "ordered" else None

    @property
    def check(self) -> Act | None:
        return self.checks[-1] if self.checks else None

    def first_order(self, order: Act) -> bool:
        return bool(self.orders) and self.orders[0].seq == order.seq

    def order_before(self, seq: int) -> Act | None:
        earlier = [o for o in self.orders if o.seq < seq]
        return earlier[-1] if earlier else None


def person(conn: Connection, username: str) -> Actor:
    """The actor of a username; one without roles when the user is unknown (a system)."""
    try:
        return actor_for(conn, username)
    except LookupError:
        return Actor(username)


def display_name(conn: Connection, username: Any) -> str:
    if not isinstance(username, str) or not username:
        return ""
    user = get_user(conn, username)
    return user.display_name if user else username


def history(conn: Connection, case_id: int, unit_code: str,
            calendar: BusinessCalendar) -> History:
    """The case's orders and re-checks from its audit log (see the module doc)."""
    orders: list[Act] = []
    checks: list[Act] = []
    notes: list[tuple[int, str]] = []
    state = PENDING
    rows = conn.execute(
        sa.select(audit_event.c.seq, audit_event.c.actor, audit_event.c.at,
                  audit_event.c.action, audit_event.c.payload)
        .where(audit_event.c.case_id == case_id).order_by(audit_event.c.seq))
    for seq, username, at, action, payload in rows:
        record = json.loads(payload)
        data = record.get("data") or {} if action == "complete" else {}
        if data.get("disposition") == "order" or data.get("order_measure"):
            orders.append(_act(conn, seq, username, at, unit_code, calendar, data))
            state = "ordered"
        elif data.get("disposition") == ON_SPOT:
            state = ON_SPOT
        note = data.get("rectification_note") or data.get("fix_note")
        if note:
            notes.append((seq, str(note)))
        for prefix in ("verify", "review"):
            if data.get(f"{prefix}_result") in RESULTS:
                checks.append(_act(conn, seq, username, at, unit_code, calendar, {
                    "result": data[f"{prefix}_result"],
                    "opinion": str(data.get(f"{prefix}_opinion") or ""),
                    "reason": str(data.get("fail_reason") or "")}))
        recorded = [s.get("set") or {} for s in record.get("services") or []
                    if s.get("topic") == ORDER_TOPIC]
        if recorded and orders:
            orders[-1] = _recorded(orders[-1], recorded[-1])
    return History(orders, checks, state, notes)


def _act(conn: Connection, seq: int, username: str, at: datetime, unit_code: str,
         calendar: BusinessCalendar, data: dict[str, Any]) -> Act:
    level, body = acting_body(conn, person(conn, username), unit_code)
    return Act(seq, username, level, body, calendar.today(at), data)


def _recorded(order: Act, values: dict[str, Any]) -> Act:
    """The order as ``hazard.record_order`` recorded it (body, person, day)."""
    day = values.get("ordered_on")
    return Act(order.seq, str(values.get("ordered_by_user") or order.by),
               str(values.get("ordered_by_level") or order.level),
               str(values.get("ordered_by_body") or order.body),
               date.fromisoformat(day) if isinstance(day, str) and day else order.on,
               order.data)


def hazard_facts(conn: Connection, case_id: int) -> dict[str, Any]:
    """The ledger's fields a document prints about a hazard; NotFound for a case that is no
    hazard's."""
    row = hazard_for_case(conn, case_id)
    if row is None:
        raise NotFound(f"案件 {case_id} 不是隐患案件 (case {case_id} is not a hazard case)",
                       case_id=case_id)
    return {
        "case_id": case_id, "code": row["code"], "unit_code": row["unit_code"],
        "unit_name": row["unit_name"], "location": row["location"],
        "category": CATEGORIES.get(row["category"], row["category"]),
        "level": LEVELS.get(row["level"], row["level"]), "level_code": row["level"],
        "description": row["description"], "deadline": row["deadline"] or "",
        "responsible_user": row["responsible_user"] or "",
        "found_by_body": row.get("found_by_body") or "",
        "found_by_user": row.get("reported_by") or "",
    }


def order_facts(conn: Connection, facts: dict[str, Any], order: Act) -> dict[str, Any]:
    """What a notice says about the hazard under ``order``."""
    data = order.data
    requirement = str(data.get("order_note") or data.get("order_requirements") or "")
    deadline = str(data.get("deadline") or facts["deadline"] or "")
    responsible = data.get("responsible_user") or facts["responsible_user"]
    return {**facts, "deadline": deadline, "responsible": display_name(conn, responsible),
            "requirement": requirement, "immediate": bool(data.get("order_measure")),
            "ordered_on": order.on.isoformat(), "ordered_by": order.by}


def check_facts(conn: Connection, facts: dict[str, Any], found: History,
                check: Act) -> dict[str, Any]:
    """What an opinion says about the hazard's re-check ``check``."""
    notes = [n for seq, n in found.rectifications if seq < check.seq]
    return {**facts, "rectification": notes[-1] if notes else "",
            "check": {"seq": check.seq, "result": check.data["result"],
                      "result_name": RESULTS[check.data["result"]],
                      "opinion": check.data["opinion"], "reason": check.data["reason"],
                      "by": display_name(conn, check.by), "at": check.on.isoformat()}}
