"""Moving running cases from version 1 to version 2 of the review process.

Version 2 (data/review_v2.bpmn) replaces Task_Fix by Task_Rework, raises Task_Review's
priority and adds an approval step. A case on Task_Review moves in place (its inbox row is
re-opened with the new rules, its timer kept); a case on the removed Task_Fix moves only
with an explicit mapping; a case with an incident cannot move and stays exactly as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Actor, Engine, InvalidInput, audit, migrate
from hazardflow.engine.db import write_transaction
from hazardflow.engine.journal import system_event
from hazardflow.engine.schema import human_task, process_case, timer

from .conftest import Calls
from .support import CLERK, REVIEWER, load_forms

V2 = (Path(__file__).parent / "data" / "review_v2.bpmn").read_bytes()
DESIGNER = Actor("designer", frozenset({("designer", None)}))


def _tx(engine: Engine) -> Any:
    return write_transaction(engine.db)


def _preview(engine: Engine, *args: Any) -> dict[str, Any]:
    with _tx(engine) as conn:
        return migrate.preview(conn, engine, *args)


def _start(engine: Engine, *args: Any) -> int:
    with _tx(engine) as conn:
        return migrate.start_batch(conn, engine, *args)


def _run(engine: Engine, batch: int, actor: Actor, limit: int | None = None) -> dict[str, Any]:
    return migrate.run_batch(engine, lambda: _tx(engine), batch, actor, limit)


def _open(engine: Engine, case_id: int) -> list[Any]:
    with engine.db.connect() as conn:
        return conn.execute(sa.select(human_task).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")).all()


def _case(engine: Engine, case_id: int) -> Any:
    with engine.db.connect() as conn:
        return conn.execute(sa.select(process_case).where(process_case.c.id == case_id)).one()


@pytest.fixture
def three_cases(engine: Engine, calls: Calls) -> dict[str, int]:
    on_review = engine.start_case("review", {"unit": "U1"}, CLERK)
    on_fix = engine.start_case("review", {"unit": "U1"}, CLERK)
    engine.complete_task(on_fix.open_tasks[0][0], REVIEWER, {"decision": "reject"})
    broken = engine.start_case("review", {"unit": "U1"}, CLERK)
    calls.fail_record = True
    failed = engine.complete_task(broken.open_tasks[0][0], REVIEWER, {"decision": "approve"})
    assert failed.status == "incident"
    calls.fail_record = False
    engine.deploy(V2, load_forms(), actor="designer")
    return {"review": on_review.case_id, "fix": on_fix.case_id, "broken": broken.case_id}


def test_preview_lists_cases_on_removed_activities_and_suggests_the_rename(
        engine: Engine, three_cases: dict[str, int]) -> None:
    preview = _preview(engine, "review", 1, 2)
    by_case = {c["case_id"]: c for c in preview["cases"]}
    assert preview["suggested_mapping"] == {"Task_Fix": "Task_Rework"}
    assert preview["needs_mapping"] == ["Task_Fix"]
    assert by_case[three_cases["review"]]["ok"] is True
    assert by_case[three_cases["review"]]["reopened"] == ["Task_Review"]
    assert by_case[three_cases["fix"]]["ok"] is False
    assert "Task_Fix" in by_case[three_cases["fix"]]["reason"]
    assert by_case[three_cases["broken"]]["ok"] is False
    assert "incident" in by_case[three_cases["broken"]]["reason"]
    mapped = _preview(engine, "review", 1, 2, {"Task_Fix": "Task_Rework"})
    assert mapped["summary"] == {"total": 3, "clean": 2, "blocked": 1}


def test_mapping_to_an_element_the_target_lacks_is_refused(
        engine: Engine, three_cases: dict[str, int]) -> None:
    with pytest.raises(InvalidInput, match="Task_Nowhere"):
        _preview(engine, "review", 1, 2, {"Task_Fix": "Task_Nowhere"})


def test_batch_moves_mapped_cases_and_leaves_the_broken_one_intact(
        engine: Engine, three_cases: dict[str, int]) -> None:
    broken_before = _case(engine, three_cases["broken"])
    review_timer_before = _timers(engine, three_cases["review"])
    batch = _start(engine, "review", 1, 2, {"Task_Fix": "Task_Rework"}, DESIGNER)
    first = _run(engine, batch, DESIGNER, limit=1)
    assert (first["done"], first["status"]) == (1, "running")
    status = _run(engine, batch, DESIGNER)
    assert (status["status"], status["moved"], status["blocked"]) == ("done", 2, 1)
    result = {c["case_id"]: c for c in status["cases"]}
    assert "incident" in result[three_cases["broken"]]["reason"]

    broken_after = _case(engine, three_cases["broken"])
    assert broken_after.state == broken_before.state
    assert broken_after.revision == broken_before.revision
    assert broken_after.definition_id == broken_before.definition_id

    review_task = _open(engine, three_cases["review"])
    assert [(t.element_id, t.priority) for t in review_task] == [("Task_Review", 80)]
    assert _timers(engine, three_cases["review"]) == review_timer_before  # kept its due time
    rework = _open(engine, three_cases["fix"])
    assert [t.element_id for t in rework] == ["Task_Rework"]
    assert rework[0].assignee == "clerk"

    # both continue on version 2: the approval step exists only there
    after = engine.complete_task(review_task[0].id, REVIEWER, {"decision": "approve"})
    assert after.active == [("Task_Approve", "Approve")]
    back = engine.complete_task(rework[0].id, CLERK, {"note": "done"})
    assert back.active == [("Task_Review", "Review")]

    with engine.db.connect() as conn:
        actions = [e["action"] for e in audit.history(conn, three_cases["fix"])]
        assert actions[-2] == "migrated"
        assert list(audit.verify(conn)) == []
        journal = conn.execute(sa.select(system_event.c.action).order_by(
            system_event.c.seq)).scalars().all()
    assert journal[-2:] == ["migration.started", "migration.finished"]


def test_case_on_removed_activity_without_mapping_stays_where_it_is(
        engine: Engine, three_cases: dict[str, int]) -> None:
    before = _case(engine, three_cases["fix"])
    batch = _start(engine, "review", 1, 2, {}, DESIGNER)
    status = _run(engine, batch, DESIGNER)
    result = {c["case_id"]: c for c in status["cases"]}
    assert result[three_cases["fix"]]["status"] == "blocked"
    assert "map it" in result[three_cases["fix"]]["reason"]
    after = _case(engine, three_cases["fix"])
    assert (after.state, after.revision, after.definition_id) == (
        before.state, before.revision, before.definition_id)
    assert [t.element_id for t in _open(engine, three_cases["fix"])] == ["Task_Fix"]


def _timers(engine: Engine, case_id: int) -> list[tuple[str, Any]]:
    with engine.db.connect() as conn:
        return [(r.element_id, r.due_at) for r in conn.execute(sa.select(timer).where(
            timer.c.case_id == case_id, timer.c.fired_at.is_(None)))]
