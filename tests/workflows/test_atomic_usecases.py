"""A refused request changes nothing: what a use-case writes commits together or not at all.

Two requests naming the same fresh photo at the same instant: one hazard is registered (or
one task completed) with the photo, the other is refused and leaves no case, no ledger row,
no completed task behind. Run on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import InvalidInput
from hazardflow.engine.schema import human_task, process_case
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_files import evidence
from hazardflow.workflows.usecases import cases, tasks
from tests.factories import make_runtime, upload
from tests.threads import race

from .lifecycle import TODAY, Lifecycle
from .lifecycle_forms import order_form, register_form

ROUNDS = 3


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def _count(db: sa.Engine, table: sa.Table, *where: Any) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(*where)).scalar_one())


def test_two_reports_naming_one_fresh_photo_make_one_case_and_one_refusal(
        lc: Lifecycle) -> None:
    other = make_runtime(lc.db, lc.clock)  # a second process on the same database
    for n in range(ROUNDS):
        photo = upload(lc.rt, "safety", f"before-{n}")
        data = register_form(photos_before=[photo])
        before = (_count(lc.db, process_case), _count(lc.db, hazard))
        safety = lc.actor("safety")
        results = race(partial(cases.report_hazard, lc.rt, safety, data),
                       partial(cases.report_hazard, other, safety, data))
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], InvalidInput), lost
        assert (_count(lc.db, process_case), _count(lc.db, hazard)) == (before[0] + 1,
                                                                         before[1] + 1)
        case_id = won[0]["case"].case_id
        assert _count(lc.db, evidence, evidence.c.case_id == case_id) == 1


def test_two_completions_naming_one_fresh_photo_complete_one_task_only(
        lc: Lifecycle) -> None:
    other = make_runtime(lc.db, lc.clock)
    for n in range(ROUNDS):
        first, second = lc.report(), lc.report()
        for case_id in (first, second):
            lc.complete(case_id, "Task_Triage", "safety", order_form(TODAY + timedelta(days=9)))
        photo = upload(lc.rt, "rectifier", f"after-{n}")
        form = {"rectification_note": "已整改", "photos_after": [photo]}
        rectify = [lc.task_id(c, "Task_Rectify") for c in (first, second)]
        rectifier = lc.actor("rectifier")
        results = race(partial(tasks.complete, lc.rt, rectifier, rectify[0], form),
                       partial(tasks.complete, other, rectifier, rectify[1], form))
        lost = [(i, r) for i, r in enumerate(results) if isinstance(r, Exception)]
        assert len(lost) == 1 and isinstance(lost[0][1], InvalidInput), results
        refused = rectify[lost[0][0]]
        with lc.db.connect() as conn:
            state = conn.execute(sa.select(human_task.c.state).where(
                human_task.c.id == refused)).scalar_one()
        assert state == "open"  # the refused completion left its task as it was
        assert _count(lc.db, evidence, evidence.c.task_id == refused) == 0
        assert _count(lc.db, evidence, evidence.c.id == int(photo[3:]),
                      evidence.c.task_id == rectify[1 - lost[0][0]]) == 1
