"""The stuck-case list: each kind appears once its clock passes, within the viewer's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, NotFound
from hazardflow.engine.schema import human_task
from hazardflow.workflows import monitor, monitor_piles, repair
from hazardflow.workflows.monitor import StuckFilter
from hazardflow.workflows.usecases import repair as repair_uc

from .lifecycle import TODAY, Lifecycle
from .lifecycle_forms import order_form


@pytest.fixture
def life(db: sa.Engine) -> Lifecycle:
    return Lifecycle(db)


def stuck(life: Lifecycle, who: str, **filters: Any) -> dict[str, Any]:
    with life.db.connect() as conn:
        return monitor.stuck(conn, life.actor(who), StuckFilter(**filters), life.now())


def kinds(life: Lifecycle, who: str, case_id: int, **filters: Any) -> set[str]:
    return {k for r in stuck(life, who, **filters)["items"] if r["case_id"] == case_id
            for k in r["kinds"]}


def test_each_stuck_kind_appears_once_its_clock_passes(life: Lifecycle) -> None:
    case_id = life.report()  # Task_Triage: due in a day, nobody claims it
    with life.db.begin() as conn:
        monitor.set_threshold(conn, life.actor("city"), "hazard_lifecycle", "Task_Triage",
                              "idle", 5, life.now())
    assert kinds(life, "city", case_id) == set()
    life.set_time(life.now() + timedelta(days=1, minutes=1))
    assert kinds(life, "city", case_id) == {"overdue"}
    life.set_time(life.now() + timedelta(days=2))  # 3 days and a minute: unclaimed
    assert kinds(life, "city", case_id) == {"overdue", "unclaimed"}
    life.set_time(life.now() + timedelta(days=1))  # 4 days: not idle yet (5 for triage)
    assert "idle" not in kinds(life, "city", case_id)
    life.set_time(life.now() + timedelta(days=1))
    assert kinds(life, "city", case_id) == {"overdue", "unclaimed", "idle"}
    row = next(r for r in stuck(life, "city", kind="overdue")["items"])
    assert row["hazard_code"] and row["days"] == pytest.approx(4.0, abs=0.1)
    assert "超期" in row["why"]

    life.engine.suspend(case_id, life.actor("city"), "核查登记信息")
    assert "suspended" in kinds(life, "city", case_id)
    life.engine.resume(case_id, life.actor("city"), "核查完毕")
    assert "suspended" not in kinds(life, "city", case_id)


def test_a_case_stuck_for_several_reasons_is_one_row_counted_once(life: Lifecycle) -> None:
    case_id = life.report()  # Task_Triage: due in a day, nobody claims it
    with life.db.begin() as conn:
        monitor.set_threshold(conn, life.actor("city"), "hazard_lifecycle", "Task_Triage",
                              "idle", 2, life.now())
    life.set_time(life.now() + timedelta(days=2, minutes=1))
    found = stuck(life, "city")
    rows = [r for r in found["items"] if r["case_id"] == case_id]
    assert len(rows) == 1
    assert {"overdue", "idle"} <= set(rows[0]["kinds"])
    assert {"任务超期", "长期停留"} <= set(rows[0]["kind_names"])
    assert {w["kind"] for w in rows[0]["reasons"]} == set(rows[0]["kinds"])
    assert found["total"] == len(found["items"]) == 1
    assert found["counts"]["overdue"] == found["counts"]["idle"] == 1
    assert [r["case_id"] for r in stuck(life, "city", kind="idle")["items"]] == [case_id]
    assert stuck(life, "city", kind="idle")["total"] == 1
    other = life.report()
    life.set_time(life.now() + timedelta(days=1, minutes=1))  # the other: overdue only
    with life.db.connect() as conn:
        pages = [monitor.stuck(conn, life.actor("city"), StuckFilter(), life.now(), n, 1)
                 for n in (1, 2, 3)]
    assert [[r["case_id"] for r in p["items"]] for p in pages] == [[case_id], [other], []]
    assert all(p["total"] == 2 for p in pages)


def test_an_incident_is_listed_with_its_message(life: Lifecycle) -> None:
    case_id = life.report()
    triage = life.task_id(case_id, "Task_Triage")
    # a responsible person nobody can find: the reminder three days before fails
    life.engine.complete_task(triage, life.actor("safety"),
                              order_form(TODAY + timedelta(days=10), responsible="ghost"))
    assert kinds(life, "city", case_id) == set()
    life.fire(case_id, life.now() + timedelta(days=7, hours=16))
    rows = [r for r in stuck(life, "city", kind="incident")["items"] if r["case_id"] == case_id]
    assert len(rows) == 1 and "ghost" in rows[0]["message"]
    # the reason is a Chinese sentence; the stored text only in the technical view
    [reason] = rows[0]["reasons"]
    assert reason["kind_name"] == "流程故障"
    assert reason["why"] == "服务任务失败：流程数据的取值不符合要求（已尝试 1 次）"
    assert "ghost" in reason["technical"]["message"]
    assert reason["technical"]["element_id"] == "ServiceTask_RectifyRemind"


def test_filters_narrow_the_list_and_counts_stop_at_the_cap(life: Lifecycle) -> None:
    fire = life.report(category="fire")
    gas = life.report(category="gas_canteen", level="major")
    life.set_time(life.now() + timedelta(days=2))
    assert {r["case_id"] for r in stuck(life, "city", category="fire")["items"]} == {fire}
    assert {r["case_id"] for r in stuck(life, "city", level="major")["items"]} == {gas}
    assert {r["case_id"] for r in stuck(life, "city", county_code="LA-YA")["items"]} == set()
    assert {r["case_id"] for r in stuck(life, "city", unit_code="LA-JA")["items"]} == {fire, gas}
    with life.db.connect() as conn:
        capped = monitor.stuck(conn, life.actor("city"), StuckFilter(kind="overdue"),
                               life.now(), cap=1)
    assert capped["counts"]["overdue"] == 2 and capped["capped"]["overdue"] is True


def test_a_county_supervisor_sees_and_repairs_only_their_county(life: Lifecycle) -> None:
    yuan_case = life.report(by="safety2", unit_code="LA-YA-H01")
    life.set_time(life.now() + timedelta(days=2))
    assert "overdue" in kinds(life, "yuan", yuan_case)
    assert kinds(life, "jinan", yuan_case) == set()
    with life.db.connect() as conn, pytest.raises(NotFound):
        repair.check_case(conn, life.actor("jinan"), yuan_case)
    with pytest.raises(NotFound):
        repair_uc.repair_one(life.rt, life.actor("jinan"), yuan_case, "suspend", "越权")
    with pytest.raises(Forbidden):
        repair_uc.repair_one(life.rt, life.actor("rectifier"), yuan_case, "suspend", "越权")
    assert life.case(yuan_case).status == "active"
    preview = repair_uc.preview(life.rt, life.actor("jinan"), [yuan_case], "suspend")
    assert preview[0]["ok"] is False and "hazard_code" not in preview[0]
    batch = repair_uc.start_bulk(life.rt, life.actor("jinan"), "suspend", "越权", [yuan_case])
    result = repair_uc.batch_status(life.rt, life.actor("jinan"), batch)
    assert [r["outcome"] for r in result["results"]] == ["refused"]
    # another county's case answers as an unknown one: no hazard code comes back
    assert [r["hazard_code"] for r in result["results"]] == [None]
    assert str(yuan_case) in result["results"][0]["message"]
    assert life.case(yuan_case).status == "active"
    assert repair_uc.repair_one(life.rt, life.actor("yuan"), yuan_case, "suspend",
                                "核查")[0] == "ok"


def test_piles_count_open_overdue_and_time_spent_per_activity(life: Lifecycle) -> None:
    first = life.report()
    life.report()
    life.set_time(life.now() + timedelta(days=2))
    life.complete(first, "Task_Triage", "safety", order_form(TODAY + timedelta(days=20)))
    with life.db.connect() as conn:
        definition = life.case(first).definition_id
        piles = monitor_piles.piles(conn, life.actor("city"), definition, life.now())
        at_triage = monitor.cases_at(conn, life.actor("city"), definition, "Task_Triage",
                                     life.now())
        nothing = monitor_piles.piles(conn, life.actor("yuan"), definition, life.now())
    assert piles["Task_Triage"]["active"] == 1 and piles["Task_Triage"]["overdue"] == 1
    assert piles["Task_Triage"]["avg_hours"] == pytest.approx(48.0)
    assert piles["Task_Rectify"]["active"] == 1 and piles["Task_Rectify"]["overdue"] == 0
    assert len(at_triage) == 1 and at_triage[0]["case_id"] != first
    assert nothing == {}
    with life.db.connect() as conn:
        opened = conn.execute(sa.select(sa.func.count()).select_from(human_task)
                              .where(human_task.c.state == "open")).scalar()
    assert opened == 2
