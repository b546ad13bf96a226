"""A continuation delivered twice (a request's dispatch and a sweep) has one effect."""

from __future__ import annotations

import sqlalchemy as sa

from hazardflow.engine.schema import audit_event

from .support import CLERK, bpmn_bytes, load_forms
from .test_cases import case_row


def test_a_second_delivery_of_a_continuation_changes_nothing(make_engine) -> None:
    engine = make_engine(step_budget=0)
    engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    assert engine.continue_case(case.case_id) is True
    revision = case_row(engine, case.case_id).revision
    assert engine.continue_case(case.case_id) is False
    assert case_row(engine, case.case_id).revision == revision
    with engine.db.connect() as conn:
        actions = conn.execute(sa.select(audit_event.c.action).where(
            audit_event.c.case_id == case.case_id).order_by(audit_event.c.seq)).scalars().all()
    assert actions == ["start", "continue"]
