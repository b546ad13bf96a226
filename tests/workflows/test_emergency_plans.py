"""Emergency plans (应急预案): a unit drafts a plan, its principal approves it, its county
files it (备案) or returns it; once filed, the drill and revision timers of the
emergency_plan process fire at the intervals the city set per kind of plan; a trigger or a
drill that found problems starts a revision; a drill's problem opens a linked hazard case.

Only the plan process is deployed; opening a hazard from a drill's problem needs the hazard
lifecycle and is tested with the pages (tests/web/test_emergency_plan_pages.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import (
    Conflict,
    EngineError,
    FixedClock,
    Forbidden,
    InvalidInput,
    NotFound,
)
from hazardflow.workflows.demo import DEMO_PASSWORD, USERS, seed_units
from hazardflow.workflows.emergency_plans import add_months
from hazardflow.workflows.runtime import bundled_files, bundled_forms
from hazardflow.workflows.schema_plans import emergency_plan, plan_version
from hazardflow.workflows.usecases import emergency_plans as plans
from hazardflow.workflows.users import create_user
from tests.autocommit import autocommit
from tests.factories import make_runtime

from .conftest import T0
from .lifecycle import Lifecycle

UNIT = "LA-JA-H01"
PEOPLE = {"safety", "principal", "jinan", "yuan", "city"}
SHIPPED = {f.name: f.bpmn for f in bundled_files()}


class PlanLife(Lifecycle):
    """The lifecycle driver with only the plan process deployed (the others cost time)."""

    def __init__(self, db: sa.Engine) -> None:
        self.db, self.clock = db, FixedClock(T0)
        self.rt = make_runtime(db, self.clock)
        self.engine = autocommit(self.rt.engine)
        self.engine.deploy(SHIPPED["emergency_plan.bpmn"], bundled_forms(), actor="system")
        with db.begin() as conn:
            seed_units(conn)  # and only the people these tests need (cheaper)
            for username, name, grants in USERS:
                if username in PEOPLE:
                    create_user(conn, username, DEMO_PASSWORD, name,
                                [(g.partition("@")[0], g.partition("@")[2]) for g in grants],
                                now=T0)

    def plan(self, plan_id: int) -> Any:
        with self.db.connect() as conn:
            return conn.execute(sa.select(emergency_plan)
                                .where(emergency_plan.c.id == plan_id)).one()

    def versions(self, plan_id: int) -> list[tuple[str, str]]:
        with self.db.connect() as conn:
            return [(r.label, r.status) for r in conn.execute(
                sa.select(plan_version).where(plan_version.c.plan_id == plan_id)
                .order_by(plan_version.c.id))]

    def at_end_of(self, day: date) -> datetime:
        """A moment after the end of ``day`` in Shanghai (timers on a date fire then)."""
        return datetime.combine(day + timedelta(days=1), time(1, 0), self.clock.now().tzinfo)

    def draft(self, case_id: int, label: str = "2026版") -> None:
        self.complete(case_id, "Task_Draft", "safety", {
            "version_label": label, "summary": "首次编制", "evidence_plan_file": ["ev-plan-1"]})

    def filed(self, kind: str = "onsite") -> tuple[int, int]:
        plan_id = plans.create_plan(self.rt, self.actor("safety"), UNIT, kind, "火灾现场处置方案")
        case_id = self.plan(plan_id).case_id
        self.draft(case_id)
        self.complete(case_id, "Task_Approve", "principal", {"decision": "approve"})
        self.complete(case_id, "Task_File", "jinan", {"decision": "accept"})
        return plan_id, case_id


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[PlanLife]:
    yield PlanLife(db)


def test_a_plan_is_drafted_approved_filed_by_its_county_and_revised_after_an_incident(
        lc: PlanLife) -> None:
    plan_id = plans.create_plan(lc.rt, lc.actor("safety"), UNIT, "onsite", "火灾现场处置方案")
    case_id = lc.plan(plan_id).case_id
    assert lc.candidates(lc.task_id(case_id, "Task_Draft")) == {
        ("safety_officer", UNIT), ("principal", UNIT)}
    lc.draft(case_id)
    assert (lc.plan(plan_id).status, lc.versions(plan_id)) == (
        "approving", [("2026版", "submitted")])
    assert lc.candidates(lc.task_id(case_id, "Task_Approve")) == {("principal", UNIT)}
    lc.complete(case_id, "Task_Approve", "principal", {"decision": "approve"})
    assert lc.candidates(lc.task_id(case_id, "Task_File")) == {
        ("county_supervisor", "LA-JA"), ("city_supervisor", "LA-JA")}
    lc.complete(case_id, "Task_File", "jinan", {"decision": "accept"})
    row, today = lc.plan(plan_id), lc.today()
    assert (row.status, row.filed_on, row.revision_due_on, row.drill_due_on) == (
        "in_force", today, add_months(today, 36), add_months(today, 6))
    assert lc.versions(plan_id) == [("2026版", "filed")]
    assert lc.open_elements(case_id) == []
    listed = plans.plan_list(lc.rt, lc.actor("city"))
    assert [(p["title"], p["status_name"], p["version_label"]) for p in listed] == [
        ("火灾现场处置方案", "已备案", "2026版")]
    assert plans.plan_list(lc.rt, lc.actor("yuan")) == []  # another county sees nothing
    # an incident starts a revision, which another county can neither see nor ask for
    with pytest.raises(NotFound):
        plans.plan_page(lc.rt, lc.actor("yuan"), plan_id)
    with pytest.raises(NotFound):
        plans.trigger_revision(lc.rt, lc.actor("yuan"), plan_id, "incident")
    with pytest.raises(Forbidden):
        plans.create_plan(lc.rt, lc.actor("yuan"), UNIT, "special", "某预案")
    with pytest.raises(InvalidInput, match="不存在"):
        plans.create_plan(lc.rt, lc.actor("safety"), "LA-NOPE", "special", "某预案")
    with pytest.raises(InvalidInput, match="预案类型"):
        plans.create_plan(lc.rt, lc.actor("safety"), UNIT, "annual", "某预案")
    assert lc.open_elements(case_id) == []
    plans.trigger_revision(lc.rt, lc.actor("jinan"), plan_id, "incident", "11月3日配电室火情")
    row = lc.plan(plan_id)
    assert (row.status, row.revision_reason) == (
        "drafting", "发生事故或突发事件：11月3日配电室火情")
    assert lc.open_elements(case_id) == ["Task_Draft"]
    with pytest.raises(Conflict):
        plans.trigger_revision(lc.rt, lc.actor("safety"), plan_id, "organisation")
    lc.draft(case_id, "2026修订版")
    assert lc.versions(plan_id) == [("2026版", "filed"), ("2026修订版", "submitted")]


def test_a_filing_refused_to_another_county_changes_nothing_and_a_return_needs_drafting_again(
        lc: PlanLife) -> None:
    plan_id = plans.create_plan(lc.rt, lc.actor("safety"), UNIT, "special", "危化品泄漏专项预案")
    case_id = lc.plan(plan_id).case_id
    lc.draft(case_id)
    lc.complete(case_id, "Task_Approve", "principal", {"decision": "approve"})
    before = (lc.plan(plan_id), lc.versions(plan_id), lc.case(case_id).revision)
    with pytest.raises(EngineError):
        lc.complete(case_id, "Task_File", "yuan", {"decision": "accept"})
    with pytest.raises(EngineError):  # a return needs its reason
        lc.complete(case_id, "Task_File", "jinan", {"decision": "return"})
    assert (lc.plan(plan_id), lc.versions(plan_id), lc.case(case_id).revision) == before
    lc.complete(case_id, "Task_File", "jinan",
                {"decision": "return", "decision_reason": "缺少应急物资清单"})
    row = lc.plan(plan_id)
    assert (row.status, row.return_reason, row.filed_on) == ("returned", "缺少应急物资清单", None)
    assert lc.versions(plan_id) == [("2026版", "refused")]
    assert lc.open_elements(case_id) == ["Task_Draft"]


def test_drill_and_revision_timers_fire_at_the_intervals_the_city_set(lc: PlanLife) -> None:
    plans.set_plan_cycle(lc.rt, lc.actor("city"), "onsite", {
        "revision_months": 12, "drill_months": 4, "revise_days": 60, "drill_days": 20})
    with pytest.raises(Forbidden):
        plans.set_plan_cycle(lc.rt, lc.actor("jinan"), "onsite", {
            "revision_months": 1, "drill_months": 1, "revise_days": 1, "drill_days": 1})
    plan_id, case_id = lc.filed("onsite")
    today = lc.today()
    drill_due = add_months(today, 4)
    assert lc.fire(case_id, lc.at_end_of(drill_due - timedelta(days=1))) == 0
    assert lc.open_elements(case_id) == []
    assert lc.fire(case_id, lc.at_end_of(drill_due)) == 1
    drill = lc.task(case_id, "Task_Drill")
    assert lc.candidates(drill.id) == {("safety_officer", UNIT), ("principal", UNIT)}
    assert [f for f, _ in plans.plan_list(lc.rt, lc.actor("jinan"))[0]["flags"]] == ["drill_due"]
    drill_by = lc.today() + timedelta(days=20)
    assert lc.fire(case_id, lc.at_end_of(drill_by)) == 1  # the drill is overdue: escalated
    assert ("task_overdue", "county_supervisor@LA-JA") in {
        (n.kind, n.to) for n in lc.notes(case_id, "task_overdue")}
    county = plans.plans_page(lc.rt, lc.actor("jinan"))
    assert [f for f, _ in county["plans"][0]["flags"]] == ["drill_overdue"]
    assert [(c["name"], c["filed"], c["drill_overdue"]) for c in county["summary"]] == [
        ("金安区卫生健康委员会", 1, 1)]
    held = lc.today()
    plans.record_drill(lc.rt, lc.actor("safety"), plan_id, {
        "held_on": held.isoformat(), "scenario": "配电室起火", "participants": "后勤科12人",
        "evaluation": "响应及时"})
    assert lc.open_elements(case_id) == []
    assert lc.plan(plan_id).drill_due_on == add_months(held, 4)
    assert lc.fire(case_id, lc.at_end_of(add_months(today, 12))) == 1
    row = lc.plan(plan_id)
    assert (row.status, row.revision_reason) == ("drafting", "定期修订到期（每12个月）")
    assert row.revise_by == lc.today() + timedelta(days=60)
    assert lc.open_elements(case_id) == ["Task_Draft"]


def test_a_drill_that_found_problems_starts_the_revision_even_before_it_was_due(
        lc: PlanLife) -> None:
    plan_id, case_id = lc.filed("comprehensive")
    drill_id = plans.record_drill(lc.rt, lc.actor("safety"), plan_id, {
        "held_on": lc.today().isoformat(), "scenario": "门诊楼火灾疏散",
        "participants": "全院120人", "evaluation": "疏散用时偏长",
        "problems": "三楼东侧安全出口被锁闭\n部分人员不会使用灭火器\n"})
    row = lc.plan(plan_id)
    assert (row.status, row.revision_reason) == ("drafting", "演练发现问题：三楼东侧安全出口被锁闭")
    assert row.drill_due_on == add_months(lc.today(), 12)
    assert lc.open_elements(case_id) == ["Task_Draft"]
    page = plans.plan_page(lc.rt, lc.actor("jinan"), plan_id)
    assert [(d["id"], [p["description"] for p in d["problems"]]) for d in page["drills"]] == [
        (drill_id, ["三楼东侧安全出口被锁闭", "部分人员不会使用灭火器"])]
