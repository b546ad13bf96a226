"""Information reports (信息报告): open an event with its first report, file follow-ups and
the final report, acknowledge (签收) a report, read the live list and an event, set the
deadlines per level.

A unit's safety officer or principal reports its own unit's events (``event.report``); the
receiving levels (county and city supervisors, the city's leaders for 重大 and 特别重大)
read them and acknowledge each report; the city sets the deadlines (``event.deadlines``).
Every function runs in one unit of work: a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hazardflow.engine import Actor, Detail, InvalidInput

from .. import events, policy
from ..inputs import whole_number
from ..runtime import Runtime
from ..schema_events import info_event
from ..units import unit_names
from ..uow import reading, unit_of_work
from ..users import display_names

MAX_TEXT = 200
MIN_YEAR, MAX_YEAR = 2000, 2999


def _text(data: Mapping[str, Any], field: str, what: str, limit: int = MAX_TEXT) -> str:
    text = str(data.get(field) or "").strip()
    if not text or len(text) > limit:
        raise InvalidInput(f"{what}不能为空，最多 {limit} 个字 ({field} is required, at most "
                           f"{limit} characters)", [Detail(f"{what}不能为空", field=field)])
    return text


def _moment(rt: Runtime, data: Mapping[str, Any], field: str, what: str) -> datetime:
    """A date-time from a form (``2026-11-02T08:30``: business time) or ISO with an offset."""
    text = str(data.get(field) or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{what}须为日期时间，如 2026-11-02T08:30 ({field} must be a "
                           f"date-time)", [Detail(f"{what}格式有误", field=field)]) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise InvalidInput(f"{what}超出范围 ({field} is out of range)",
                           [Detail(f"{what}超出范围", field=field)])
    aware = moment if moment.tzinfo else moment.replace(tzinfo=rt.calendar.tz)
    if aware > rt.now():
        raise InvalidInput(f"{what}不能晚于现在 ({field} is in the future)",
                           [Detail(f"{what}不能晚于现在", field=field)])
    return aware


def _report(data: Mapping[str, Any]) -> dict[str, Any]:
    """The report's fields as the process's forms take them."""
    return {"level": events.check_level(data.get("level")),
            "situation": _text(data, "situation", "事件情况", 4000),
            "deaths": whole_number(data.get("deaths") or 0, "deaths", low=0, high=100000),
            "injuries": whole_number(data.get("injuries") or 0, "injuries", low=0, high=100000),
            "measures": _text(data, "measures", "已采取的措施", 4000)}


def open_event(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> int:
    """Register an event of one of the actor's units and, when the form holds one, file its
    first report at once; the event's id."""
    policy.require(actor, "event.report")
    unit_code = _text(data, "unit_code", "报告单位", 64)
    title, place = _text(data, "title", "事件名称"), _text(data, "place", "地点")
    level = events.check_level(data.get("level"))
    occurred_at = _moment(rt, data, "occurred_at", "发生时间")
    known_at = _moment(rt, data, "known_at", "获知时间")
    if known_at < occurred_at:
        raise InvalidInput("获知时间不能早于发生时间 (known_at is before occurred_at)",
                           [Detail("获知时间不能早于发生时间", field="known_at")])
    first = _report(data) if data.get("situation") else None
    with unit_of_work(rt) as conn:
        policy.require_unit_in_scope(conn, actor, unit_code, "报告该单位的突发事件")
        event_id = events.open_event(
            conn, rt.engine, actor, unit_code=unit_code, title=title, place=place, level=level,
            occurred_at=occurred_at, known_at=known_at, now=rt.now())
        if first is not None:
            _file(rt, conn, actor, event_id, "first", first)
    return event_id


def _file(rt: Runtime, conn: Any, actor: Actor, event_id: int, kind: str,
          report: dict[str, Any]) -> None:
    case_id = conn.execute(info_event.select().with_only_columns(info_event.c.case_id)
                           .where(info_event.c.id == event_id)).scalar()
    task_id = events.open_task(conn, int(case_id), kind)
    data = dict(report) if kind == "first" else {"report_kind": kind, **report}
    rt.engine.complete_task(conn, task_id, actor, data)


