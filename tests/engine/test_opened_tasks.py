"""Listeners learn which human tasks a step opened (``CaseView.opened``): new work only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Engine
from hazardflow.engine.schema import human_task
from hazardflow.engine.services import CaseView

from .conftest import EngineFactory
from .support import CLERK, REVIEWER, bpmn_bytes, load_forms


class Recorder:
    def __init__(self) -> None:
        self.views: list[CaseView] = []

    def case_changed(self, conn: Connection, view: CaseView) -> None:
        self.views.append(view)


def _open_ids(engine: Engine, case_id: int) -> list[int]:
    with engine.db.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open"))]


def test_each_step_tells_listeners_the_task_rows_it_opened(make_engine: EngineFactory) -> None:
    recorder = Recorder()
    engine = make_engine(listeners=[recorder])
    engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    case = engine.start_case("review", {"unit": "U1", "amount": 5}, CLERK)
    review = _open_ids(engine, case.case_id)
    assert len(review) == 1
    assert recorder.views[-1].opened == (review[0],)
    engine.complete_task(review[0], REVIEWER, {"decision": "reject", "reason": "再补充"})
    fix = _open_ids(engine, case.case_id)
    assert fix != review and recorder.views[-1].opened == tuple(fix)


def test_a_step_that_opens_nothing_reports_no_new_tasks(make_engine: EngineFactory,
                                                        clock: Any) -> None:
    from datetime import timedelta

    recorder = Recorder()
    engine = make_engine(listeners=[recorder])
    engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    case = engine.start_case("review", {"unit": "U1", "amount": 5}, CLERK)
    before = len(recorder.views)
    clock.advance(timedelta(days=2, minutes=1))  # the non-interrupting reminder fires
    assert engine.fire_due_timers() == 1
    assert len(recorder.views) == before + 1
    assert recorder.views[-1].opened == ()
    assert len(_open_ids(engine, case.case_id)) == 1
