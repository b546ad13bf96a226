"""Cases: start, complete, entitlement, forms, audit, and state that survives a reload."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Actor, Conflict, Engine, Forbidden, InvalidInput, audit
from hazardflow.engine.schema import audit_event, human_task, process_case
from hazardflow.engine.store import CaseRow

from .support import CLERK, OUTSIDER, REVIEWER, REVIEWER2, T0


def open_task(engine: Engine, case_id: int, element: str | None = None) -> int:
    with engine.db.connect() as conn:
        query = sa.select(human_task.c.id).where(human_task.c.case_id == case_id,
                                                 human_task.c.state == "open")
        if element:
            query = query.where(human_task.c.element_id == element)
        ids = [r[0] for r in conn.execute(query)]
    assert len(ids) == 1, ids
    return ids[0]


def case_row(engine: Engine, case_id: int) -> sa.Row:
    with engine.db.connect() as conn:
        return conn.execute(sa.select(process_case).where(process_case.c.id == case_id)).one()


def assert_reload_matches(engine: Engine, case_id: int) -> None:
    """The live workflow and a fresh deserialization agree on every task and its data."""
    row = case_row(engine, case_id)
    cached = engine.store.live.take(case_id, row.revision)
    with engine.db.connect() as conn:
        definition = engine.definitions.get(conn, row.definition_id)
        fresh = engine.store.load_fresh(
            conn, CaseRow(row.id, row.definition_id, row.status, row.revision, row.started_by),
            definition)
    assert cached is not None, "the live workflow should be cached after each step"
    def snapshot(wf):
        return sorted((str(t.id), t.task_spec.name, t.state, repr(sorted(t.data.items())))
                      for t in wf.get_tasks())
    assert snapshot(cached) == snapshot(fresh)
    engine.store.live.put(case_id, row.revision, cached)


def test_approved_case_runs_to_completion(engine: Engine, calls) -> None:
    case = engine.start_case("review", {"unit": "U1", "amount": 5}, CLERK)
    assert_reload_matches(engine, case.case_id)
    result = engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                                  {"decision": "approve"})
    assert result.status == "completed"
    assert len(calls.record) == 1 and calls.record[0].data["amount"] == 5
    assert case_row(engine, case.case_id).status == "completed"
    with engine.db.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_event.c.action).where(
            audit_event.c.case_id == case.case_id).order_by(audit_event.c.seq))]
        assert actions == ["start", "complete"]
        assert list(audit.verify(conn)) == []


def test_rejection_goes_to_the_initiator_and_back_to_review(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                         {"decision": "reject", "reason": "照片不清楚"})
    assert_reload_matches(engine, case.case_id)
    fix = open_task(engine, case.case_id, "Task_Fix")
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(human_task.c.assignee).where(
            human_task.c.id == fix)).scalar() == "clerk"
    engine.complete_task(fix, CLERK, {"note": "重新拍照"})
    assert_reload_matches(engine, case.case_id)
    review = open_task(engine, case.case_id, "Task_Review")
    assert engine.complete_task(review, REVIEWER, {"decision": "approve"}).status == "completed"


def test_human_task_row_carries_due_priority_and_candidates(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    with engine.db.connect() as conn:
        row = conn.execute(sa.select(human_task).where(
            human_task.c.case_id == case.case_id)).one()
    assert row.priority == 70 and row.form_key == "review_form"
    assert row.due_at == T0 + timedelta(days=3)
    assert row.assignee is None and row.name == "Review"


def test_candidate_of_another_unit_is_forbidden(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    with pytest.raises(Forbidden):
        engine.complete_task(open_task(engine, case.case_id), OUTSIDER, {"decision": "approve"})


def test_actor_without_starter_group_cannot_start(engine: Engine) -> None:
    with pytest.raises(Forbidden):
        engine.start_case("review", {"unit": "U1"}, REVIEWER)


def test_invalid_form_is_refused_field_by_field_and_changes_nothing(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    before = case_row(engine, case.case_id)
    with pytest.raises(InvalidInput) as info:
        engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                             {"decision": "maybe", "extra": 1})
    fields = {d.field for d in info.value.details}
    assert {"decision", "extra"} <= fields
    assert all(d.message for d in info.value.details)
    after = case_row(engine, case.case_id)
    assert (after.revision, after.state) == (before.revision, before.state)


def test_missing_required_field_is_named(engine: Engine) -> None:
    with pytest.raises(InvalidInput) as info:
        engine.start_case("review", {"amount": 1}, CLERK)
    assert [d.field for d in info.value.details] == ["unit"]
    assert "必填" in info.value.details[0].message


def test_completing_a_completed_task_conflicts(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    engine.complete_task(task, REVIEWER, {"decision": "reject"})
    with pytest.raises(Conflict):
        engine.complete_task(task, REVIEWER2, {"decision": "approve"})


def test_stale_revision_is_refused(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    with pytest.raises(Conflict) as info:
        engine.complete_task(task, REVIEWER, {"decision": "approve"},
                             expected_revision=case.revision - 1)
    assert info.value.code == "stale_revision"
    ok = engine.complete_task(task, REVIEWER, {"decision": "approve"},
                              expected_revision=case.revision)
    assert ok.revision == case.revision + 1


def test_claimed_task_conflicts_for_other_candidates(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    engine.claim(task, REVIEWER)
    with pytest.raises(Conflict) as info:
        engine.complete_task(task, REVIEWER2, {"decision": "approve"})
    assert info.value.code == "claimed_by_other"
    with pytest.raises(Forbidden):
        engine.unclaim(task, REVIEWER2)
    engine.unclaim(task, REVIEWER)
    assert engine.complete_task(task, REVIEWER2, {"decision": "approve"}).status == "completed"


def test_assign_only_to_a_candidate(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    with pytest.raises(InvalidInput):
        engine.assign(task, REVIEWER, OUTSIDER)
    engine.assign(task, REVIEWER, REVIEWER2)
    with pytest.raises(Conflict):
        engine.complete_task(task, REVIEWER, {"decision": "approve"})
    engine.complete_task(task, REVIEWER2, {"decision": "approve"})


def test_fixer_may_not_review_their_own_fix(engine: Engine) -> None:
    both = Actor("both", frozenset({("clerk", "U1"), ("reviewer", "U1")}))
    case = engine.start_case("review", {"unit": "U1"}, both)
    engine.complete_task(open_task(engine, case.case_id), REVIEWER, {"decision": "reject"})
    engine.complete_task(open_task(engine, case.case_id, "Task_Fix"), both, {"note": "done"})
    review = open_task(engine, case.case_id, "Task_Review")
    with pytest.raises(Forbidden) as info:
        engine.complete_task(review, both, {"decision": "approve"})
    assert "separation of duties" in info.value.message
    assert engine.complete_task(review, REVIEWER, {"decision": "approve"}).status == "completed"


def test_audit_chain_detects_tampering(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    engine.complete_task(open_task(engine, case.case_id), REVIEWER, {"decision": "reject"})
    with engine.db.begin() as conn:
        assert list(audit.verify(conn)) == []
        conn.execute(sa.update(audit_event).where(audit_event.c.case_id == case.case_id,
                                                  audit_event.c.seq == 1)
                     .values(payload='{"data":{"unit":"U9"}}'))
        breaks = list(audit.verify(conn))
    assert [(b.case_id, b.seq) for b in breaks][:1] == [(case.case_id, 1)]


def test_message_with_an_invalid_payload_is_refused_then_a_valid_one_cancels_the_task(
        make_engine) -> None:
    from .support import bpmn_bytes, load_forms
    engine = make_engine()
    engine.deploy(bpmn_bytes("parallel.bpmn"), load_forms(), actor="designer")
    case = engine.start_case("parallel", {"unit": "U1"}, CLERK)
    assert sorted(e for e, _ in case.active) == ["Task_A", "Task_B"]
    with pytest.raises(Conflict):
        engine.send_message(case.case_id, "nobody-listens", {}, CLERK)
    before = case_row(engine, case.case_id).revision
    with pytest.raises(InvalidInput) as info:  # the message's form requires a note
        engine.send_message(case.case_id, "cancel", {"why": "duplicate"}, CLERK)
    assert {d.field for d in info.value.details} >= {"note"}
    assert case_row(engine, case.case_id).revision == before
    result = engine.send_message(case.case_id, "cancel", {"note": "duplicate"}, CLERK)
    assert sorted(e for e, _ in result.active) == ["Task_B", "Task_Cancelled"]
    with engine.db.connect() as conn:
        states = dict(conn.execute(sa.select(human_task.c.element_id, human_task.c.state).where(
            human_task.c.case_id == case.case_id)).all())
    assert states["Task_A"] == "cancelled"


def test_a_message_without_a_form_is_bounded_like_any_submission(make_engine) -> None:
    from .support import bpmn_bytes, load_forms
    engine = make_engine()
    engine.deploy(bpmn_bytes("parallel.bpmn"), load_forms(), actor="designer")
    case = engine.start_case("parallel", {"unit": "U1"}, CLERK)
    before = case_row(engine, case.case_id).revision
    huge = {"note": "x" * 50_000}  # past the 20,000 characters one value may hold
    with pytest.raises(InvalidInput) as info:
        engine.send_message(case.case_id, "nobody-listens", huge, CLERK)
    assert {d.field for d in info.value.details} == {"note"}
    with pytest.raises(InvalidInput):
        engine.send_message(case.case_id, "nobody-listens", ["not", "an", "object"], CLERK)
    assert case_row(engine, case.case_id).revision == before
