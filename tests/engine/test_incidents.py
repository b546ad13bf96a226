"""Failures inside the process: rolled back, recorded as incidents, retried honestly."""

from __future__ import annotations

import sqlalchemy as sa

from hazardflow.engine import Engine
from hazardflow.engine.schema import human_task, incident, outbox, process_case

from .support import CLERK, REVIEWER, bpmn_bytes, load_forms
from .test_cases import case_row, open_task


def test_failing_handler_keeps_the_completion_and_opens_an_incident(engine: Engine,
                                                                    calls) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    calls.fail_record = True
    result = engine.complete_task(task, REVIEWER, {"decision": "approve"})
    assert result.status == "incident" and result.incident_id is not None
    with engine.db.connect() as conn:
        inc = conn.execute(sa.select(incident).where(incident.c.id == result.incident_id)).one()
        completed_by = conn.execute(sa.select(human_task.c.completed_by).where(
            human_task.c.id == task)).scalar()
    assert inc.element_id == "Service_Record" and "record service is down" in inc.message
    assert inc.resolved_at is None
    assert completed_by == "rev"  # the user's completion was accepted, not lost
    assert case_row(engine, case.case_id).status == "incident"


def test_retry_that_fails_again_says_so(engine: Engine, calls) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    calls.fail_record = True
    first = engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                                 {"decision": "approve"})
    again = engine.retry_incident(first.incident_id, REVIEWER)
    assert again.status == "incident" and again.incident_id == first.incident_id
    with engine.db.connect() as conn:
        attempts = conn.execute(sa.select(incident.c.attempts).where(
            incident.c.id == first.incident_id)).scalar()
    assert attempts == 2
    calls.fail_record = False
    fixed = engine.retry_incident(first.incident_id, REVIEWER)
    assert fixed.status == "completed" and fixed.incident_id is None
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(incident.c.resolved_by).where(
            incident.c.id == first.incident_id)).scalar() == "rev"


def test_cpu_bomb_in_a_condition_becomes_an_incident_quickly(make_engine) -> None:
    engine = make_engine()
    bomb = bpmn_bytes().replace(b'${decision == "approve"}',
                                b'${decision == "approve" and 9**(3*10**6) > 0}')
    engine.deploy(bomb, load_forms(), actor="designer")
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    result = engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                                  {"decision": "approve"})
    assert result.status == "incident"
    with engine.db.connect() as conn:
        message = conn.execute(sa.select(incident.c.message).where(
            incident.c.id == result.incident_id)).scalar()
    assert "exponent" in message


def test_crash_before_automatic_steps_is_finished_from_the_outbox(make_engine, calls) -> None:
    first = make_engine(step_budget=0)
    first.deploy(bpmn_bytes(), load_forms(), actor="designer")
    case = first.start_case("review", {"unit": "U1"}, CLERK)
    assert case.pending  # even the start's automatic steps wait in the outbox
    assert first.run_pending() == 1
    result = first.complete_task(open_task(first, case.case_id), REVIEWER,
                                 {"decision": "approve"})
    assert result.pending and result.status == "active"
    assert calls.record == []
    # the process dies here; another one, with empty caches, drains the outbox
    second = make_engine()
    assert second.run_pending() == 1
    assert case_row(second, case.case_id).status == "completed"
    assert len(calls.record) == 1
    assert second.run_pending() == 0
    with second.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.done_at.is_(None))).scalar() == 0
        assert conn.execute(sa.select(process_case.c.status)).scalar() == "completed"


def test_failure_outside_the_process_steps_is_an_incident_and_changes_nothing(
        make_engine) -> None:
    from hazardflow.engine.errors import ProcessFailed

    class Flaky:
        broken = False

        def case_changed(self, conn, view) -> None:
            if self.broken:
                raise RuntimeError("ledger table is locked")

    listener = Flaky()
    engine = make_engine(listeners=[listener])
    engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    listener.broken = True
    import pytest
    with pytest.raises(ProcessFailed) as info:
        engine.complete_task(task, REVIEWER, {"decision": "approve"})
    row = case_row(engine, case.case_id)
    assert row.status == "incident" and row.revision == case.revision
    assert open_task(engine, case.case_id) == task  # the completion was not applied
    listener.broken = False
    assert engine.retry_incident(info.value.incident_id, REVIEWER).status == "active"
    assert engine.complete_task(task, REVIEWER, {"decision": "approve"}).status == "completed"


def test_a_case_that_fails_while_starting_leaves_nothing_behind(make_engine) -> None:
    import pytest

    from hazardflow.engine.errors import StartFailed

    class Broken:
        def case_changed(self, conn, view) -> None:
            raise RuntimeError("ledger unavailable")

    engine = make_engine(listeners=[Broken()])
    engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    with pytest.raises(StartFailed) as info:
        engine.start_case("review", {"unit": "U1"}, CLERK)
    assert "ledger unavailable" in info.value.message
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(process_case)).scalar() == 0
