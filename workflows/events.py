"""Information reports (信息报告) of events up the chain, and their process.

The notice asks every unit to keep 值班备勤和信息报告. A unit that learns of an event (a
fire, a gas leak, a structural failure…) opens it (:func:`open_event`), which starts the
``information_report`` case (bpmn/information_report.bpmn, designer-editable):

- the service task ``event.deadlines`` reads the deadlines of the event's level from the
  city's table (``event_deadline``; a level without a row takes :data:`DEFAULT_DEADLINES`)
  and sets ``first_due`` (first report 首报, counted from when the unit knew) and
  ``final_due`` (final report 终报); the user tasks and their boundary timers use them;
- the first report, then any number of follow-ups (续报) and the final report are the
  unit's tasks; ``event.record`` keeps each as an ``info_event_report`` row (who, when,
  situation, casualties, measures, level) and tells the receiving levels of the event's
  level (:data:`RECIPIENTS`) in the app;
- a missed deadline fires ``event.overdue``: the event is flagged and the levels named in
  the diagram are told, and the receiving levels of the event's level (a 重大 event's first
  report overdue reaches the city's leaders too).

The receiving level acknowledges (签收) each report (:func:`acknowledge`). Defaults follow
《生产安全事故报告和调查处理条例》: the unit reports within 1 hour (第九条), each level
passes it up within 2 hours (第十条), and changes in casualties within 30 days are reported
(第十三条); a 重大 or 特别重大 event goes to the city's leaders too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Engine, InvalidInput, NotFound, ServiceCall
from hazardflow.engine.db import new_id
from hazardflow.engine.schema import human_task

from .notifications import add_notification
from .phrases import Phrase, phrase
from .resolver import OrgResolver, split_candidates
from .schema import unit
from .schema_events import event_deadline, info_event, info_event_report
from .units import get_unit_by_code

PROCESS = "information_report"
LEVELS: dict[str, str] = {"general": "一般", "larger": "较大", "major": "重大",
                          "grave": "特别重大"}
KINDS: dict[str, str] = {"first": "首报", "followup": "续报", "final": "终报"}
# level → (minutes from knowing to the first report, days to the final report)
DEFAULT_DEADLINES: dict[str, tuple[int, int]] = {
    "general": (60, 30), "larger": (60, 30), "major": (30, 30), "grave": (30, 30)}
MAX_FIRST_MINUTES = 24 * 60
MAX_FINAL_DAYS = 365
COUNTY_AND_CITY = "county_supervisor@county, city_supervisor@city"
RECIPIENTS: dict[str, str] = {"general": COUNTY_AND_CITY, "larger": COUNTY_AND_CITY,
                              "major": COUNTY_AND_CITY + ", city_leader@city",
                              "grave": COUNTY_AND_CITY + ", city_leader@city"}
# the levels whose events reach the city's leaders (the live list shows them those)
LEADER_LEVELS = tuple(level for level, who in RECIPIENTS.items() if "city_leader" in who)
TASKS = {"first": "Task_FirstReport", "followup": "Task_NextReport", "final": "Task_NextReport"}

_resolver = OrgResolver()


@dataclass(frozen=True)
class Deadline:
    level: str
    first_minutes: int
    final_days: int


def level_name(level: str) -> str:
    return LEVELS.get(level, level)


def check_level(level: Any) -> str:
    if level not in LEVELS:
        raise InvalidInput(f"事件等级须为一般、较大、重大或特别重大 (level must be one of "
                           f"{', '.join(LEVELS)}, got {level!r})")
    return str(level)


# -- deadlines -----------------------------------------------------------------------------

def deadlines(conn: Connection) -> list[Deadline]:
    """Each level's deadlines: the city's, else the defaults."""
    rows = {r.level: r for r in conn.execute(sa.select(event_deadline))}
    return [Deadline(level, rows[level].first_minutes, rows[level].final_days)
            if level in rows else Deadline(level, *DEFAULT_DEADLINES[level])
            for level in LEVELS]


def set_deadline(conn: Connection, level: str, first_minutes: int, final_days: int,
                 by: str, now: datetime) -> None:
    check_level(level)
    conn.execute(sa.delete(event_deadline).where(event_deadline.c.level == level))
    conn.execute(sa.insert(event_deadline).values(
        level=level, first_minutes=first_minutes, final_days=final_days, updated_by=by,
        updated_at=now))


def due_times(conn: Connection, level: str, known_at: datetime) -> tuple[datetime, datetime]:
    """(first report due, final report due) for an event of ``level`` known at ``known_at``."""
    found = {d.level: d for d in deadlines(conn)}[check_level(level)]
    return (known_at + timedelta(minutes=found.first_minutes),
            known_at + timedelta(days=found.final_days))


# -- opening and reading -------------------------------------------------------------------

def open_event(conn: Connection, engine: Engine, actor: Actor, *, unit_code: str, title: str,
               place: str, level: str, occurred_at: datetime, known_at: datetime,
               now: datetime) -> int:
    """Register an event of ``unit_code`` and start its reporting case; the event's id."""
    where = get_unit_by_code(conn, unit_code)
    if where is None:
        raise NotFound(f"没有这个单位：{unit_code} (no unit {unit_code!r})")
    first_due, final_due = due_times(conn, level, known_at)
    definition = engine.definition(conn, PROCESS)
    result = engine.start_case_within(
        conn, definition, {"unit_code": where.code, "level": level,
                           "known_at": known_at.isoformat(), "event_title": title},
        actor, business_key=f"event-{where.code}-{known_at:%Y%m%d%H%M}", now=now)
    return new_id(conn.execute(sa.insert(info_event).values(
        case_id=result.case_id, unit_id=where.id, county_code=where.county_code or where.code,
        title=title, place=place, level=level, occurred_at=occurred_at, known_at=known_at,
        first_due_at=first_due, final_due_at=final_due, status="open", created_by=actor.id,
        created_at=now)))


