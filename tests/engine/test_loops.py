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
