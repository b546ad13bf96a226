"""What one step costs the database: a completion's statements are counted and bounded, and
the audit chain's tail kept on the case row always matches the log's last record."""

from __future__ import annotations

import sqlalchemy as sa

from hazardflow.engine import Engine, audit
from hazardflow.engine.schema import audit_event, process_case

from ..statements import recorded
from .support import CLERK, REVIEWER, T0
from .test_cases import open_task

# Rejecting a review: lock the case (with its task), read the task row with its candidates
# (one statement), the steps that exclude its actor (separation of duties), close it; open
# the next task, retire the review's due timer, one case row update carrying state and the
# audit tail, one audit insert. Before, the step also took a savepoint (2 statements), read
# the audit log's tail and read the candidates apart. BEGIN is not counted (PostgreSQL's
# driver opens the transaction implicitly). On PostgreSQL the case row update and the audit
# insert are one statement (a data-modifying CTE).
MAX_COMPLETION_STATEMENTS = {"sqlite": 8, "postgresql": 7}


def _tail_matches_log(engine: Engine, case_id: int) -> None:
    with engine.db.connect() as conn:
        row = conn.execute(sa.select(process_case.c.audit_seq, process_case.c.audit_hash)
                           .where(process_case.c.id == case_id)).one()
        last = conn.execute(sa.select(audit_event.c.seq, audit_event.c.hash)
                            .where(audit_event.c.case_id == case_id)
                            .order_by(audit_event.c.seq.desc()).limit(1)).one()
        assert (row.audit_seq, row.audit_hash) == (last.seq, last.hash)
        assert list(audit.verify(conn, case_id)) == []


def test_a_completion_issues_at_most_eight_statements(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    review = open_task(engine, case.case_id)
    with recorded(engine.db) as seen:
        engine.complete_task(review, REVIEWER, {"decision": "reject", "reason": "照片不清楚"})
    statements = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    bound = MAX_COMPLETION_STATEMENTS[engine.db.dialect.name]
    assert len(statements) <= bound, "\n".join(statements)
    assert not any(s.startswith("SAVEPOINT") for s in statements), statements
    assert sum(s.startswith("SELECT") and "audit_event" in s for s in statements) == 0
    _tail_matches_log(engine, case.case_id)


def test_the_case_rows_audit_tail_follows_every_kind_of_append(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    review = open_task(engine, case.case_id)
    engine.claim(review, REVIEWER)  # appended through audit.append (reads the log)
    engine.unclaim(review, REVIEWER)
    _tail_matches_log(engine, case.case_id)
    engine.complete_task(review, REVIEWER, {"decision": "reject", "reason": "照片不清楚"})
    _tail_matches_log(engine, case.case_id)
    fix = open_task(engine, case.case_id, "Task_Fix")
    engine.complete_task(fix, CLERK, {"note": "重新拍照"})
    engine.complete_task(open_task(engine, case.case_id, "Task_Review"), REVIEWER,
                         {"decision": "approve"})  # runs a service task: under a savepoint
    _tail_matches_log(engine, case.case_id)
    with engine.db.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_event.c.action).where(
            audit_event.c.case_id == case.case_id).order_by(audit_event.c.seq))]
    assert actions == ["start", "claim", "unclaim", "complete", "complete", "complete"]


def test_a_record_appended_after_the_lock_is_chained_before_the_steps_own(
        engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    wrapped = engine.wrapped  # type: ignore[attr-defined]
    with engine.db.begin() as conn:
        row = wrapped.store.lock(conn, case.case_id)
        definition = wrapped.definitions.get(conn, row.definition_id)
        workflow = wrapped.store.load_fresh(conn, row, definition)
        audit.append(conn, row.id, "rev", "note", {"text": "现场复核"}, T0)
        wrapped.store.save(conn, row, workflow, "active", T0,
                           audit.Entry("rev", "touch", {}, T0))
    _tail_matches_log(engine, case.case_id)
    with engine.db.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_event.c.action).where(
            audit_event.c.case_id == case.case_id).order_by(audit_event.c.seq))]
    assert actions == ["start", "note", "touch"]
