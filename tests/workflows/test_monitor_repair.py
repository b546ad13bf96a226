"""Repairs: honest bulk retries, a reset that re-opens a task for the right people, and
deadline extensions that move the timers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, FixedClock, InvalidInput
from hazardflow.engine.schema import audit_event, human_task, incident, timer
from hazardflow.workflows import extensions
from hazardflow.workflows.demo import seed_demo
from hazardflow.workflows.usecases import repair as repair_uc
from tests.autocommit import autocommit
from tests.factories import make_runtime

from . import flaky
from .lifecycle import T0, TODAY, Lifecycle, end_of_day
from .lifecycle_forms import order_form, rectify_form

HERE = Path(__file__).parent / "bpmn"
START_FORM = {"type": "object", "properties": {"station": {"type": "string"}},
              "required": ["station"]}
NOTE_FORM = {"type": "object", "properties": {"note": {"type": "string"}}}


def test_bulk_retry_of_100_incidents_reports_each_case_honestly(db: sa.Engine) -> None:
    clock = FixedClock(T0)
    rt = make_runtime(db, clock, handler_modules="tests.workflows.flaky")
    engine = autocommit(rt.engine)
    with db.begin() as conn:
        seed_demo(conn, T0)
    engine.deploy((HERE / "flaky.bpmn").read_bytes(), {"flaky_start": START_FORM,
                                                         "flaky_note": NOTE_FORM},
                  actor="designer")
    from hazardflow.workflows.users import actor_for
    with db.connect() as conn:
        city = actor_for(conn, "city")
    flaky.OUT_OF_SERVICE.clear()
    flaky.OUT_OF_SERVICE.update(f"S{i}" for i in range(100))
    cases = []
    for i in range(100):
        case_id = engine.start_case("flaky", {"station": f"S{i}"}, city).case_id
        with db.connect() as conn:
            task_id = conn.execute(sa.select(human_task.c.id).where(
                human_task.c.case_id == case_id, human_task.c.state == "open")).scalar_one()
        assert engine.complete_task(task_id, city, {}).status == "incident"
        cases.append(case_id)
    fixed = {f"S{i}" for i in range(0, 100, 2)}
    flaky.OUT_OF_SERVICE.difference_update(fixed)  # half the stations answer again

    preview = repair_uc.preview(rt, city, cases, "retry")
    assert all(p["ok"] for p in preview)
    batch = repair_uc.start_bulk(rt, city, "retry", "接口已修复，批量重试", cases)
    result = repair_uc.batch_status(rt, city, batch)
    try:
        assert [r["case_id"] for r in result["results"]] == cases
        assert result["status"] == "done"
        assert (result["total"], result["done"]) == (100, 100)
        assert (result["succeeded"], result["failed"]) == (50, 50)
        by_case = {r["case_id"]: r for r in result["results"]}
        with db.connect() as conn:
            for i, case_id in enumerate(cases):
                status = conn.execute(sa.text("select status from process_case where id=:c"),
                                      {"c": case_id}).scalar()
                open_incidents = conn.execute(sa.select(sa.func.count()).select_from(incident)
                                              .where(incident.c.case_id == case_id,
                                                     incident.c.resolved_at.is_(None))).scalar()
                if i % 2 == 0:
                    assert by_case[case_id]["outcome"] == "ok", by_case[case_id]
                    assert (status, open_incidents) == ("active", 0)
                else:
                    assert by_case[case_id]["outcome"] == "failed"
                    assert "仍失败" in by_case[case_id]["message"]
                    assert f"S{i}" in by_case[case_id]["message"]
                    assert (status, open_incidents) == ("incident", 1)
    finally:
        flaky.OUT_OF_SERVICE.clear()


@pytest.fixture
def life(db: sa.Engine) -> Lifecycle:
    return Lifecycle(db)


def test_reset_to_an_earlier_task_reopens_it_for_the_right_people(life: Lifecycle) -> None:
    case_id = life.report()
    first_triage = life.task_id(case_id, "Task_Triage")
    triage_people = life.candidates(first_triage)
    life.complete(case_id, "Task_Triage", "safety", order_form(TODAY + timedelta(days=10)))
    life.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    assert life.open_elements(case_id) == ["Task_Verify"]

    outcome, _ = repair_uc.repair_one(life.rt, life.actor("jinan"), case_id, "move",
                                    "整改照片与现场不符，退回整改", {"target": "Task_Rectify"})
    life.check(case_id)
    assert outcome == "ok" and life.open_elements(case_id) == ["Task_Rectify"]
    again = life.task(case_id, "Task_Rectify")
    assert again.assignee == "rectifier"
    assert life.candidates(again.id) == {("rectifier", "LA-JA-H01")}
    rectify_rows = life.tasks(case_id, "Task_Rectify")
    assert [r.state for r in rectify_rows] == ["completed", "open"]
    assert [r.state for r in life.tasks(case_id, "Task_Verify")] == ["cancelled"]
    moved = [h for h in life.history(case_id) if h["action"] == "move_token"]
    assert moved[-1]["actor"] == "jinan" and "退回整改" in moved[-1]["payload"]["reason"]
    with life.db.connect() as conn:  # the escalation timers run again from the deadline
        waiting = conn.execute(sa.select(sa.func.count()).select_from(timer).where(
            timer.c.case_id == case_id, timer.c.fired_at.is_(None))).scalar()
    assert waiting == 5

    assert repair_uc.repair_one(life.rt, life.actor("city"), case_id, "move", "重新处置",
                              {"target": "Task_Triage"})[0] == "ok"
    life.check(case_id)
    reopened = life.task(case_id, "Task_Triage")
    assert reopened.id != first_triage and life.candidates(reopened.id) == triage_people
    life.complete(case_id, "Task_Triage", "safety", order_form(TODAY + timedelta(days=12)))
    assert life.open_elements(case_id) == ["Task_Rectify"]


def test_skipping_forward_leaves_the_work_undone_and_says_where_it_stops(
        life: Lifecycle) -> None:
    case_id = life.report()
    life.complete(case_id, "Task_Triage", "safety", order_form(TODAY + timedelta(days=10)))
    with pytest.raises(Conflict, match="does not reach Task_Controls"):
        life.engine.move_token(case_id, "Task_Controls", life.actor("city"), "试试")
    life.check_stored(case_id)
    result = life.engine.move_token(case_id, "Task_Verify", life.actor("city"), "已线下整改")
    life.check(case_id)
    assert result.active == [("Task_Verify", "验收/复查")]
    assert [r.state for r in life.tasks(case_id, "Task_Rectify")] == ["cancelled"]
    with pytest.raises(InvalidInput):
        life.engine.move_token(case_id, "Task_Triage", life.actor("city"), "  ")


def test_an_approved_extension_moves_the_deadline_and_the_timers(life: Lifecycle) -> None:
    case_id = life.report()
    deadline = TODAY + timedelta(days=10)
    life.complete(case_id, "Task_Triage", "safety", order_form(deadline))
    later = deadline + timedelta(days=14)
    with pytest.raises(InvalidInput):
        repair_uc.request_extension(life.rt, life.actor("rectifier"), case_id,
                                     (deadline - timedelta(days=1)).isoformat(), "太难")
    ask = repair_uc.request_extension(life.rt, life.actor("rectifier"), case_id,
                                       later.isoformat(), "需采购防火门，供货周期两周")
    with pytest.raises(Conflict):
        repair_uc.request_extension(life.rt, life.actor("safety"), case_id,
                                     later.isoformat(), "再申请")
    with life.db.connect() as conn:
        pending = extensions.list_requests(conn, life.actor("jinan"))
        assert [p["id"] for p in pending] == [ask]
        assert extensions.list_requests(conn, life.actor("yuan")) == []
    decided = repair_uc.decide_extension(life.rt, life.actor("jinan"), ask, True, "同意")
    life.check(case_id)
    assert decided["status"] == "approved"
    assert life.hazard(case_id)["deadline"] == later.isoformat()
    assert life.task(case_id, "Task_Rectify").due_at == end_of_day(later)
    with life.db.connect() as conn:
        dues = dict(conn.execute(sa.select(timer.c.element_id, timer.c.due_at).where(
            timer.c.case_id == case_id, timer.c.fired_at.is_(None))).all())
        record = conn.execute(sa.select(audit_event.c.payload).where(
            audit_event.c.case_id == case_id, audit_event.c.action == "set_variables")).scalar()
    assert dues["BoundaryEvent_RectifyDue"] == end_of_day(later)
    assert dues["BoundaryEvent_RectifyLetter"] == end_of_day(later + timedelta(days=7))
    assert f"#{ask}" in json.loads(record)["reason"]
    # the old deadline passes quietly; the new one fires the due notice
    assert life.fire(case_id, end_of_day(deadline) + timedelta(hours=1)) == 0
    assert life.fire(case_id, end_of_day(later) + timedelta(hours=1)) == 1
    assert [n.kind for n in life.notes(case_id, "due")] == ["due"]
    with pytest.raises(Conflict):
        repair_uc.decide_extension(life.rt, life.actor("jinan"), ask, False)
