"""Timers on the injected clock: indexed due times, one sweep function, no double firing."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hazardflow.engine import Engine
from hazardflow.engine.schema import timer

from .support import CLERK, REVIEWER, T0
from .test_cases import open_task


def timers(engine: Engine, case_id: int) -> list[sa.Row]:
    with engine.db.connect() as conn:
        return conn.execute(sa.select(timer).where(timer.c.case_id == case_id)).all()


def test_waiting_timer_is_indexed_with_its_due_time(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    rows = timers(engine, case.case_id)
    assert [(r.element_id, r.due_at, r.fired_at) for r in rows] == [
        ("Timer_Remind", T0 + timedelta(days=2), None)]


def test_timer_fires_once_when_due(engine: Engine, calls) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    assert engine.fire_due_timers(T0 + timedelta(days=1)) == 0
    assert calls.remind == []
    due = T0 + timedelta(days=2, seconds=1)
    assert engine.fire_due_timers(due) == 1
    assert [c.params["who"] for c in calls.remind] == ["reviewer@unit"]
    assert engine.fire_due_timers(due) == 0
    assert engine.fire_due_timers(due + timedelta(days=5)) == 0
    assert len(calls.remind) == 1
    assert timers(engine, case.case_id)[0].fired_at == due
    # the non-interrupting timer left the review open
    assert engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                                {"decision": "approve"}).status == "completed"


def test_fresh_engine_fires_timers_of_cases_it_never_loaded(engine: Engine, make_engine,
                                                            calls) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    other = make_engine()  # another process: empty caches
    assert other.fire_due_timers(T0 + timedelta(days=3)) == 1
    assert len(calls.remind) == 1
    assert timers(other, case.case_id)[0].fired_at is not None


def test_completing_the_task_retires_its_boundary_timer(engine: Engine, calls) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    engine.complete_task(open_task(engine, case.case_id), REVIEWER, {"decision": "approve"})
    assert timers(engine, case.case_id)[0].fired_at is not None
    assert engine.fire_due_timers(T0 + timedelta(days=3)) == 0
    assert calls.remind == []


def test_timer_restarts_when_the_task_is_entered_again(engine: Engine, clock) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    clock.advance(timedelta(days=1))
    engine.complete_task(open_task(engine, case.case_id), REVIEWER, {"decision": "reject"})
    engine.complete_task(open_task(engine, case.case_id, "Task_Fix"), CLERK, {"note": "x"})
    open_rows = [r for r in timers(engine, case.case_id) if r.fired_at is None]
    assert [r.due_at for r in open_rows] == [T0 + timedelta(days=3)]


def test_rescheduled_timer_fires_at_its_new_time(engine: Engine, calls) -> None:
    from .support import REVIEWER
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    row = timers(engine, case.case_id)[0]
    later = T0 + timedelta(days=10)
    engine.reschedule_timer(case.case_id, row.id, later, REVIEWER)
    assert engine.fire_due_timers(T0 + timedelta(days=3)) == 0
    assert calls.remind == []
    assert engine.fire_due_timers(later + timedelta(seconds=1)) == 1
    assert len(calls.remind) == 1
