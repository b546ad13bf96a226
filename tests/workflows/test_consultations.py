"""Risk consultations (专题会商): a session freezes the dashboards' figures as they stood,
and its follow-up actions become inbox tasks for their owners, due on their deadlines,
escalating when overdue and done when completed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, FixedClock, Forbidden, InvalidInput, NotFound
from hazardflow.engine.schema import human_task
from hazardflow.workflows import policy
from hazardflow.workflows.demo import seed_demo
from hazardflow.workflows.inbox import TaskQuery
from hazardflow.workflows.runtime import bundled_files, bundled_forms
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.usecases import consultations, inbox
from tests.autocommit import autocommit
from tests.factories import make_runtime

from .conftest import T0, HazardFactory
from .lifecycle import Lifecycle, end_of_day


class ConsultLife(Lifecycle):
    def __init__(self, db: sa.Engine) -> None:
        self.db, self.clock = db, FixedClock(T0)
        self.rt = make_runtime(db, self.clock)
        self.engine = autocommit(self.rt.engine)
        shipped = {f.name: f.bpmn for f in bundled_files()}["consultation_action.bpmn"]
        self.engine.deploy(shipped, bundled_forms(), actor="system")
        with db.begin() as conn:
            seed_demo(conn, T0)


@pytest.fixture
def lc(db: sa.Engine) -> Lifecycle:
    return ConsultLife(db)


SESSION = {"body_code": "LA-JA", "kind": "scheduled", "title": "11月安全风险研判会商",
           "topics": "汛后医疗机构用电和燃气安全", "participants": ["jinan", "safety", "principal"],
           "decisions": "对配电间开展专项检查"}


def test_the_figures_are_frozen_at_the_session_and_the_actions_are_inbox_tasks(
        lc: Lifecycle, make_hazard: HazardFactory) -> None:
    with lc.db.begin() as conn:
        for unit_code, level in (("LA-JA-H01", "major"), ("LA-JA-P01", "major"),
                                 ("LA-YA-H01", "major"), ("LA-JA-H01", "general")):
            make_hazard(conn, unit_code, level=level, deadline="2026-10-20")
    actions = [{"title": "排查全院配电间", "owner": "safety", "due_on": "2026-11-09"},
               {"title": "修订燃气泄漏现场处置方案", "owner": "principal", "due_on": "2026-11-20"}]
    sid = consultations.hold_consultation(lc.rt, lc.actor("jinan"),
                                          {**SESSION, "actions": actions})
    page = consultations.session_page(lc.rt, lc.actor("jinan"), sid)
    frozen = page["session"]["figures"]
    # 金安区's own area: its two open majors, three hazards past their deadline
    assert (frozen["majors_open"], frozen["overdue"], frozen["at"]) == (2, 3, T0.isoformat())
    assert page["session"]["participant_names"][0] == "金安区卫健委监管员"
    with lc.db.begin() as conn:  # the ledger moves on; the minutes keep what was looked at
        conn.execute(sa.update(hazard).where(hazard.c.county_code == "LA-JA",
                                             hazard.c.level == "major")
                     .values(status="closed"))
    again = consultations.session_page(lc.rt, lc.actor("jinan"), sid)["session"]["figures"]
    assert again == frozen
    tasks = {a["owner"]: a for a in page["actions"]}
    with lc.db.connect() as conn:
        rows = {r.assignee: r for r in conn.execute(sa.select(human_task).where(
            human_task.c.case_id.in_([a["case_id"] for a in page["actions"]])))}
    assert rows["safety"].due_at == end_of_day(tasks["safety"]["due_on"])
    mine = inbox.inbox_page(lc.rt, lc.actor("safety"), 0, TaskQuery())["result"]["items"]
    assert [(t["case_id"], t["due_at"]) for t in mine] == [
        (tasks["safety"]["case_id"], rows["safety"].due_at)]
    lc.complete(tasks["safety"]["case_id"], "Task_Carry", "safety",
                {"outcome": "已排查 12 间配电间，更换老化线路 3 处"})
    lc.fire(tasks["principal"]["case_id"], end_of_day(tasks["principal"]["due_on"])
            + timedelta(minutes=1))
    owners_view = consultations.session_page(lc.rt, lc.actor("principal"), sid)
    assert owners_view["session"]["figures"] is None  # the dashboards are the supervisors'
    done = {a["owner"]: a for a in owners_view["actions"]}
    assert (done["safety"]["status"], done["safety"]["done_by"]) == ("done", "safety")
    assert done["principal"]["status"] == "open"
    assert {n.to for n in lc.notes(tasks["principal"]["case_id"], "consultation_overdue")} == {
        "principal", "county_supervisor@LA-JA"}
    with lc.db.connect() as conn:  # the commission's people read the action's case, not others
        assert policy.case_visible(conn, lc.actor("inspector"), tasks["principal"]["case_id"])
        assert not policy.case_visible(conn, lc.actor("yuan"), tasks["principal"]["case_id"])


def test_only_the_commissions_supervisors_hold_sessions_and_others_do_not_see_them(
        lc: Lifecycle) -> None:
    for who, data, error in (
            ("safety", SESSION, Forbidden),
            ("yuan", SESSION, Forbidden),  # not 金安区's
            ("jinan", {**SESSION, "actions": [{"title": "x", "owner": "nobody",
                                               "due_on": "2026-11-09"}]}, InvalidInput),
            ("jinan", {**SESSION, "actions": [{"title": "x", "owner": "safety",
                                               "due_on": "2026-10-01"}]}, InvalidInput),
            ("jinan", {**SESSION, "actions": [{"title": "x", "owner": "safety",  # too far
                                               "due_on": "2099-01-01"}]}, InvalidInput)):
        with pytest.raises(error):
            consultations.hold_consultation(lc.rt, lc.actor(who), data)
    assert consultations.session_list(lc.rt, lc.actor("city")) == []
    sid = consultations.hold_consultation(lc.rt, lc.actor("jinan"), SESSION)
    assert [s["id"] for s in consultations.session_list(lc.rt, lc.actor("city"))] == [sid]
    assert consultations.session_list(lc.rt, lc.actor("yuan")) == []
    with pytest.raises(NotFound):
        consultations.session_page(lc.rt, lc.actor("yuan"), sid)


def test_an_arranged_session_freezes_its_figures_and_starts_its_actions_when_it_is_held(
        lc: Lifecycle, make_hazard: HazardFactory) -> None:
    sid = consultations.hold_consultation(lc.rt, lc.actor("jinan"), {
        **SESSION, "planned_at": "2026-11-05T09:00"})
    planned = consultations.session_page(lc.rt, lc.actor("jinan"), sid)
    assert (planned["session"]["status"], planned["session"]["figures"], planned["may_hold"]) \
        == ("planned", {}, True)
    with lc.db.begin() as conn:  # found after the session was arranged, before it is held
        make_hazard(conn, "LA-JA-H01", level="major")
    lc.set_time(T0 + timedelta(days=3))
    consultations.hold_planned(lc.rt, lc.actor("jinan"), sid, {"decisions": "限期整改", "actions": [
        {"title": "重大隐患整改", "owner": "principal", "due_on": "2026-11-30"}]})
    held = consultations.session_page(lc.rt, lc.actor("jinan"), sid)
    assert (held["session"]["status"], held["session"]["figures"]["majors_open"],
            held["session"]["held_at"]) == ("held", 1, T0 + timedelta(days=3))
    assert [(a["owner"], a["status"]) for a in held["actions"]] == [("principal", "open")]
    with pytest.raises(Conflict):
        consultations.hold_planned(lc.rt, lc.actor("jinan"), sid, {})