def _event_query() -> Any:
    return (sa.select(info_event, unit.c.code.label("unit_code"), unit.c.name.label("unit_name"))
            .join(unit, unit.c.id == info_event.c.unit_id))


def overdue(row: Mapping[str, Any], now: datetime) -> bool:
    """Whether a report is late now: no first report by its deadline, or an open event past
    its final report's deadline (or flagged so by the process's timers)."""
    if row["status"] != "open":
        return False
    return bool(row["first_overdue"] or row["final_overdue"]
                or (row["last_report_at"] is None and now > row["first_due_at"])
                or now > row["final_due_at"])


def list_open(conn: Connection, where: Any, now: datetime) -> list[dict[str, Any]]:
    """The open events ``where`` keeps (the reader's visibility clause), newest known first,
    with the last report, the reports not yet acknowledged, and the overdue flag."""
    rows = [dict(r._mapping) for r in conn.execute(
        _event_query().where(info_event.c.status == "open", where)
        .order_by(info_event.c.known_at.desc(), info_event.c.id.desc()).limit(500))]
    last: dict[int, Any] = {}
    pending: dict[int, int] = {}
    if rows:
        ids = [r["id"] for r in rows]
        for rep in conn.execute(sa.select(info_event_report).where(
                info_event_report.c.event_id.in_(ids)).order_by(info_event_report.c.seq)):
            last[rep.event_id] = rep
            if rep.acknowledged_at is None:
                pending[rep.event_id] = pending.get(rep.event_id, 0) + 1
    for row in rows:
        latest = last.get(row["id"])
        row.update(level_name=level_name(row["level"]), overdue=overdue(row, now),
                   minutes_since=int((now - row["known_at"]).total_seconds() // 60),
                   last_kind=KINDS[latest.kind] if latest else None,
                   last_at=latest.reported_at if latest else None,
                   unacknowledged=pending.get(row["id"], 0))
    return rows


def event_detail(conn: Connection, event_id: int, where: Any, now: datetime) -> dict[str, Any]:
    """One event ``where`` keeps, with its reports in order (NotFound otherwise)."""
    row = conn.execute(_event_query().where(info_event.c.id == event_id, where)).first()
    if row is None:
        raise NotFound(f"事件 {event_id} 不存在 (event {event_id} does not exist)")
    found = dict(row._mapping)
    found.update(level_name=level_name(found["level"]), overdue=overdue(found, now))
    reports = [dict(r._mapping) | {"kind_name": KINDS[r.kind], "level_name": level_name(r.level)}
               for r in conn.execute(sa.select(info_event_report).where(
                   info_event_report.c.event_id == event_id).order_by(info_event_report.c.seq))]
    return {"event": found, "reports": reports}


def open_task(conn: Connection, case_id: int, kind: str) -> int:
    """The open task where a report of ``kind`` is filed (Conflict when there is none)."""
    if kind not in KINDS:
        raise InvalidInput(f"报告类型须为首报、续报或终报 (kind must be one of "
                           f"{', '.join(KINDS)}, got {kind!r})")
    found = conn.execute(sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id, human_task.c.element_id == TASKS[kind],
        human_task.c.state == "open")).scalar()
    if found is None:
        raise Conflict(f"该事件现在不能报送{KINDS[kind]}（首报须先报送，终报后事件已关闭） "
                       f"(no {kind} report can be filed for this event now)")
    return int(found)


def acknowledge(conn: Connection, event_id: int, report_id: int, by: str,
                now: datetime) -> None:
    """签收 one report of the event (Conflict when it is already acknowledged)."""
    done = conn.execute(sa.update(info_event_report).where(
        info_event_report.c.id == report_id, info_event_report.c.event_id == event_id,
        info_event_report.c.acknowledged_at.is_(None))
        .values(acknowledged_by=by, acknowledged_at=now)).rowcount
    if not done:
        raise Conflict(f"报告 {report_id} 不存在或已签收 (report {report_id} does not exist "
                       "or was acknowledged already)")


