"""Information reports (信息报告): an event's first report within its level's deadline, an
overdue first report escalating to the receiving levels, follow-ups and the final report
closing the event, and the live list shown only to the levels that receive each event.
The information_report process runs through the application's engine on a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, FixedClock, Forbidden, NotFound
from hazardflow.workflows.demo import seed_demo
from hazardflow.workflows.runtime import bundled_files, bundled_forms
from hazardflow.workflows.schema_events import info_event, info_event_report
from hazardflow.workflows.usecases import events
from tests.autocommit import autocommit
from tests.factories import make_runtime

from .conftest import T0
from .lifecycle import Lifecycle

FIRST = {"level": "general", "situation": "门诊楼三楼配电间冒烟，已断电", "deaths": 0,
         "injuries": 1, "measures": "疏散三楼患者，保卫科现场警戒"}


class EventLife(Lifecycle):
    """The lifecycle driver with only the information report process deployed."""

    def __init__(self, db: sa.Engine) -> None:
        self.db, self.clock = db, FixedClock(T0)
        self.rt = make_runtime(db, self.clock)
        self.engine = autocommit(self.rt.engine)
        shipped = {f.name: f.bpmn for f in bundled_files()}["information_report.bpmn"]
        self.engine.deploy(shipped, bundled_forms(), actor="system")
        with db.begin() as conn:
            seed_demo(conn, T0)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield EventLife(db)


def open_event(lc: Lifecycle, first: bool = True, level: str = "general",
               unit_code: str = "LA-JA-H01", by: str = "safety") -> int:
    known = lc.rt.calendar.local(lc.now() - timedelta(minutes=10))
    data: dict[str, Any] = {"unit_code": unit_code, "title": "配电间冒烟", "place": "门诊楼三楼",
                            "level": level,
                            "occurred_at": known.strftime("%Y-%m-%dT%H:%M"),
                            "known_at": known.strftime("%Y-%m-%dT%H:%M")}
    if first:
        data.update(FIRST, level=level)
    return events.open_event(lc.rt, lc.actor(by), data)


def row(lc: Lifecycle, event_id: int) -> Any:
    with lc.db.connect() as conn:
        return conn.execute(sa.select(info_event).where(info_event.c.id == event_id)).one()


def test_a_first_report_within_the_deadline_is_recorded_and_sent_to_county_and_city(
        lc: Lifecycle) -> None:
    event_id = open_event(lc)
    event = row(lc, event_id)
    assert event.first_due_at - event.known_at == timedelta(minutes=60)  # the 一般 default
    page = events.event_page(lc.rt, lc.actor("jinan"), event_id)
    assert [(r["kind_name"], r["reported_by_name"], r["late"], r["injuries"])
            for r in page["reports"]] == [("首报", "金安区人民医院安全管理员", False, 1)]
    assert {(n.to, n.kind) for n in lc.notes(event.case_id)} == {
        ("county_supervisor@LA-JA", "event_report"), ("city_supervisor@LA", "event_report")}
    lc.fire(event.case_id, event.first_due_at + timedelta(minutes=1))
    assert not row(lc, event_id).first_overdue  # filed in time: the timer is gone
    assert lc.open_elements(event.case_id) == ["Task_NextReport"]
    events.acknowledge(lc.rt, lc.actor("jinan"), event_id, page["reports"][0]["id"])
    with pytest.raises(Conflict):
        events.acknowledge(lc.rt, lc.actor("city"), event_id, page["reports"][0]["id"])
    with pytest.raises(Forbidden):
        events.acknowledge(lc.rt, lc.actor("safety"), event_id, page["reports"][0]["id"])
    shown = events.event_page(lc.rt, lc.actor("city"), event_id)["reports"][0]
    assert shown["acknowledged_by_name"] == "金安区卫健委监管员"


def test_a_missed_first_report_deadline_escalates_to_the_principal_county_and_city(
        lc: Lifecycle) -> None:
    events.set_deadlines(lc.rt, lc.actor("city"), {
        **{f"first_minutes.{lv}": "30" for lv in ("general", "larger", "major", "grave")},
        **{f"final_days.{lv}": "15" for lv in ("general", "larger", "major", "grave")}})
    event_id = open_event(lc, first=False)
    event = row(lc, event_id)
    assert event.first_due_at - event.known_at == timedelta(minutes=30)
    assert lc.fire(event.case_id, event.first_due_at - timedelta(minutes=1)) == 0
    assert lc.fire(event.case_id, event.first_due_at + timedelta(seconds=1)) == 1
    assert row(lc, event_id).first_overdue
    assert {n.to for n in lc.notes(event.case_id, "event_overdue")} == {
        "principal@LA-JA-H01", "county_supervisor@LA-JA", "city_supervisor@LA"}
    listed = events.open_events(lc.rt, lc.actor("city"))
    assert [(e["id"], e["overdue"], e["last_kind"]) for e in listed] == [(event_id, True, None)]
    events.file_report(lc.rt, lc.actor("principal"), event_id, "first", FIRST)  # late
    assert events.event_page(lc.rt, lc.actor("city"), event_id)["reports"][0]["late"] is True
    major = row(lc, open_event(lc, first=False, level="major"))
    lc.fire(major.case_id, major.first_due_at + timedelta(seconds=1))
    assert {n.to for n in lc.notes(major.case_id, "event_overdue")} == {  # the leaders too
        "principal@LA-JA-H01", "county_supervisor@LA-JA", "city_supervisor@LA", "city_leader@LA"}


def test_follow_ups_then_the_final_report_close_the_event_and_nothing_more_is_filed(
        lc: Lifecycle) -> None:
    event_id = open_event(lc)
    with pytest.raises(Conflict):
        events.file_report(lc.rt, lc.actor("safety"), event_id, "first", FIRST)
    for n in (2, 3):
        lc.set_time(lc.now() + timedelta(hours=n))
        events.file_report(lc.rt, lc.actor("safety"), event_id, "followup",
                           {**FIRST, "level": "larger", "injuries": n})
    assert row(lc, event_id).level == "larger"  # a follow-up raised the level
    case_id = row(lc, event_id).case_id
    lc.fire(case_id, row(lc, event_id).final_due_at + timedelta(minutes=1))
    events.file_report(lc.rt, lc.actor("safety"), event_id, "followup", FIRST)  # re-arms
    lc.fire(case_id)
    assert row(lc, event_id).final_overdue
    assert [n.to for n in lc.notes(case_id, "event_overdue")] == [  # told once
        "principal@LA-JA-H01", "county_supervisor@LA-JA", "city_supervisor@LA"]
    events.file_report(lc.rt, lc.actor("principal"), event_id, "final",
                       {**FIRST, "level": "larger", "situation": "处置完毕", "injuries": 3})
    event = row(lc, event_id)
    assert (event.status, event.closed_at) == ("closed", lc.now())
    with lc.db.connect() as conn:
        kinds = conn.execute(sa.select(info_event_report.c.seq, info_event_report.c.kind)
                             .where(info_event_report.c.event_id == event_id)
                             .order_by(info_event_report.c.seq)).all()
    assert kinds == [(1, "first"), (2, "followup"), (3, "followup"), (4, "followup"),
                     (5, "final")]
    assert lc.case(event.case_id).status == "completed"
    assert events.open_events(lc.rt, lc.actor("city")) == []
    with pytest.raises(Conflict):
        events.file_report(lc.rt, lc.actor("safety"), event_id, "followup", FIRST)


def test_the_live_list_shows_open_events_only_to_the_levels_that_receive_them(
        lc: Lifecycle) -> None:
    general = open_event(lc)
    major = open_event(lc, level="major", unit_code="LA-JA-P01", by="jimin")
    city_direct = open_event(lc, unit_code="LA-ZS-01", by="zs_safety")

    def ids(who: str) -> set[int]:
        return {e["id"] for e in events.open_events(lc.rt, lc.actor(who))}

    assert ids("city") == {general, major, city_direct}
    assert ids("jinan") == {general, major}  # 金安区's own area
    assert ids("yuan") == set()  # another county
    assert ids("leader") == {major}  # the city's leaders receive 重大 and above
    assert ids("safety") == {general}  # a unit sees its own
    with pytest.raises(NotFound):
        events.event_page(lc.rt, lc.actor("yuan"), general)
    with pytest.raises(Forbidden):  # a county does not report for its units
        open_event(lc, by="jinan")
    with pytest.raises(Forbidden):  # nor a unit for another unit
        open_event(lc, unit_code="LA-JA-H02")
