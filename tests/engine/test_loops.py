"""A case looped hundreds of times keeps advancing, or stops visibly: never 'complete'."""

from __future__ import annotations

import sqlalchemy as sa

from hazardflow.engine import Engine
from hazardflow.engine.schema import incident

from .support import CLERK, REVIEWER
from .test_cases import case_row, open_task

LOOPS = 300


def test_case_looped_300_times_advances_or_raises_an_incident(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    for i in range(LOOPS):
        result = engine.complete_task(open_task(engine, case.case_id, "Task_Review"), REVIEWER,
                                      {"decision": "reject", "reason": f"round {i}"})
        if result.status == "incident":
            break
        assert result.status == "active", (i, result)
        result = engine.complete_task(open_task(engine, case.case_id, "Task_Fix"), CLERK,
                                      {"note": f"fix {i}"})
        if result.status == "incident":
            break
        assert result.status == "active", (i, result)
    row = case_row(engine, case.case_id)
    assert row.status in ("active", "incident")
    if row.status == "incident":
        with engine.db.connect() as conn:
            assert conn.execute(sa.select(incident.c.message).where(
                incident.c.case_id == case.case_id, incident.c.resolved_at.is_(None))).scalar()
    else:
        final = engine.complete_task(open_task(engine, case.case_id, "Task_Review"), REVIEWER,
                                     {"decision": "approve"})
        assert final.status == "completed"


def test_history_of_a_looping_case_is_cut_so_its_state_stays_small(engine: Engine) -> None:
    from hazardflow.engine.sync import all_tasks

    from .test_cases import assert_reload_matches

    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    sizes = []
    for i in range(120):
        engine.complete_task(open_task(engine, case.case_id, "Task_Review"), REVIEWER,
                             {"decision": "reject", "reason": f"round {i}"})
        engine.complete_task(open_task(engine, case.case_id, "Task_Fix"), CLERK,
                             {"note": f"fix {i}"})
        if i % 30 == 29:
            assert_reload_matches(engine, case.case_id)
            row = case_row(engine, case.case_id)
            sizes.append(len(row.state))
    live = engine.store.live.take(case.case_id, case_row(engine, case.case_id).revision)
    assert live is not None
    assert len(list(all_tasks(live))) < 120  # not ~600 tasks of history
    assert max(sizes) < 3 * min(sizes), sizes  # the state does not grow with the loops
