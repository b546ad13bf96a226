"""Service-task handlers of the report processes (月报, 季报, 年报).

=====================  ===========  ===================================================
topic                  sets         does
=====================  ===========  ===================================================
``report.open_round``  ``opened``   params ``kind`` (monthly | quarterly | annual),
                                    ``process`` (the key of the per-unit report
                                    process), optional ``due_day`` (the last on-time
                                    day of the month after the period, for reports to
                                    the city), ``unit_due_day`` (for reports to a
                                    county-level body; default ``due_day``),
                                    ``unit_kinds`` (comma list: only reporting units of
                                    these kinds; default every reporting unit),
                                    ``bodies`` ("true": the county-level bodies report
                                    too, consolidating) and ``since_campaign`` ("true":
                                    also the periods since the start of the campaigns
                                    running in the last period, as backfills): starts
                                    one report case per reporter (``report_chain``) and
                                    period that has none yet (a round run twice opens
                                    nothing new)
``report.fill``        ``report_id``  creates or refreshes the unit's report row with
                                    what it says (``report_chain.contents``)
``report.submit``      ``late``     freezes the contents, stores the narrative, marks the
                                    report submitted, late when after ``due_on`` (never
                                    a backfill); param ``signed`` ("true"): the actor
                                    signs it
``report.remind``      —            params ``recipients`` (candidate syntax) and
                                    ``kind`` (report_remind | report_overdue);
                                    ``once_per`` as for ``notify``
=====================  ===========  ===================================================

The round starts each report case inside its own step (``engine.start_case_within``), so the
round and the reports it opens commit together or not at all. Periods, figures and lateness
are business days of the calendar :func:`register_report_handlers` is given (the engine's).
A backfill is due with the round's own period, so its reminders do not fire at once.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import SYSTEM, Engine, ServiceCall
from hazardflow.engine.db import new_id
from hazardflow.engine.schema import human_task

from . import report_chain, reports
from .calendar import BusinessCalendar
from .handlers import first_time, on_calendar
from .notifications import KINDS as NOTIFICATION_KINDS
from .notifications import add_notification
from .phrases import phrase
from .resolver import OrgResolver, split_candidates
from .schema import app_user, unit, user_role
from .schema_campaigns import unit_report
from .schema_reporting import report_route
from .units import city_unit, require_unit

REPORT_NOTIFICATIONS = {"report_remind": "报表报送提醒", "report_overdue": "报表逾期未报"}
NARRATIVE_FIELDS = {"narrative": "", "campaign_actions": "专项行动开展情况：",
                    "problems": "存在问题：", "next_steps": "下步打算："}
_resolver = OrgResolver()


def _kind(call: ServiceCall) -> str:
    kind = call.params.get("kind") or call.data.get("kind")
    if kind not in reports.KINDS:
        raise ValueError(f"kind must be one of {', '.join(reports.KINDS)}, not {kind!r}")
    return str(kind)


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() == "true"


def _day(value: Any) -> int | None:
    return int(value) if value else None


class ReportHandlers:
    def __init__(self, engine: Engine, calendar: BusinessCalendar) -> None:
        self.engine = engine
        self.calendar = calendar

    def open_round(self, call: ServiceCall) -> dict[str, Any]:
        kind = _kind(call)
        process = str(call.params.get("process") or f"{kind}_report")
        due_day = _day(call.params.get("due_day"))
        unit_due_day = _day(call.params.get("unit_due_day")) or due_day
        kinds = split_candidates(str(call.params.get("unit_kinds") or ""))
        current = reports.period_for(kind, self.calendar.today(call.now))
        periods = self._periods(call, kind, current)
        definition = self.engine.definitions.resolve(call.conn, process)
        city = city_unit(call.conn).code
        made = reports.made_for(call.conn, kind, periods)  # (unit id, period): one read
        opened = 0
        for who in report_chain.reporters(call.conn, kinds or None,
                                          bodies=_flag(call.params.get("bodies"))):
            due = reports.due_on(kind, current,
                                 due_day if who.reports_to == city else unit_due_day)
            for period in periods:
                if (who.id, period) in made:
                    continue
                data: dict[str, Any] = {"unit_code": who.code, "kind": kind, "period": period,
                                        "due_on": due.isoformat(), "reports_to": who.reports_to}
                if period != current:
                    data["backfill"] = True
                last_day = reports.window(kind, period)[1] - timedelta(days=1)
                ids = report_chain.covered_ids(call.conn, who) if who.body else [who.id]
                campaign = report_chain.campaign_of(call.conn, ids, last_day)
                if campaign:
                    data["campaign"] = campaign
                # the report's own case, started in this step's transaction
                self.engine.start_case_within(call.conn, definition, data, SYSTEM,
                                              business_key=f"{kind}:{period}:{who.code}",
                                              now=call.now)
                opened += 1
        return {"opened": opened}

    def _periods(self, call: ServiceCall, kind: str, current: str) -> list[str]:
        """The round's period, and with ``since_campaign`` the periods back to the start of
        the earliest campaign running in it."""
        if not _flag(call.params.get("since_campaign")):
            return [current]
        start, end = reports.window(kind, current)
        starts = report_chain.campaign_starts(call.conn, start, end - timedelta(days=1))
        if not starts or starts[0] >= start:
            return [current]
        return reports.periods_between(kind, reports.period_of(kind, starts[0]), current)


def fill(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    """Create (or refresh while open) the case's report row with what the report says."""
    kind = _kind(call)
    period = str(call.data.get("period") or "")
    where = require_unit(call.conn, str(call.data.get("unit_code") or ""))
    due = str(call.data.get("due_on") or reports.due_on(kind, period).isoformat())
    date.fromisoformat(due)
    numbers = json.dumps(_contents(call, where.code, kind, period, calendar),
                         ensure_ascii=False)
    row = reports.report_row(call.conn, case_id=call.case_id)
    if row is None:
        if reports.exists(call.conn, kind, period, where.id):
            raise ValueError(f"{where.name} already has a {kind} report for {period}")
        report_id = new_id(call.conn.execute(unit_report.insert().values(
            kind=kind, period=period, unit_id=where.id, county_code=where.county_code,
            case_id=call.case_id, due_on=due, status="open", figures=numbers,
            opened_at=call.now, filled_at=call.now,
            campaign_code=call.data.get("campaign") or None)))
        reports_to = str(call.data.get("reports_to") or "") or where.county_code
        if reports_to:
            call.conn.execute(report_route.insert().values(
                report_id=report_id, reports_to=reports_to,
                backfill=call.data.get("backfill") is True))
        return {"report_id": report_id}
    if row["status"] == "open":
        call.conn.execute(sa.update(unit_report).where(unit_report.c.id == row["id"])
                          .values(figures=numbers, filled_at=call.now))
    return {"report_id": int(row["id"])}


