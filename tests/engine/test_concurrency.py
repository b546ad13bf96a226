"""Two requests on one case at once: the lock serializes them, the task decides who wins."""

from __future__ import annotations

import sqlalchemy as sa

from hazardflow.engine import Conflict, Engine
from hazardflow.engine.schema import human_task

from ..threads import race
from .support import CLERK, REVIEWER, REVIEWER2, bpmn_bytes, load_forms
from .test_cases import case_row, open_task


def test_two_completions_of_one_task_one_wins_one_conflicts(engine: Engine,
                                                            make_engine) -> None:
    other = make_engine()
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    task = open_task(engine, case.case_id)
    results = race(lambda: engine.complete_task(task, REVIEWER, {"decision": "approve"}),
                   lambda: other.complete_task(task, REVIEWER2, {"decision": "reject"}))
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict)
    assert case_row(engine, case.case_id).revision == case.revision + 1


def test_two_completions_of_two_tasks_of_one_case_both_win(make_engine) -> None:
    first, second = make_engine(), make_engine()
    first.deploy(bpmn_bytes("parallel.bpmn"), load_forms(), actor="designer")
    case = first.start_case("parallel", {"unit": "U1"}, CLERK)
    a = open_task(first, case.case_id, "Task_A")
    b = open_task(first, case.case_id, "Task_B")
    results = race(lambda: first.complete_task(a, REVIEWER, {"note": "a"}),
                   lambda: second.complete_task(b, REVIEWER2, {"note": "b"}))
    assert not any(isinstance(r, Exception) for r in results), results
    assert case_row(first, case.case_id).status == "completed"
    with first.db.connect() as conn:
        done = dict(conn.execute(sa.select(human_task.c.element_id, human_task.c.completed_by)
                                 .where(human_task.c.case_id == case.case_id)).all())
    assert done == {"Task_A": "rev", "Task_B": "rev2"}
