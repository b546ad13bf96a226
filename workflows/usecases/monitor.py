"""The supervisors' monitor as its pages and the API read it: stuck cases, where work piles
up on a process's diagram, the dashboard and its Excel export, escalations and the 督办
letter, and the thresholds.

Each use-case checks the ``monitor`` permission (``monitor.thresholds`` to change a
threshold) and answers only within the actor's scope: a county supervisor's lists, counts,
piles, figures and letters hold the cases of their county and nothing else (the scope is
applied inside every query by :func:`hazardflow.workflows.policy.visible_hazard_rows` and,
for the rollup, :func:`hazardflow.workflows.policy.counties_overseen`). Repairs and deadline
extensions are in :mod:`hazardflow.workflows.usecases.repair`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, NotFound

from .. import campaigns, escalation, monitor, monitor_piles, policy
from .. import dashboard as figures
from ..incident_text import ElementNames
from ..inputs import whole_number
from ..roles import COUNTY_LEVEL_KINDS
from ..runtime import Runtime
from ..schema import unit
from ..uow import reading, unit_of_work
from ..users import display_names

MAX_WEEKS = 156


def open_monitor(rt: Runtime, actor: Actor) -> None:
    """Forbidden unless ``actor`` may look at the monitor (for a page without data of its
    own, such as the dashboard's frame)."""
    policy.require(actor, "monitor")


# -- stuck cases -----------------------------------------------------------------------------

def stuck(rt: Runtime, actor: Actor, args: Mapping[str, Any], page: int = 1,
          per_page: int = 50) -> dict[str, Any]:
    """One page of the stuck list filtered by ``args`` (kind, county, unit, category, level,
    campaign, process, version, element), with the count per kind."""
    policy.require(actor, "monitor")
    filters = monitor.stuck_filter(args)
    with reading(rt) as conn:
        return monitor.stuck(conn, actor, filters, rt.now(), page, per_page,
                             names=ElementNames(conn, rt.engine))


def stuck_page(rt: Runtime, actor: Actor, args: Mapping[str, Any],
               page: int = 1) -> dict[str, Any]:
    """The stuck list's page: a page of 50 and the process versions its filter offers."""
    policy.require(actor, "monitor")
    filters = monitor.stuck_filter(args)
    with reading(rt) as conn:
        return {"result": monitor.stuck(conn, actor, filters, rt.now(), page, 50,
                                          names=ElementNames(conn, rt.engine)),
                "definitions": monitor_piles.definitions(conn), **_choices(conn, actor)}


def _choices(conn: Connection, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """What the stuck list's filters offer, as (code, name) by name: the units in the
    actor's scope, the county-level bodies among them, and the campaigns."""
    scope = policy.units_in_scope(conn, actor)
    rows = conn.execute(sa.select(unit.c.code, unit.c.name, unit.c.kind)
                        .where(unit.c.code.in_(sorted(scope)))).all() if scope else []
    rows = sorted(rows, key=lambda r: (str(r.name), str(r.code)))
    return {"units": [(str(r.code), str(r.name)) for r in rows],
            "counties": [(str(r.code), str(r.name)) for r in rows
                         if r.kind in COUNTY_LEVEL_KINDS],
            "campaigns": [(str(c["code"]), str(c["name"]))
                          for c in campaigns.list_campaigns(conn)]}


# -- where work piles up ---------------------------------------------------------------------

def busiest_process(rt: Runtime, actor: Actor) -> int:
    """The process version with the most open work (else the newest): the diagram the
    monitor opens on."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        found = monitor_piles.busiest_definition(conn, actor)
    if found is None:
        raise NotFound("尚未部署任何流程 (no process is deployed)")
    return found


def process_page(rt: Runtime, actor: Actor, definition_id: int) -> dict[str, Any]:
    """A process version's diagram with its piles and heat over the cases the actor may
    see, and the versions to switch to."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        definition = monitor_piles.definition_row(conn, definition_id)
        if definition is None:
            raise NotFound(f"流程版本 {definition_id} 不存在 "
                           f"(process definition {definition_id} does not exist)")
        return {"definition": definition,
                "piles": monitor_piles.piles(conn, actor, definition_id, rt.now()),
                "definitions": monitor_piles.definitions(conn)}


def piles(rt: Runtime, actor: Actor, definition_id: int) -> dict[str, dict[str, Any]]:
    """Per activity of a process version: open, overdue, incidents, average hours spent."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        return monitor_piles.piles(conn, actor, definition_id, rt.now())


def cases_at(rt: Runtime, actor: Actor, definition_id: int,
             element_id: str) -> list[dict[str, Any]]:
    """The cases the actor may see waiting at one activity of a process version."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        return monitor.cases_at(conn, actor, definition_id, element_id, rt.now(),
                                names=ElementNames(conn, rt.engine))


# -- the dashboard ---------------------------------------------------------------------------

def dashboard(rt: Runtime, actor: Actor, weeks: int = 26) -> dict[str, Any]:
    """Every figure of the dashboard for the last ``weeks`` weeks within the actor's scope.

    The rollup is brought up to date first when the ledger moved on since: then the refresh
    and the figures are one unit of work; otherwise the figures are read only."""
    policy.require(actor, "monitor")
    weeks = whole_number(weeks, "weeks", high=MAX_WEEKS)
    today = rt.calendar.today(rt.now())
    with reading(rt) as conn:
        if not figures.stale(conn):
            return figures.dashboard(conn, actor, today, weeks, rt.calendar)
    with unit_of_work(rt) as conn:
        figures.refresh(conn, rt.calendar)
        return figures.dashboard(conn, actor, today, weeks, rt.calendar)


def dashboard_xlsx(rt: Runtime, actor: Actor, weeks: int = 26) -> bytes:
    """The dashboard as an Excel workbook (the same figures, the same scope)."""
    return figures.to_xlsx(dashboard(rt, actor, weeks), rt.calendar)


def refresh_rollup(rt: Runtime) -> int:
    """Bring the dashboard's rollup up to date (the periodic job); how many hazards were
    read."""
    with reading(rt) as conn:
        if not figures.stale(conn):
            return 0
    with unit_of_work(rt) as conn:
        return figures.refresh(conn, rt.calendar)


# -- escalations and letters -----------------------------------------------------------------

def escalations(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """What the escalation ladder raised to the actor, newest rung first."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        return escalation.escalated_to(conn, actor)


def letter(rt: Runtime, actor: Actor, case_id: int) -> dict[str, Any]:
    """The printable 督办函 of a hazard the actor may see (NotFound otherwise)."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        return escalation.letter(conn, actor, case_id, rt.calendar)


# -- thresholds ------------------------------------------------------------------------------

def thresholds(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """The thresholds set, the defaults, and the process versions a new one may name."""
    policy.require(actor, "monitor")
    with reading(rt) as conn:
        rows = monitor.thresholds(conn)
        shown = display_names(conn, [r.get("updated_by") for r in rows])
        items = [{**r, "updated_by_name": shown.get(r.get("updated_by") or "",
                                                    r.get("updated_by"))} for r in rows]
        return {"items": items, "defaults": monitor.DEFAULT_DAYS,
                "definitions": monitor_piles.definitions(conn)}


def set_threshold(rt: Runtime, actor: Actor, process_key: str, element_id: str, kind: str,
                  days: Any) -> None:
    """Set a threshold in days (1–3650), or with ``days`` None (or empty) remove it."""
    policy.require(actor, "monitor.thresholds")
    number = None if days is None or days == "" else whole_number(days, "days", high=3650)
    with unit_of_work(rt) as conn:
        monitor.set_threshold(conn, actor, process_key, element_id, kind, number, rt.now())