# -- the process's service tasks -----------------------------------------------------------

def _event_of(call: ServiceCall) -> Any:
    row = call.conn.execute(_event_query().where(info_event.c.case_id == call.case_id)).first()
    if row is None:
        raise ValueError(f"案件 {call.case_id} 没有事件记录 (case {call.case_id} has no event)")
    return row


# what an event's receivers are told (workflows/phrases.py)
EVENT_TEXTS: dict[str, str] = {
    "report_title": "【%(kind)s】%(unit)s %(title)s",
    "report_body": "%(unit)s报送%(level)s事件“%(title)s”%(kind)s：死亡 %(deaths)s 人，受伤 "
                   "%(injuries)s 人。请签收。",
    "late_title": "【%(kind)s超时】%(unit)s %(title)s",
    "late_body": "%(unit)s的%(level)s事件“%(title)s”未在时限内%(kind)s，请督促报送。",
}


def _tell(call: ServiceCall, kind: str, recipients: str, title: Phrase, body: Phrase) -> None:
    for item in split_candidates(recipients):
        for grant in _resolver.resolve(item, call.data, call.conn):
            add_notification(call.conn, kind=kind, title=title, body=body, now=call.now,
                             grant=grant, case_id=call.case_id)


def _deadlines(call: ServiceCall) -> dict[str, Any]:
    """``event.deadlines``: ``first_due`` and ``final_due`` from the level's deadlines."""
    known = datetime.fromisoformat(str(call.data["known_at"]))
    first, final = due_times(call.conn, str(call.data.get("level")), known)
    return {"first_due": first.isoformat(), "final_due": final.isoformat()}


def _record(call: ServiceCall) -> None:
    """``event.record`` (param ``kind``: first, or next: the form's ``report_kind``)."""
    event = _event_of(call)
    data = call.data
    kind = "first" if call.params.get("kind") == "first" else str(data.get("report_kind"))
    if kind not in KINDS:
        raise ValueError(f"event.record 的报告类型有误 (bad report kind {kind!r})")
    level = check_level(data.get("level") or event.level)
    seq = int(call.conn.execute(sa.select(sa.func.count()).select_from(info_event_report)
                                .where(info_event_report.c.event_id == event.id)).scalar_one())
    late = call.now > (event.first_due_at if kind == "first" else event.final_due_at)
    call.conn.execute(sa.insert(info_event_report).values(
        event_id=event.id, seq=seq + 1, kind=kind, level=level,
        situation=str(data.get("situation") or ""), deaths=int(data.get("deaths") or 0),
        injuries=int(data.get("injuries") or 0), measures=str(data.get("measures") or ""),
        late=late, reported_by=call.actor.id, reported_at=call.now))
    values: dict[str, Any] = {"level": level, "last_report_at": call.now}
    if kind == "final":
        values.update(status="closed", closed_at=call.now)
    call.conn.execute(sa.update(info_event).where(info_event.c.id == event.id).values(**values))
    t = EVENT_TEXTS
    _tell(call, "event_report", RECIPIENTS[level],
          phrase(t["report_title"], words=("kind",), kind=KINDS[kind], unit=event.unit_name,
                 title=event.title),
          phrase(t["report_body"], words=("kind", "level"), unit=event.unit_name,
                 level=level_name(level), title=event.title, kind=KINDS[kind],
                 deaths=str(data.get("deaths") or 0), injuries=str(data.get("injuries") or 0)))


def _overdue(call: ServiceCall) -> None:
    """``event.overdue`` (params ``rung``: first or final, ``recipients``)."""
    rung = call.params.get("rung")
    if rung not in ("first", "final"):
        raise ValueError("event.overdue 的参数 rung 须为 first 或 final "
                         "(event.overdue needs rung first or final)")
    event = _event_of(call)
    flag = "first_overdue" if rung == "first" else "final_overdue"
    if getattr(event, flag):  # told once: a follow-up re-arms the final report's timer
        return
    call.conn.execute(sa.update(info_event).where(info_event.c.id == event.id)
                      .values(**{flag: True}))
    what = KINDS[str(rung)]
    named = split_candidates(str(call.params.get("recipients") or COUNTY_AND_CITY))
    receiving = [r for r in split_candidates(RECIPIENTS[event.level]) if r not in named]
    t = EVENT_TEXTS
    _tell(call, "event_overdue", ", ".join([*named, *receiving]),
          phrase(t["late_title"], words=("kind",), kind=what, unit=event.unit_name,
                 title=event.title),
          phrase(t["late_body"], words=("kind", "level"), unit=event.unit_name,
                 level=level_name(event.level), title=event.title, kind=what))


def register_event_handlers(engine: Engine) -> None:
    engine.handlers.register("event.deadlines", _deadlines, ("first_due", "final_due"))
    engine.handlers.register("event.record", _record)
    engine.handlers.register("event.overdue", _overdue)
