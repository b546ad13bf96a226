"""The escalation ladder (升级阶梯) on the injected clock, for general and major hazards.

With deadline D (a date: it lapses at 24:00 of D in Asia/Shanghai, and every date timer
means the end of its day): D-3 remind the responsible person; D notify the safety officer
(major: principal and safety officer); D+1 the hazard is overdue, notify the principal and
the county (major: and the city); D+7 the city's 督办 letter; D+30 通报 (published).

Each rung fires once, whoever sweeps and however often; completing the rectification
retires what is left of the ladder. Every step is checked by the driver
(tests/workflows/lifecycle.py): live == fresh deserialization, mirrors, audit chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from ..threads import race
from .lifecycle import T0, Lifecycle, Note, end_of_day
from .lifecycle_forms import (
    UNIT,
    controls_form,
    emergency_form,
    major_order_form,
    order_form,
    plan_approved,
    plan_form,
    rectify_form,
    verify_failed,
)

D = date(2026, 11, 20)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Path:
    name: str
    task: str  # the rectification task carrying the ladder
    responsible: str
    timers: tuple[str, ...]
    rungs: tuple[tuple[int, tuple[tuple[str, str], ...]], ...]  # (days from D, notes)


GENERAL = Path(
    "general", "Task_Rectify", "rectifier",
    ("BoundaryEvent_RectifyRemind", "BoundaryEvent_RectifyDue", "BoundaryEvent_RectifyOverdue",
     "BoundaryEvent_RectifyLetter", "BoundaryEvent_RectifyPublish"),
    ((-3, (("remind", "rectifier"),)),
     (0, (("due", f"safety_officer@{UNIT}"),)),
     (1, (("overdue", f"principal@{UNIT}"), ("overdue", "county_supervisor@LA-JA"))),
     (7, (("supervision_letter", "city_supervisor@LA"),
          ("supervision_letter", f"principal@{UNIT}"))),
     (30, (("publish", f"principal@{UNIT}"), ("publish", "county_supervisor@LA-JA")))))

MAJOR = Path(
    "major", "Task_RectifyMajor", "principal",
    ("BoundaryEvent_MajorRemind", "BoundaryEvent_MajorDue", "BoundaryEvent_MajorOverdue",
     "BoundaryEvent_MajorLetter", "BoundaryEvent_MajorPublish"),
    ((-3, (("remind", "principal"),)),
     (0, (("due", f"principal@{UNIT}"), ("due", f"safety_officer@{UNIT}"))),
     (1, (("overdue", f"principal@{UNIT}"), ("overdue", "county_supervisor@LA-JA"),
          ("overdue", "city_supervisor@LA"))),
     (7, (("supervision_letter", "city_supervisor@LA"),
          ("supervision_letter", f"principal@{UNIT}"))),
     (30, (("publish", f"principal@{UNIT}"), ("publish", "county_supervisor@LA-JA")))))


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


@pytest.fixture(params=[GENERAL, MAJOR], ids=lambda p: p.name)
def path(request: pytest.FixtureRequest) -> Path:
    return request.param


def rectifying(lc: Lifecycle, path: Path, deadline: date = D) -> int:
    """A case waiting on its rectification task under the ladder, at T0."""
    if path is GENERAL:
        case_id = lc.report()
        lc.complete(case_id, "Task_Triage", "safety", order_form(deadline))
    else:
        case_id = lc.report(level="major")
        lc.complete(case_id, "Task_MajorOrder", "jinan", major_order_form())
        lc.complete(case_id, "Task_Controls", "principal", controls_form())
        lc.complete(case_id, "Task_ReportEmergency", "principal", emergency_form())
        lc.complete(case_id, "Task_Plan", "principal", plan_form(deadline))
        lc.complete(case_id, "Task_ReviewPlan", "jinan", plan_approved())
    assert lc.open_elements(case_id) == [path.task]
    assert lc.now() == T0
    return case_id


LADDER_KINDS = ("remind", "due", "overdue", "supervision_letter", "publish")


def ladder(lc: Lifecycle, case_id: int) -> list[Note]:
    """The notifications the ladder sent (a major case also has its report up)."""
    return [n for n in lc.notes(case_id) if n.kind in LADDER_KINDS]


def sent(lc: Lifecycle, case_id: int) -> list[tuple[str, str]]:
    return [(n.kind, n.to) for n in ladder(lc, case_id)]


def rung_time(days: int, deadline: date = D) -> datetime:
    return end_of_day(deadline + timedelta(days=days))


def test_each_rung_fires_once_at_its_time(lc: Lifecycle, path: Path) -> None:
    case_id = rectifying(lc, path)
    assert lc.pending_timers(case_id) == {
        timer: rung_time(days) for timer, (days, _) in zip(path.timers, path.rungs, strict=True)}
    # a date timer means the end of that day in Lu'an: D-3 = 2026-11-17 → 11-18 00:00 CST
    assert lc.pending_timers(case_id)[path.timers[0]].isoformat() == "2026-11-17T16:00:00+00:00"
    other = lc.second_engine()
    assert lc.fire(case_id, T0) == 0
    seen = 0
    for days, expected in path.rungs:
        at = rung_time(days)
        assert lc.fire(case_id, at - SECOND) == 0, f"D{days:+d} fired early"
        assert len(ladder(lc, case_id)) == seen
        assert lc.fire(case_id, at + SECOND) == 1
        new = ladder(lc, case_id)[seen:]
        assert [(n.kind, n.to) for n in new] == list(expected), f"D{days:+d}"
        assert {n.at for n in new} == {at + SECOND}
        seen += len(new)
        # exactly once: again, and from another engine instance (another worker)
        assert lc.fire(case_id) == 0
        assert lc.fire(case_id, engine=other) == 0
        assert lc.fire(case_id, at + timedelta(hours=1), engine=other) == 0
        assert len(ladder(lc, case_id)) == seen
        if days == 1:  # overdue is derived from the deadline, not a state of the ledger
            assert lc.hazard(case_id)["status"] == "open"
        if days == 7:
            [letter] = lc.services(case_id, "hazard.supervision_letter")
            assert letter["set"] == {"letter_no": "六卫健督办〔2026〕1号"}
            assert all("六卫健督办〔2026〕1号" in n.body for n in new)
            assert new[0].title == "【督办函】隐患 YH-2026-000001"
        if days == 30:
            hazard = lc.hazard(case_id)
            assert (hazard["published_at"], hazard["visible_to_unit"]) == (at + SECOND, True)
            assert all("已予通报" in n.body for n in new)
    assert lc.pending_timers(case_id) == {}
    assert lc.actions(case_id).count("timer") == len(path.rungs)
    assert lc.open_elements(case_id) == [path.task]  # the ladder never takes the task away
    # rectified at last (late): nothing more is sent
    lc.complete(case_id, path.task, path.responsible, rectify_form())
    assert lc.fire(case_id, rung_time(90)) == 0
    assert len(ladder(lc, case_id)) == seen


def test_completing_the_rectification_retires_the_ladder(lc: Lifecycle, path: Path) -> None:
    case_id = rectifying(lc, path)
    assert lc.fire(case_id, rung_time(-3) + SECOND) == 1
    assert sent(lc, case_id) == [("remind", path.responsible)]
    lc.clock.advance(timedelta(days=1))  # D-2, on time
    lc.complete(case_id, path.task, path.responsible, rectify_form())
    assert lc.pending_timers(case_id) == {}
    timers = lc.timers(case_id)
    assert [t.element_id for t in timers] == list(path.timers)
    assert all(t.fired_at is not None for t in timers)
    for days in (0, 1, 7, 30, 60):
        assert lc.fire(case_id, rung_time(days) + SECOND) == 0
    assert sent(lc, case_id) == [("remind", path.responsible)]
    assert lc.actions(case_id).count("timer") == 1


def test_one_sweep_after_an_outage_fires_every_lapsed_rung_once(lc: Lifecycle) -> None:
    case_id = rectifying(lc, GENERAL)
    assert lc.fire(case_id, rung_time(7) + SECOND) == 1  # the scheduler was down for weeks
    expected = [note for days, notes in GENERAL.rungs if days <= 7 for note in notes]
    assert sent(lc, case_id) == expected
    assert lc.pending_timers(case_id) == {"BoundaryEvent_RectifyPublish": rung_time(30)}
    assert lc.fire(case_id) == 0
    assert lc.fire(case_id, rung_time(30) + SECOND) == 1
    assert sent(lc, case_id)[len(expected):] == list(GENERAL.rungs[-1][1])


def test_two_workers_sweeping_at_once_fire_each_rung_once(lc: Lifecycle) -> None:
    case_id = rectifying(lc, GENERAL)
    first, second = lc.second_engine(), lc.second_engine()
    at = rung_time(1) + SECOND  # remind, due and overdue are all due
    results = race(lambda: first.fire_due_timers(at), lambda: second.fire_due_timers(at))
    assert sorted(results) == [0, 1], results
    assert sent(lc, case_id) == [note for days, notes in GENERAL.rungs if days <= 1
                                        for note in notes]
    assert lc.actions(case_id).count("timer") == 1
    lc.check(case_id, first if results[0] else second)  # the winner's live case
    assert set(lc.pending_timers(case_id)) == set(GENERAL.timers[3:])


def test_a_failing_notification_during_a_sweep_is_an_incident_then_retried(
        lc: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = rectifying(lc, GENERAL)

    def down(call: object) -> None:
        raise RuntimeError("message gateway down")

    monkeypatch.setitem(lc.engine.handlers.handlers, "notify", down)
    at = rung_time(-3) + SECOND
    assert lc.fire(case_id, at) == 1
    [incident] = lc.incidents(case_id)
    assert (incident.origin, incident.element_id) == ("timer", "ServiceTask_RectifyRemind")
    assert "message gateway down" in incident.message
    assert lc.case(case_id).status == "incident"
    assert ladder(lc, case_id) == []
    hazard = lc.hazard(case_id)
    assert (hazard["status"], hazard["notice_no"]) == ("open", "金安卫健整改〔2026〕1号")
    assert lc.open_elements(case_id) == ["Task_Rectify"]  # the rectifier can still see it
    assert lc.fire(case_id, at + timedelta(hours=1)) == 0  # sweeps leave an incident alone
    assert lc.actions(case_id)[-1] == "incident"

    monkeypatch.undo()
    lc.set_time(at + timedelta(hours=2))
    assert lc.retry(case_id, incident.id).status == "active"
    assert lc.incidents(case_id) == []
    assert sent(lc, case_id) == [("remind", "rectifier")]
    assert "BoundaryEvent_RectifyRemind" not in lc.pending_timers(case_id)
    assert lc.fire(case_id) == 0
    assert len(ladder(lc, case_id)) == 1
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    assert lc.pending_timers(case_id) == {}


def test_a_sweep_at_exactly_the_due_instant_fires_the_rung(lc: Lifecycle) -> None:
    case_id = rectifying(lc, GENERAL)
    assert lc.fire(case_id, rung_time(-3)) == 1
    assert sent(lc, case_id) == [("remind", "rectifier")]


# What we assert for a re-entered rectification: each rung is sent once per deadline. A
# failed verification BEFORE the deadline re-arms the rungs still ahead (asserted in
# test_lifecycle_general::test_ordered_rectification_failed_then_passed_verification); one
# AFTER the deadline must not repeat the rungs already sent, above all not a second
# numbered 督办 letter for the same lapse: the ladder's steps are marked once_per deadline.
def test_a_failed_verification_after_the_deadline_does_not_resend_the_ladder(
        lc: Lifecycle) -> None:
    case_id = rectifying(lc, GENERAL)
    assert lc.fire(case_id, rung_time(7) + SECOND) == 1
    before = sent(lc, case_id)
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    lc.set_time(rung_time(9))
    lc.complete(case_id, "Task_Verify", "verifier", verify_failed())
    assert lc.open_elements(case_id) == ["Task_Rectify"]
    lc.fire(case_id, rung_time(10))
    assert sent(lc, case_id) == before
    assert len(lc.services(case_id, "hazard.supervision_letter")) == 1
    assert set(lc.pending_timers(case_id)) == {"BoundaryEvent_RectifyPublish"}


def test_the_remind_names_the_deadline(lc: Lifecycle) -> None:
    case_id = rectifying(lc, GENERAL)
    lc.fire(case_id, rung_time(-3) + SECOND)
    [remind] = ladder(lc, case_id)
    assert "整改期限 2026-11-20" in remind.body
