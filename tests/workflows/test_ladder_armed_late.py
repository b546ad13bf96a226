"""An escalation ladder armed with a deadline already passed fires only its latest due rung.

A person cannot order a past deadline (tests/workflows/test_deadlines.py), but an import or
a benchmark can, through the engine (``engine.complete_task``, the path they take), and a
rectification re-entered after its deadline (a failed verification) is armed late too.
Then several rungs are due the moment they are armed (SpiffWorkflow fires them in the step
that arms them): the latest of them is sent, once, and the earlier ones are recorded as
skipped (``escalation_sent.skipped``), never sent; a sweep after that sends nothing more.
Rungs falling due after the arming still fire at their time (and all of them after an
outage: test_escalation.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.workflows.escalation import escalated_to
from hazardflow.workflows.schema import escalation_sent

from .lifecycle import TODAY, Lifecycle, end_of_day
from .lifecycle_forms import order_form, rectify_form, verify_failed
from .test_escalation import ladder

SECOND = timedelta(seconds=1)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def ordered_through_the_engine(lc: Lifecycle, deadline: date) -> int:
    """A general hazard ordered with ``deadline`` by the engine's own path (an import)."""
    case_id = lc.report()
    task_id = lc.task_id(case_id, "Task_Triage")
    lc._step(case_id, lc.engine, lambda: lc.engine.complete_task(
        task_id, lc.actor("safety"), order_form(deadline)))
    assert lc.open_elements(case_id) == ["Task_Rectify"]
    return case_id


def steps(lc: Lifecycle, case_id: int) -> dict[str, bool]:
    """Ladder step -> skipped, as recorded."""
    with lc.db.connect() as conn:
        rows = conn.execute(sa.select(escalation_sent.c.element_id, escalation_sent.c.skipped)
                            .where(escalation_sent.c.case_id == case_id))
        return {r.element_id.removeprefix("ServiceTask_Rectify"): r.skipped for r in rows}


def test_a_ladder_armed_forty_days_late_sends_only_its_latest_rung_once(lc: Lifecycle) -> None:
    case_id = ordered_through_the_engine(lc, TODAY - timedelta(days=40))
    lc.fire(case_id)  # all five rungs were due when armed (SpiffWorkflow fires them at once)
    sent = [(n.kind, n.to) for n in ladder(lc, case_id)]
    assert sent == [("publish", "principal@LA-JA-H01"), ("publish", "county_supervisor@LA-JA")]
    letters = lc.services(case_id, "hazard.supervision_letter")
    assert not any(s.get("set") for s in letters)  # no 督办函 was numbered
    assert lc.hazard(case_id)["published_at"] == lc.now()
    assert steps(lc, case_id) == {"Remind": True, "Due": True, "Overdue": True,
                                  "Letter": True, "Publish": False}
    assert lc.pending_timers(case_id) == {}
    # a second sweep, now and later, fires nothing more
    assert lc.fire(case_id) == 0
    assert lc.fire(case_id, lc.now() + timedelta(days=60)) == 0
    assert len(ladder(lc, case_id)) == 2
    # the skipped rungs are raised to no one: the city sees the publication only
    with lc.db.connect() as conn:
        raised = escalated_to(conn, lc.actor("city"))
    assert [r["rung"] for r in raised if r["case_id"] == case_id] == ["Publish"]


def test_a_ladder_armed_after_the_overdue_day_sends_overdue_then_the_rest_in_time(
        lc: Lifecycle) -> None:
    deadline = TODAY - timedelta(days=3)  # remind, due and overdue are past; the letter not
    case_id = ordered_through_the_engine(lc, deadline)
    lc.fire(case_id)
    assert [n.kind for n in ladder(lc, case_id)] == ["overdue", "overdue"]
    assert steps(lc, case_id) == {"Remind": True, "Due": True, "Overdue": False}
    assert lc.fire(case_id) == 0
    letter = end_of_day(deadline + timedelta(days=7))
    assert lc.fire(case_id, letter - SECOND) == 0
    assert lc.fire(case_id, letter + SECOND) == 1
    assert [n.kind for n in ladder(lc, case_id)][2:] == ["supervision_letter"] * 2
    [numbered] = [s["set"] for s in lc.services(case_id, "hazard.supervision_letter")]
    assert numbered == {"letter_no": "六卫健督办〔2026〕1号"}


def test_a_rectification_re_entered_after_its_deadline_sends_only_the_latest_rung(
        lc: Lifecycle) -> None:
    deadline = TODAY + timedelta(days=18)
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(deadline))
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())  # early: nothing sent
    lc.set_time(end_of_day(deadline + timedelta(days=8)))  # the verification fails late
    lc.complete(case_id, "Task_Verify", "verifier", verify_failed())
    assert lc.open_elements(case_id) == ["Task_Rectify"]
    lc.fire(case_id)
    assert [n.kind for n in ladder(lc, case_id)] == ["supervision_letter"] * 2
    assert steps(lc, case_id) == {"Remind": True, "Due": True, "Overdue": True,
                                  "Letter": False}
    assert lc.fire(case_id) == 0
    assert set(lc.pending_timers(case_id)) == {"BoundaryEvent_RectifyPublish"}