def _contents(call: ServiceCall, unit_code: str, kind: str, period: str,
              calendar: BusinessCalendar) -> dict[str, Any]:
    who = report_chain.reporter(call.conn, unit_code)
    if who is None:  # started by hand for a unit outside the chain: the unit alone
        where = require_unit(call.conn, unit_code)
        return reports.figures(call.conn, [where.id], kind, period, call.now, calendar)
    out = report_chain.contents(call.conn, who, kind, period, call.now, calendar)
    if who.body:  # a body reads its area's public reports; a unit does not read its own
        out["public_report_handling"] = reports.public_report_handling(
            call.conn, report_chain.covered_ids(call.conn, who), kind, period, call.now,
            calendar)
    return out


def submit(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    row = reports.report_row(call.conn, case_id=call.case_id)
    if row is None:
        raise ValueError("this case has no report row (report.fill did not run)")
    if row["status"] == "submitted":
        return {"late": bool(row["late"])}
    parts = [(label, str(call.data.get(name) or "").strip())
             for name, label in NARRATIVE_FIELDS.items()]
    narrative = "\n".join(label + text for label, text in parts if text)
    numbers = _contents(call, row["unit_code"], row["kind"], row["period"], calendar)
    late = not row["backfill"] and reports.is_late(call.now, row["due_on"], calendar)
    signed = _flag(call.params.get("signed"))
    call.conn.execute(sa.update(unit_report).where(unit_report.c.id == row["id"]).values(
        status="submitted", submitted_at=call.now, late=late, narrative=narrative,
        figures=json.dumps(numbers, ensure_ascii=False), filled_at=call.now,
        submitted_by=_filled_by(call) or call.actor.id,
        signed_by=call.actor.id if signed else None))
    if signed:
        call.conn.execute(sa.update(report_route).where(
            report_route.c.report_id == row["id"]).values(signed_at=call.now))
    return {"late": late}


def _filled_by(call: ServiceCall) -> str | None:
    """Who completed the fill task last (the safety officer; the actor may be the principal)."""
    found = call.conn.execute(sa.select(human_task.c.completed_by).where(
        human_task.c.case_id == call.case_id,
        human_task.c.element_id == str(call.params.get("fill_task") or "Task_Fill"),
        human_task.c.completed_by.is_not(None))
        .order_by(human_task.c.completed_at.desc(), human_task.c.id.desc()).limit(1)).scalar()
    return str(found) if found else None


# what a report's fillers are reminded of (workflows/phrases.py)
REMIND_TEXTS: dict[str, str] = {
    "title": "【%(kind)s】%(unit)s %(period)s %(report)s",
    "due": "%(unit)s %(period)s %(report)s应于 %(due)s （含）前报送。",
    "overdue": "%(unit)s %(period)s %(report)s应于 %(due)s （含）前报送，现已逾期。",
}


def remind(call: ServiceCall) -> None:
    if not first_time(call):
        return
    kind = str(call.params.get("kind") or "report_remind")
    recipients = str(call.params.get("recipients") or "safety_officer@unit")
    row = reports.report_row(call.conn, case_id=call.case_id)
    if row is None or row["status"] == "submitted":
        return
    t = REMIND_TEXTS
    report = {"unit": str(row["unit_name"]), "period": str(row["period"]),
              "report": str(row["kind_name"])}
    title = phrase(t["title"], words=("kind", "report"), kind=NOTIFICATION_KINDS[kind], **report)
    body = phrase(t["overdue" if kind == "report_overdue" else "due"], words=("report",),
                  due=str(row["due_on"]), **report)
    grants = [g for item in split_candidates(recipients)
              for g in _resolver.resolve(item, call.data, call.conn)]
    for grant in dict.fromkeys(grants):
        if _held(call, grant):  # a body fills its report as a supervisor, a unit not
            add_notification(call.conn, kind=kind, title=title, body=body, now=call.now,
                             grant=grant, case_id=call.case_id)


def _held(call: ServiceCall, grant: tuple[str, str | None]) -> bool:
    """Whether an active user holds the role at the unit (a notice to nobody is noise)."""
    role, code = grant
    return call.conn.execute(sa.select(user_role.c.id)
                             .join(app_user, app_user.c.id == user_role.c.user_id)
                             .join(unit, unit.c.id == user_role.c.unit_id)
                             .where(user_role.c.role == role, unit.c.code == code,
                                    app_user.c.active.is_(True)).limit(1)).first() is not None


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
