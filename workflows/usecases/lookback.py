"""The look-back (回头看): set a commission's sample rule, read the rounds and their samples,
and the periodic draw (the job ``lookback`` in ``workflows.jobs``).

The city's supervisors set the city's rule, a county's supervisors their county's
(``policy.require_may_set_lookback_rule``); a refused or bad request writes nothing. The
re-check itself is an inbox task completed like any other (usecases.tasks.complete).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from hazardflow.engine import Actor

from .. import lookback, policy
from ..runtime import Runtime
from ..schema import unit
from ..uow import reading, unit_of_work
from ..users import display_names

LOOKBACK_SECONDS = 3600.0  # the round of the month is drawn within the hour it falls due


def set_rule(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Set (replace) the sample rule of ``data["body_code"]``; the rule as stored."""
    given = dict(data) if isinstance(data, Mapping) else {}
    with unit_of_work(rt) as conn:
        body = lookback.require_body(conn, given.get("body_code"))
        policy.require_may_set_lookback_rule(actor, body.code, body.kind)
        rule = lookback.check_rule(given)
        active = given.get("active", True)
        lookback.set_rule(conn, body, rule, active=active is not False and active != "0",
                          by=actor.id, now=rt.now())
        return lookback.rules(conn, {body.code})[0]


def page(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """The rules and rounds the actor reads, and the bodies whose rule they may set."""
    bodies = policy.lookback_bodies(actor)
    with reading(rt) as conn:
        rounds = lookback.rounds(conn, bodies)
        settable = [{"code": str(r.code), "name": str(r.name), "kind": str(r.kind)}
                    for r in conn.execute(unit.select().where(unit.c.code.in_(sorted(
                        policy.held_units(actor, {"city_supervisor", "county_supervisor"})))))
                    if policy.may_set_lookback_rule(actor, str(r.code), str(r.kind))]
        names = display_names(conn, {s["done_by"] for r in rounds for s in r["samples"]
                                     if s["done_by"]})
        return {"rules": lookback.rules(conn, bodies), "rounds": rounds,
                "settable": settable, "names": names}


def link_of(rt: Runtime, actor: Actor, case_id: int) -> dict[str, Any] | None:
    """For a hazard case the actor sees: its look-back (the re-check of it, or the closed
    hazard it repeats), else None."""
    with reading(rt) as conn:
        if not policy.case_visible(conn, actor, case_id):
            return None
        return lookback.repeat_of(conn, case_id)


def draw_due(rt: Runtime, now: datetime) -> list[int]:
    """Draw every active rule's round of this month not drawn yet, one transaction each;
    the new rounds' ids (a round another process drew meanwhile is skipped)."""
    with reading(rt) as conn:
        due = lookback.due_rules(conn, rt.calendar.today(now))
    out = []
    for body, rule, period in due:
        try:
            with unit_of_work(rt) as conn:
                drawn = lookback.draw(conn, rt.engine, body, rule, period, now=now,
                                      calendar=rt.calendar)
        except IntegrityError:
            continue
        if drawn is not None:
            out.append(drawn)
    return out
