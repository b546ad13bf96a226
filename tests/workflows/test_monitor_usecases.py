"""The monitor's use-cases: each asks the policy first (the domain reads no longer do), and
each answers within the actor's scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, InvalidInput, NotFound
from hazardflow.workflows.usecases import monitor
from hazardflow.workflows.usecases import repair as repair_uc

from .lifecycle import Lifecycle


@pytest.fixture
def life(db: sa.Engine) -> Lifecycle:
    return Lifecycle(db)


READS: dict[str, Callable[[Lifecycle, str, int, int], Any]] = {
    "stuck": lambda lc, who, case, d: monitor.stuck(lc.rt, lc.actor(who), {}),
    "stuck_page": lambda lc, who, case, d: monitor.stuck_page(lc.rt, lc.actor(who), {}),
    "busiest_process": lambda lc, who, case, d: monitor.busiest_process(lc.rt, lc.actor(who)),
    "process_page": lambda lc, who, case, d: monitor.process_page(lc.rt, lc.actor(who), d),
    "piles": lambda lc, who, case, d: monitor.piles(lc.rt, lc.actor(who), d),
    "cases_at": lambda lc, who, case, d: monitor.cases_at(lc.rt, lc.actor(who), d,
                                                          "Task_Triage"),
    "dashboard": lambda lc, who, case, d: monitor.dashboard(lc.rt, lc.actor(who), 4),
    "dashboard_xlsx": lambda lc, who, case, d: monitor.dashboard_xlsx(lc.rt, lc.actor(who)),
    "escalations": lambda lc, who, case, d: monitor.escalations(lc.rt, lc.actor(who)),
    "letter": lambda lc, who, case, d: monitor.letter(lc.rt, lc.actor(who), case),
    "thresholds": lambda lc, who, case, d: monitor.thresholds(lc.rt, lc.actor(who)),
    "open_monitor": lambda lc, who, case, d: monitor.open_monitor(lc.rt, lc.actor(who)),
    "bulk_preview": lambda lc, who, case, d: repair_uc.bulk_preview(
        lc.rt, lc.actor(who), "suspend", [case]),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_only_those_who_may_monitor_read_it(life: Lifecycle, name: str) -> None:
    case_id = life.report()
    definition = life.case(case_id).definition_id
    with pytest.raises(Forbidden, match="监控"):
        READS[name](life, "rectifier", case_id, definition)
    READS[name](life, "city", case_id, definition)  # the city may


def test_the_county_sees_its_own_county_only(life: Lifecycle) -> None:
    mine = life.report()
    theirs = life.report(by="safety2", unit_code="LA-YA-H01")
    life.set_time(life.now() + timedelta(days=2))
    definition = life.case(mine).definition_id
    jinan = life.actor("jinan")
    listed = monitor.stuck(life.rt, jinan, {})
    assert {r["case_id"] for r in listed["items"]} == {mine}
    assert monitor.piles(life.rt, jinan, definition)["Task_Triage"]["active"] == 1
    assert monitor.piles(life.rt, life.actor("city"), definition)["Task_Triage"]["active"] == 2
    assert [r["case_id"] for r in monitor.cases_at(life.rt, jinan, definition,
                                                   "Task_Triage")] == [mine]
    assert sum(monitor.dashboard(life.rt, jinan, 4)["weeks"]["found"]) == 1
    with pytest.raises(NotFound):
        monitor.letter(life.rt, jinan, theirs)


def test_thresholds_are_the_citys_and_days_are_checked(life: Lifecycle) -> None:
    with pytest.raises(Forbidden):
        monitor.set_threshold(life.rt, life.actor("jinan"), "*", "", "idle", 5)
    for days in ("²", 0, 3651, 2**63, "5 days"):
        with pytest.raises(InvalidInput) as refused:
            monitor.set_threshold(life.rt, life.actor("city"), "*", "", "idle", days)
        assert refused.value.details[0].field == "days"
    monitor.set_threshold(life.rt, life.actor("city"), "*", "", "idle", "5")
    assert [(r["process_key"], r["days"]) for r in
            monitor.thresholds(life.rt, life.actor("jinan"))["items"]] == [("*", 5)]
    monitor.set_threshold(life.rt, life.actor("city"), "*", "", "idle", "")
    assert monitor.thresholds(life.rt, life.actor("jinan"))["items"] == []


def test_the_rollup_job_reads_only_what_changed(life: Lifecycle) -> None:
    assert monitor.refresh_rollup(life.rt) == 0  # no hazard yet
    life.report()
    life.report()
    assert monitor.refresh_rollup(life.rt) == 2
    assert monitor.refresh_rollup(life.rt) == 0
    assert sum(monitor.dashboard(life.rt, life.actor("city"), 1)["weeks"]["found"]) == 2