def file_report(rt: Runtime, actor: Actor, event_id: int, kind: Any,
                data: Mapping[str, Any]) -> None:
    """File a first report, a follow-up or the final report of an event the actor sees."""
    policy.require(actor, "event.report")
    if kind not in events.KINDS:
        raise InvalidInput("报告类型须为首报、续报或终报 (kind must be first, followup or final)",
                           [Detail("报告类型有误", field="kind")])
    report = _report(data)
    with unit_of_work(rt) as conn:
        events.event_detail(conn, event_id, _where(actor), rt.now())
        _file(rt, conn, actor, event_id, str(kind), report)


def acknowledge(rt: Runtime, actor: Actor, event_id: int, report_id: int) -> None:
    """签收 a report of an event the actor receives."""
    policy.require(actor, "event.acknowledge")
    with unit_of_work(rt) as conn:
        events.event_detail(conn, event_id, _where(actor), rt.now())
        events.acknowledge(conn, event_id, report_id, actor.id, rt.now())


def _where(actor: Actor) -> Any:
    return policy.visible_events(actor, events.LEADER_LEVELS)


def open_events(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """The live list: the open events the actor receives or reports, newest first."""
    policy.require(actor, "event.view")
    with reading(rt) as conn:
        return events.list_open(conn, _where(actor), rt.now())


def event_page(rt: Runtime, actor: Actor, event_id: int) -> dict[str, Any]:
    """One event with its reports (who filed and acknowledged each, by name) and what the
    actor may do on it."""
    policy.require(actor, "event.view")
    with reading(rt) as conn:
        found = events.event_detail(conn, event_id, _where(actor), rt.now())
        people = [r["reported_by"] for r in found["reports"]] + \
            [r["acknowledged_by"] for r in found["reports"] if r["acknowledged_by"]]
        names = display_names(conn, people)
    for r in found["reports"]:
        r["reported_by_name"] = names.get(r["reported_by"], r["reported_by"])
        r["acknowledged_by_name"] = names.get(r["acknowledged_by"] or "", r["acknowledged_by"])
    event = found["event"]
    reported = bool(found["reports"])
    found.update(may_report=policy.allows(actor, "event.report") and event["status"] == "open",
                 next_kinds=["followup", "final"] if reported else ["first"],
                 may_acknowledge=policy.allows(actor, "event.acknowledge"))
    return found


def reporting_units(rt: Runtime, actor: Actor) -> list[dict[str, str]]:
    """The units whose events the actor reports (their own units), by name."""
    if not policy.allows(actor, "event.report"):
        return []
    with reading(rt) as conn:
        names = unit_names(conn, policy.staff_units(actor))
    return [{"code": code, "name": name} for code, name in sorted(names.items())]


def deadlines(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """Each level's deadlines (minutes to the first report, days to the final one)."""
    policy.require(actor, "event.view")
    with reading(rt) as conn:
        return [{"level": d.level, "name": events.level_name(d.level),
                 "first_minutes": d.first_minutes, "final_days": d.final_days}
                for d in events.deadlines(conn)]


def set_deadlines(rt: Runtime, actor: Actor, values: Mapping[str, Any]) -> None:
    """Set each level's deadlines from ``first_minutes.<level>`` and ``final_days.<level>``
    (the city only); events already open keep the deadlines they started with."""
    policy.require(actor, "event.deadlines")
    checked = [(level, whole_number(values.get(f"first_minutes.{level}"),
                                    f"first_minutes.{level}", low=1,
                                    high=events.MAX_FIRST_MINUTES),
                whole_number(values.get(f"final_days.{level}"), f"final_days.{level}", low=1,
                             high=events.MAX_FINAL_DAYS)) for level in events.LEVELS]
    with unit_of_work(rt) as conn:
        for level, first, final in checked:
            events.set_deadline(conn, level, first, final, actor.id, rt.now())
