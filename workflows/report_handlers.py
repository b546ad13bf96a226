"""Service-task handlers of the report processes (月报, 季报, 年报).

=====================  ===========  ===================================================
topic                  sets         does
=====================  ===========  ===================================================
``report.open_round``  ``opened``   params ``kind`` (monthly | quarterly | annual),
                                    ``process`` (the key of the per-unit report
                                    process), optional ``due_day`` and ``unit_kinds``
                                    (comma list; default institution,city_direct):
                                    starts one report case per reporting unit that has
                                    none for the period yet (a round run twice opens
                                    nothing new)
``report.fill``        ``report_id``  creates or refreshes the unit's report row with
                                    the figures from the ledger
``report.submit``      ``late``     freezes the figures, stores the narrative, marks the
                                    report submitted, late when after ``due_on``;
                                    param ``signed`` ("true"): the actor signs it
``report.remind``      —            params ``recipients`` (candidate syntax) and
                                    ``kind`` (report_remind | report_overdue);
                                    ``once_per`` as for ``notify``
=====================  ===========  ===================================================

The round starts each report case inside its own step (``engine.start_case_within``), so the
round and the reports it opens commit together or not at all. Periods, figures and lateness
are business days of the calendar :func:`register_report_handlers` is given (the engine's).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import SYSTEM, Engine, ServiceCall
from hazardflow.engine.db import new_id
from hazardflow.engine.schema import human_task

from . import reports
from .calendar import BusinessCalendar
from .campaigns import REPORTING_KINDS, active_campaign_for
from .handlers import first_time, on_calendar
from .notifications import KINDS as NOTIFICATION_KINDS
from .notifications import add_notification
from .resolver import OrgResolver, split_candidates
from .schema import unit
from .schema_campaigns import unit_report
from .units import require_unit

REPORT_NOTIFICATIONS = {"report_remind": "报表报送提醒", "report_overdue": "报表逾期未报"}
NARRATIVE_FIELDS = {"narrative": "", "campaign_actions": "专项行动开展情况：",
                    "problems": "存在问题：", "next_steps": "下步打算："}
_resolver = OrgResolver()


def _kind(call: ServiceCall) -> str:
    kind = call.params.get("kind") or call.data.get("kind")
    if kind not in reports.KINDS:
        raise ValueError(f"kind must be one of {', '.join(reports.KINDS)}, not {kind!r}")
    return str(kind)


class ReportHandlers:
    def __init__(self, engine: Engine, calendar: BusinessCalendar) -> None:
        self.engine = engine
        self.calendar = calendar

    def open_round(self, call: ServiceCall) -> dict[str, Any]:
        kind = _kind(call)
        process = str(call.params.get("process") or f"{kind}_report")
        due_day = int(call.params["due_day"]) if call.params.get("due_day") else None
        kinds = split_candidates(str(call.params.get("unit_kinds") or ""))
        today = self.calendar.today(call.now)
        period = reports.period_for(kind, today)
        due = reports.due_on(kind, period, due_day)
        definition = self.engine.definitions.resolve(call.conn, process)
        units = call.conn.execute(sa.select(unit.c.id, unit.c.code).where(
            unit.c.active.is_(True), unit.c.kind.in_(kinds or REPORTING_KINDS))
            .order_by(unit.c.code)).all()
        opened = 0
        for row in units:
            if reports.exists(call.conn, kind, period, row.id):
                continue
            data = {"unit_code": row.code, "kind": kind, "period": period,
                    "due_on": due.isoformat()}
            campaign = active_campaign_for(call.conn, row.id, min(today, due))
            if campaign:
                data["campaign"] = campaign
            # the report's own case, started in this step's transaction
            self.engine.start_case_within(call.conn, definition, data, SYSTEM,
                                          business_key=f"{kind}:{period}:{row.code}",
                                          now=call.now)
            opened += 1
        return {"opened": opened}


def fill(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    """Create (or refresh while open) the case's report row with the ledger's figures."""
    kind = _kind(call)
    period = str(call.data.get("period") or "")
    where = require_unit(call.conn, str(call.data.get("unit_code") or ""))
    due = str(call.data.get("due_on") or reports.due_on(kind, period).isoformat())
    date.fromisoformat(due)
    numbers = json.dumps(reports.figures(call.conn, where.id, kind, period, call.now,
                                         calendar), ensure_ascii=False)
    row = reports.report_row(call.conn, case_id=call.case_id)
    if row is None:
        if reports.exists(call.conn, kind, period, where.id):
            raise ValueError(f"{where.name} already has a {kind} report for {period}")
        report_id = new_id(call.conn.execute(unit_report.insert().values(
            kind=kind, period=period, unit_id=where.id, county_code=where.county_code,
            case_id=call.case_id, due_on=due, status="open", figures=numbers,
            opened_at=call.now, filled_at=call.now,
            campaign_code=call.data.get("campaign") or None)))
        return {"report_id": report_id}
    if row["status"] == "open":
        call.conn.execute(sa.update(unit_report).where(unit_report.c.id == row["id"])
                          .values(figures=numbers, filled_at=call.now))
    return {"report_id": int(row["id"])}


def submit(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    row = reports.report_row(call.conn, case_id=call.case_id)
    if row is None:
        raise ValueError("this case has no report row (report.fill did not run)")
    if row["status"] == "submitted":
        return {"late": bool(row["late"])}
    parts = [(label, str(call.data.get(name) or "").strip())
             for name, label in NARRATIVE_FIELDS.items()]
    narrative = "\n".join(label + text for label, text in parts if text)
    numbers = reports.figures(call.conn, row["unit_id"], row["kind"], row["period"], call.now,
                              calendar)
    late = reports.is_late(call.now, row["due_on"], calendar)
    signed = str(call.params.get("signed") or "").lower() == "true"
    call.conn.execute(sa.update(unit_report).where(unit_report.c.id == row["id"]).values(
        status="submitted", submitted_at=call.now, late=late, narrative=narrative,
        figures=json.dumps(numbers, ensure_ascii=False), filled_at=call.now,
        submitted_by=_filled_by(call) or call.actor.id,
        signed_by=call.actor.id if signed else None))
    return {"late": late}


def _filled_by(call: ServiceCall) -> str | None:
    """Who completed the fill task last (the safety officer; the actor may be the principal)."""
    found = call.conn.execute(sa.select(human_task.c.completed_by).where(
        human_task.c.case_id == call.case_id,
        human_task.c.element_id == str(call.params.get("fill_task") or "Task_Fill"),
        human_task.c.completed_by.is_not(None))
        .order_by(human_task.c.completed_at.desc(), human_task.c.id.desc()).limit(1)).scalar()
    return str(found) if found else None


def remind(call: ServiceCall) -> None:
    if not first_time(call):
        return
    kind = str(call.params.get("kind") or "report_remind")
    recipients = str(call.params.get("recipients") or "safety_officer@unit")
    row = reports.report_row(call.conn, case_id=call.case_id)
    if row is None or row["status"] == "submitted":
        return
    title = f"【{NOTIFICATION_KINDS[kind]}】{row['unit_name']} {row['period']} {row['kind_name']}"
    body = (f"{row['unit_name']} {row['period']} {row['kind_name']}应于 {row['due_on']} "
            f"（含）前报送" + ("，现已逾期。" if kind == "report_overdue" else "。"))
    for item in split_candidates(recipients):
        for grant in _resolver.resolve(item, call.data, call.conn):
            add_notification(call.conn, kind=kind, title=title, body=body, now=call.now,
                             grant=grant, case_id=call.case_id)


def register_report_handlers(engine: Engine, calendar: BusinessCalendar) -> None:
    """Add the report topics to ``engine``'s registry (the round needs the engine), their
    periods and lateness in ``calendar``'s business days."""
    for key, name in REPORT_NOTIFICATIONS.items():
        NOTIFICATION_KINDS.setdefault(key, name)
    registry = engine.handlers
    registry.register("report.open_round", ReportHandlers(engine, calendar).open_round,
                      ("opened",))
    registry.register("report.fill", on_calendar(fill, calendar), ("report_id",))
    registry.register("report.submit", on_calendar(submit, calendar), ("late",))
    registry.register("report.remind", remind)
