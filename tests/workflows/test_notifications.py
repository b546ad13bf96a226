"""Task notifications: a new task, due soon and overdue, each once, with unread counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.workflows.notifications import (
    mark_all_read,
    mark_read_for,
    notifications_for,
    notify_due_tasks,
    unread_count,
)
from hazardflow.workflows.users import get_user

from .lifecycle import T0, Lifecycle
from .lifecycle_forms import UNIT, order_form

TRIAGE_GROUPS = [("task_new", f"safety_officer@{UNIT}"), ("task_new", "county_supervisor@LA-JA"),
                 ("task_new", "city_supervisor@LA-JA")]


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def unread(lc: Lifecycle, username: str) -> int:
    with lc.db.connect() as conn:
        user = get_user(conn, username)
        assert user is not None
        return unread_count(conn, user.id, lc.actor(username), lc.rt.engine.exclusions(conn))


def listed(lc: Lifecycle, username: str, **kwargs: object) -> list[dict[str, object]]:
    with lc.db.connect() as conn:
        user = get_user(conn, username)
        assert user is not None
        return notifications_for(conn, user.id, lc.actor(username),  # type: ignore[arg-type]
                                 lc.rt.engine.exclusions(conn), **kwargs)


def task_notes(lc: Lifecycle, case_id: int, kind: str) -> list[tuple[str, str]]:
    return [(n.kind, n.to) for n in lc.notes(case_id, kind)]


def test_a_new_group_task_notifies_each_candidate_group_once(lc: Lifecycle) -> None:
    case_id = lc.report()
    assert task_notes(lc, case_id, "task_new") == TRIAGE_GROUPS
    note = lc.notes(case_id, "task_new")[0]
    assert note.title == "【新待办】下达整改通知/现场处置"
    assert "YH-2026-000001" in note.body and "截止 2026-11-03 09:00" in note.body
    assert unread(lc, "safety") == 1 and unread(lc, "jinan") == 1
    assert unread(lc, "safety2") == 0 and unread(lc, "rectifier") == 0
    [row] = listed(lc, "safety")
    assert row["task_id"] == lc.task_id(case_id, "Task_Triage") and row["case_id"] == case_id


def test_an_assigned_task_notifies_only_its_assignee(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 11, 20)))
    assert [n.to for n in lc.notes(case_id, "task_new")][3:] == ["rectifier"]
    assert unread(lc, "rectifier") == 1
    assert lc.notes(case_id, "task_new")[3].title == "【新待办】整改"


def test_due_soon_and_overdue_are_sent_once_per_task_and_recipient(lc: Lifecycle) -> None:
    case_id = lc.report()  # triage is due one day after T0
    assert notify_due_tasks(lc.db, T0, lc.rt.calendar) == {"task_overdue": 0, "task_due_soon": 3}
    assert notify_due_tasks(lc.db, T0 + timedelta(hours=1), lc.rt.calendar) == {"task_overdue": 0,
                                                                "task_due_soon": 0}
    assert [to for _, to in task_notes(lc, case_id, "task_due_soon")] == \
        [to for _, to in TRIAGE_GROUPS]
    late = T0 + timedelta(days=1, minutes=1)
    assert notify_due_tasks(lc.db, late, lc.rt.calendar) == {"task_overdue": 3, "task_due_soon": 0}
    assert notify_due_tasks(lc.db, late + timedelta(days=5), lc.rt.calendar) == {"task_overdue": 0,
                                                                 "task_due_soon": 0}
    assert unread(lc, "safety") == 3  # new, due soon, overdue
    assert lc.notes(case_id, "task_overdue")[0].title == "【待办已超期】下达整改通知/现场处置"


def test_a_task_first_seen_past_due_is_only_overdue(lc: Lifecycle) -> None:
    case_id = lc.report()
    assert notify_due_tasks(lc.db, T0 + timedelta(days=2), lc.rt.calendar)["task_overdue"] == 3
    assert lc.notes(case_id, "task_due_soon") == []


def test_a_closed_task_is_never_reported_due(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 11, 20)))
    assert notify_due_tasks(lc.db, T0 + timedelta(days=2), lc.rt.calendar) == {"task_overdue": 0,
                                                               "task_due_soon": 0}
    # the rectification deadline is 20 November: due soon from the 18th
    assert notify_due_tasks(lc.db, T0 + timedelta(days=16), lc.rt.calendar)["task_due_soon"] == 1
    assert [to for _, to in task_notes(lc, case_id, "task_due_soon")] == ["rectifier"]
    # a date deadline is due at the end of its day in business time, and reads as that day
    body = lc.notes(case_id, "task_due_soon")[0].body
    assert "截止 2026-11-20。" in body and "11-21" not in body


def test_unread_first_and_marking_read(lc: Lifecycle) -> None:
    lc.report()
    second = lc.report(location="住院部一楼配电房")
    first, newest = sorted(int(str(n["id"])) for n in listed(lc, "safety"))
    with lc.db.begin() as conn:
        safety = get_user(conn, "safety")
        other = get_user(conn, "safety2")
        assert safety is not None and other is not None
        reader = lc.actor("safety")
        assert mark_read_for(conn, newest, other.id, lc.actor("safety2"),
                             lc.rt.engine.exclusions(conn), T0) is False
        assert mark_read_for(conn, newest, safety.id, reader, lc.rt.engine.exclusions(conn),
                             T0) is True
    assert [n["id"] for n in listed(lc, "safety", unread_first=True)] == [first, newest]
    assert [n["id"] for n in listed(lc, "safety")] == [newest, first]
    assert unread(lc, "safety") == 1
    assert listed(lc, "safety")[0]["case_id"] == second
    with lc.db.begin() as conn:
        assert mark_all_read(conn, safety.id, reader, lc.rt.engine.exclusions(conn), T0) == 1
    assert unread(lc, "safety") == 0
    assert unread(lc, "jinan") == 2  # the county's group rows are its own


def test_an_unannounced_finding_is_not_notified_to_its_unit_until_published(
        lc: Lifecycle) -> None:
    from hazardflow.workflows import inspections

    from .test_inspections import record

    own = lc.report()  # the unit's own hazard: a new triage task, due a day after T0
    found = record(lc, "city", "unannounced", {1: "安全出口上锁"})
    hidden = next(r["case_id"] for r in found["results"] if r["result"] == "fail")
    notify_due_tasks(lc.db, T0 + timedelta(hours=20), lc.rt.calendar)  # both triages are due soon
    assert {n.to for n in lc.notes(hidden, "task_new")} >= {f"safety_officer@{UNIT}"}
    # as without the visit: the unit sees its own hazard's new and due-soon tasks only
    assert unread(lc, "safety") == 2
    assert {n["case_id"] for n in listed(lc, "safety")} == {own}
    assert unread(lc, "jinan") == 4  # the county sees the visit's findings
    hidden_ids = [int(str(n["id"])) for n in listed(lc, "jinan") if n["case_id"] == hidden]
    with lc.db.begin() as conn:
        safety = get_user(conn, "safety")
        assert safety is not None
        reader = lc.actor("safety")
        excluded = lc.rt.engine.exclusions(conn)
        assert not any(mark_read_for(conn, n, safety.id, reader, excluded, T0)
                       for n in hidden_ids)
        assert mark_all_read(conn, safety.id, reader, excluded, T0) == 2
    with lc.db.begin() as conn:
        inspections.publish_inspection(conn, found["id"], actor="city", now=lc.now())
    assert unread(lc, "safety") == 2  # published: the visit's notices appear, unread
    assert {n["case_id"] for n in listed(lc, "safety", unread_only=True)} == {hidden}


def test_the_principal_and_the_county_still_hear_of_a_units_overdue_report(
        lc: Lifecycle) -> None:
    from .campaign_support import cst, report_of

    lc.engine.fire_due_timers(cst(2026, 12, 1))
    # December's first opens November's report (the month just ended), due at the county
    # by the 20th
    report = report_of(lc, "monthly", "2026-11", UNIT)["case_id"]
    lc.fire(report, cst(2026, 12, 21, 0, 0))  # the 20th has passed: overdue
    for username in ("safety", "principal", "jinan"):
        kinds = [n["kind"] for n in listed(lc, username) if n["case_id"] == report]
        assert "report_overdue" in kinds, username
    assert [n for n in listed(lc, "yuan") if n["case_id"] == report] == []
