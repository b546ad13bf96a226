"""Public reports tied into the rest: the triage diagram's working-day accept deadline (across
the National Day holiday and its 调休 Saturday), and the reward the triage process starts for
a 属实 named report (none for an anonymous one)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import chinese_calendar
import sqlalchemy as sa

from hazardflow.engine.schema import human_task, task_candidate
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_reports import public_report
from hazardflow.workflows.schema_rewards import report_reward
from hazardflow.workflows.usecases import cases, rewards, tasks
from hazardflow.workflows.usecases import public_reports as usecase
from hazardflow.workflows.usecases.public_reports import Photo

from .lifecycle import Lifecycle, end_of_day
from .test_public_reports import ANONYMOUS, NAMED, SUBSTANTIATED, png


def file(lc: Lifecycle, data: dict[str, Any]) -> int:
    filed = usecase.file_report(lc.rt, data, [Photo("现场.png", png())], address="10.0.0.9")
    with lc.db.connect() as conn:
        return int(conn.execute(sa.select(public_report.c.case_id).where(
            public_report.c.id == filed.report_id)).scalar_one())


def third_workday_after(day: date) -> date:
    """Counted with chinese_calendar itself (holidays and 调休 make-up days)."""
    left = 3
    while left:
        day += timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    return day


def test_a_report_filed_before_national_day_is_due_to_be_accepted_on_the_third_working_day(
        db: sa.Engine) -> None:
    # Wednesday 30 September 2026, 10:00 in Lu'an; 1–7 October are holidays
    lc = Lifecycle(db, start=datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    due_day = third_workday_after(date(2026, 9, 30))
    assert due_day == date(2026, 10, 10) and due_day.weekday() == 5  # the 调休 Saturday
    case_id = file(lc, ANONYMOUS)
    assert lc.task(case_id, "Task_Accept").due_at == end_of_day(due_day)
    assert lc.data(case_id)["accept_by"] == due_day.isoformat()  # the case's own record
    # calendar days would have fired on 3 October; the reminder waits for the working days
    assert lc.fire(case_id, end_of_day(date(2026, 10, 3))) == 0
    assert lc.fire(case_id, end_of_day(due_day) - timedelta(minutes=1)) == 0
    assert lc.notes(case_id, "report_accept_due") == []
    assert lc.fire(case_id, end_of_day(due_day)) == 1
    assert {n.to for n in lc.notes(case_id, "report_accept_due")} == \
        {"report_triage@LA-JA", "county_supervisor@LA-JA"}
    assert "3个工作日" in lc.notes(case_id, "report_accept_due")[0].body


def test_a_substantiated_named_report_gets_a_reward_proposed_at_its_county_an_anonymous_none(
        db: sa.Engine) -> None:
    lc = Lifecycle(db)
    rewards.set_reward_tiers(lc.rt, lc.actor("city"), {"general": "300"}, "2026年标准")
    opened = {}
    for name, data in (("named", NAMED), ("anonymous", ANONYMOUS)):
        case_id = file(lc, data)
        if name == "named":
            shows_the_report_it_rests_on(lc, case_id)
        lc.complete(case_id, "Task_Accept", "jubao", {"accept_result": "accept"})
        lc.complete(case_id, "Task_Verify", "inspector", SUBSTANTIATED)
        assert lc.open_elements(case_id) == ["Task_Reply"]
        opened[name] = lc.data(case_id)["reward_opened"]
        if name == "named":
            links_back_only_for_report_readers(lc, case_id)
    assert opened == {"named": True, "anonymous": False}
    with lc.db.connect() as conn:
        rows = conn.execute(sa.select(report_reward)).all()
        assert [(r.status, r.tier_amount, r.hazard_level) for r in rows] == \
            [("proposing", 300, "general")]
        candidates = conn.execute(
            sa.select(human_task.c.element_id, task_candidate.c.role, task_candidate.c.unit)
            .join(task_candidate, task_candidate.c.human_task_id == human_task.c.id)
            .where(human_task.c.case_id == rows[0].case_id, human_task.c.state == "open")).all()
    assert ("Task_Propose", "report_triage", "LA-JA") in candidates


def shows_the_report_it_rests_on(lc: Lifecycle, case_id: int) -> None:
    """The triage task's page shows the report as filed (text, place, photo), not who filed."""
    page = tasks.task_page(lc.rt, lc.actor("jubao"), lc.task_id(case_id, "Task_Accept"))
    report = page["report"]
    assert (report["kind"], report["place"], report["description"], len(report["photos"])) \
        == ("triage", NAMED["place"], NAMED["description"], 1)
    assert "王小明" not in repr(page) and "13900001234" not in repr(page)


def links_back_only_for_report_readers(lc: Lifecycle, triage_case: int) -> None:
    """The hazard opened from the report names its source: with the report's link for the
    county (who reads reports), without it (no id, no code) for the unit."""
    with lc.db.connect() as conn:
        report_id, code, hazard_case = conn.execute(
            sa.select(public_report.c.id, public_report.c.code, hazard.c.case_id)
            .join(hazard, hazard.c.id == public_report.c.hazard_id)
            .where(public_report.c.case_id == triage_case)).one()
    desk = cases.case_page(lc.rt, lc.actor("jinan"), hazard_case)["report"]
    unit = cases.case_page(lc.rt, lc.actor("safety"), hazard_case)
    assert desk == {"kind": "source", "id": report_id, "code": code}
    assert unit["report"] == {"kind": "source", "id": None, "code": None}
    assert code not in repr(unit) and "王小明" not in repr(unit)
