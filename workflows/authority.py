"""Who found a hazard, who ordered its rectification, and so who re-checks it.

A hazard found by a regulator — the staff of the county-level body supervising the unit
(its 县区卫健委 or 开发区卫健办; the 市卫健委 for a city-direct unit) or of the city
commission above a county — is re-checked by that regulator, not closed inside the hospital;
what a unit found itself is verified by its own verifier (16号令 第十五条, 第二十条;
安全生产法 第六十五条). The body that orders a rectification re-checks it, and its documents
speak in its name. The lifecycle's diagram routes on the variables these service tasks set
(``Gateway_Finder``, ``Gateway_WhoVerifies``); who acts for which body is
``policy.acting_body``.

=======================  ==================================================================
topic                    sets
=======================  ==================================================================
``hazard.record_finding``  ``found_by_level`` (unit | county | city), ``found_by_body`` (the
                           unit code of the body whose staff registered it), ``found_by_user``;
                           registers the ledger row, so the hazard has its code from the
                           first step
``hazard.record_order``    ``ordered_by_level``, ``ordered_by_body``, ``ordered_by_user``,
                           ``order_kind`` (regulator | unit), ``ordered_on`` (the business day,
                           YYYY-MM-DD); param ``tasks``: the user tasks whose latest
                           completer ordered. The order reaches the unit: a hidden (unpublished
                           暗访) finding becomes visible to it (``visible_to_unit``)
=======================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import human_task
from hazardflow.engine.services import SYSTEM, Actor, ServiceCall

from .calendar import BusinessCalendar
from .ledger import create_hazard_row, hazard_for_case
from .policy import acting_body
from .resolver import split_candidates
from .schema import hazard
from .users import actor_for

FINDERS: dict[str, str] = {"unit": "本单位", "county": "县区卫健委", "city": "市卫健委"}
ORDER_KINDS: dict[str, str] = {"regulator": "监管部门责令整改", "unit": "单位自行下达"}
SELF_INSPECTION = "self_inspection"


def performer(conn: Connection, case_id: int, params: Mapping[str, Any]) -> str:
    """The username who last completed one of the user tasks the ``tasks`` parameter names
    (a comma list of element ids); ValueError when none did."""
    tasks = split_candidates(str(params.get("tasks") or ""))
    if not tasks:
        raise ValueError("this step needs the parameter 'tasks' (the user tasks whose "
                         "performer acts)")
    who = last_performer(conn, case_id, tasks)
    if who is None:
        raise ValueError(f"none of the tasks {', '.join(tasks)} has been completed")
    return who


def last_performer(conn: Connection, case_id: int, tasks: Sequence[str]) -> str | None:
    """The username who last completed one of the user tasks ``tasks`` (element ids) in the
    case, or None."""
    who = conn.execute(sa.select(human_task.c.completed_by).where(
        human_task.c.case_id == case_id, human_task.c.element_id.in_(tasks),
        human_task.c.state == "completed", human_task.c.completed_by.is_not(None))
        .order_by(human_task.c.completed_at.desc(), human_task.c.id.desc()).limit(1)).scalar()
    return None if who is None else str(who)


def person(conn: Connection, username: Any) -> Actor:
    """The actor of a username; one without roles when the user is unknown (a system)."""
    try:
        return actor_for(conn, str(username))
    except LookupError:
        return Actor(str(username))


def acting_person(call: ServiceCall, username: str) -> Actor:
    """The actor ``username`` acts as: the step's own actor when it is they who act now (the
    grants the request was allowed by, not read again), else as :func:`person` reads them."""
    if call.actor is not SYSTEM and call.actor.id == username:
        return call.actor
    return person(call.conn, username)


def _unit_code(call: ServiceCall, row: Mapping[str, Any] | None) -> str:
    code = row["unit_code"] if row else call.data.get("unit_code")
    if not isinstance(code, str) or not code:
        raise ValueError("the case data has no unit_code")
    return code


def record_finding(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    """Register the ledger row and record the body whose staff found the hazard; a unit's
    self-inspection is the unit's finding whoever types it in."""
    row = hazard_for_case(call.conn, call.case_id)
    initiator = str(call.data.get("initiator") or call.actor.id)
    if row is None:
        create_hazard_row(call.conn, call.case_id, call.data, initiator, call.now, calendar)
    unit_code = _unit_code(call, row)
    level, body = acting_body(call.conn, acting_person(call, initiator), unit_code,
                              own_finding=call.data.get("source") == SELF_INSPECTION)
    return {"found_by_level": level, "found_by_body": body, "found_by_user": initiator}


def record_order(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    """Record who ordered (the latest performer of ``tasks``) and the day; the order reaches
    the unit, so a finding hidden from it so far is hidden no longer."""
    row = hazard_for_case(call.conn, call.case_id)
    username = performer(call.conn, call.case_id, call.params)
    level, body = acting_body(call.conn, acting_person(call, username), _unit_code(call, row))
    if row is not None and not row["visible_to_unit"]:
        call.conn.execute(sa.update(hazard).where(hazard.c.id == row["id"]).values(
            visible_to_unit=True, updated_at=call.now))
    return {"ordered_by_level": level, "ordered_by_body": body, "ordered_by_user": username,
            "order_kind": "unit" if level == "unit" else "regulator",
            "ordered_on": calendar.today(call.now).isoformat()}


FINDING_OUTPUTS = ("found_by_level", "found_by_body", "found_by_user")
ORDER_OUTPUTS = ("ordered_by_level", "ordered_by_body", "ordered_by_user", "order_kind",
                 "ordered_on")
