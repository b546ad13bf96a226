"""Operators' repairs of one case: suspend and resume, terminate, move the token, hand a
task over; each needs a reason and leaves a record in the case's audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Actor, Conflict, Engine, FixedClock, InvalidInput, audit
from hazardflow.engine.schema import human_task, outbox, timer

from .support import CLERK, REVIEWER, REVIEWER2
from .test_cases import assert_reload_matches, case_row, open_task

OPERATOR = Actor("operator", frozenset({("supervisor", None)}))


def actions(engine: Engine, case_id: int) -> list[str]:
    with engine.db.connect() as conn:
        return [h["action"] for h in audit.history(conn, case_id)]


def test_a_suspended_case_refuses_work_and_fires_missed_timers_on_resume(
        engine: Engine, clock: FixedClock, calls) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    engine.suspend(case.case_id, OPERATOR, "核查")
    for attempt in (lambda: engine.complete_task(task, REVIEWER, {"decision": "approve"}),
                    lambda: engine.claim(task, REVIEWER),
                    lambda: engine.move_token(case.case_id, "Task_Fix", OPERATOR, "x")):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert (refused.value.code, refused.value.case_id) == ("suspended", case.case_id)
    with pytest.raises(Conflict, match="already suspended"):
        engine.suspend(case.case_id, OPERATOR, "again")
    clock.advance(timedelta(days=3))  # the P2D reminder came due while suspended
    assert engine.fire_due_timers() == 0 and calls.remind == []
    assert engine.resume(case.case_id, OPERATOR, "核查完毕") == "active"
    assert len(calls.remind) == 1  # fired on resume, once
    assert engine.fire_due_timers() == 0
    assert engine.complete_task(task, REVIEWER, {"decision": "approve"}).status == "completed"
    assert actions(engine, case.case_id)[1:3] == ["suspend", "resume"]


def test_work_left_in_the_outbox_waits_for_the_resume(engine: Engine, clock: FixedClock) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    with engine.db.begin() as conn:
        conn.execute(sa.insert(outbox).values(case_id=case.case_id, reason="continue",
                                              created_at=clock.now()))
    engine.suspend(case.case_id, OPERATOR, "核查")
    assert engine.run_pending() == 0
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(outbox.c.done_at)).scalar() is None
    engine.resume(case.case_id, OPERATOR, "继续")
    assert engine.run_pending() == 1


def test_terminate_cancels_tasks_and_retires_timers(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    with pytest.raises(InvalidInput) as missing:
        engine.terminate(case.case_id, OPERATOR, " ")
    assert missing.value.code == "reason_required"
    engine.terminate(case.case_id, OPERATOR, "重复登记")
    assert case_row(engine, case.case_id).status == "terminated"
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(human_task.c.state).where(
            human_task.c.id == task)).scalar() == "cancelled"
        assert conn.execute(sa.select(sa.func.count()).select_from(timer).where(
            timer.c.case_id == case.case_id, timer.c.fired_at.is_(None))).scalar() == 0
    with pytest.raises(Conflict):
        engine.complete_task(task, REVIEWER, {"decision": "approve"})
    with pytest.raises(Conflict, match="terminated"):
        engine.resume(case.case_id, OPERATOR, "x")


def test_move_forward_skips_and_back_resets_with_candidates(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    first_review = open_task(engine, case.case_id, "Task_Review")
    moved = engine.move_token(case.case_id, "Task_Fix", OPERATOR, "直接退回修改")
    assert_reload_matches(engine, case.case_id)
    assert moved.active == [("Task_Fix", "Fix")]
    fix = open_task(engine, case.case_id, "Task_Fix")
    back = engine.move_token(case.case_id, "Task_Review", OPERATOR, "重新审核")
    assert_reload_matches(engine, case.case_id)
    review = open_task(engine, case.case_id, "Task_Review")
    assert review != first_review and back.active == [("Task_Review", "Review")]
    with engine.db.connect() as conn:
        states = dict(conn.execute(sa.select(human_task.c.id, human_task.c.state)).all())
        candidates = conn.execute(sa.text(
            "select role, unit from task_candidate where human_task_id = :t"),
            {"t": review}).all()
    assert states[first_review] == "cancelled" and states[fix] == "cancelled"
    assert [tuple(c) for c in candidates] == [("reviewer", "U1")]
    with pytest.raises(InvalidInput):
        engine.move_token(case.case_id, "Service_Record", OPERATOR, "not a user task")
    with pytest.raises(Conflict, match="already at"):
        engine.move_token(case.case_id, "Task_Review", OPERATOR, "x")
    assert engine.complete_task(review, REVIEWER, {"decision": "approve"}).status == "completed"


def test_reassign_and_return_to_group(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    engine.claim(task, REVIEWER)
    engine.reassign_task(task, OPERATOR, REVIEWER2, "rev 休假")
    with pytest.raises(InvalidInput):
        engine.reassign_task(task, OPERATOR, CLERK, "not a candidate")
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(human_task.c.assignee).where(
            human_task.c.id == task)).scalar() == "rev2"
    engine.reassign_task(task, OPERATOR, None, "退回组内")
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(human_task.c.assignee).where(
            human_task.c.id == task)).scalar() is None
    assert actions(engine, case.case_id)[-2:] == ["reassign", "return_to_group"]
