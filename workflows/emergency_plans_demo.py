"""Demo emergency plans (应急预案), played through the use-cases with the demo's clock:

- 金安区人民医院's comprehensive plan, filed three years and five months ago: its revision
  came due five months ago and its 90 days have passed (修订逾期, the drafting task overdue);
- its on-site procedure for the power room, filed six months and ten days ago: its drill
  came due ten days ago (演练到期, the drill task in the hospital's inbox);
- 六安济民医院's special plan for hazardous chemicals, filed four months ago, drilled a
  month ago (held early: its next drill moves a year on).
None when any plan exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hazardflow.engine.db import read_transaction, write_transaction

from . import evidence
from .schema_plans import emergency_plan
from .usecases import emergency_plans as plans

if TYPE_CHECKING:
    from .demo_cases import DemoCases


def _filed(demo: DemoCases, unit_code: str, keeper: str, head: str, county: str, kind: str,
           title: str, at: datetime) -> int:
    """A plan drafted, approved and filed on the day ``at``; its id."""
    demo.clock.set(at)
    plan_id = plans.create_plan(demo.rt, demo.actor(keeper), unit_code, kind, title)
    with read_transaction(demo.db) as conn:
        case_id = int(conn.execute(sa.select(emergency_plan.c.case_id).where(
            emergency_plan.c.id == plan_id)).scalar_one())
    with write_transaction(demo.db) as conn:
        text = evidence.save_upload(
            conn, demo.storage, filename=f"{title}.txt", kind="document",
            data=f"{title}\n（演示文本：总则、组织机构及职责、预警及信息报告、应急响应、保障措施）\n"
            .encode(), uploaded_by=keeper, now=at, max_bytes=1024 * 1024).ref
    demo.complete(case_id, "Task_Draft", keeper, {
        "version_label": f"{at.year}版", "summary": "首次编制", "evidence_plan_file": [text]},
        at + timedelta(hours=1))
    demo.complete(case_id, "Task_Approve", head, {"decision": "approve"}, at + timedelta(days=1))
    demo.complete(case_id, "Task_File", county, {"decision": "accept"}, at + timedelta(days=3))
    return plan_id


def _fire(demo: DemoCases, plan_id: int, at: datetime) -> None:
    """The plan's timers due at ``at`` (only this case's: the hazards keep theirs)."""
    demo.clock.set(at)
    with read_transaction(demo.db) as conn:
        case_id = int(conn.execute(sa.select(emergency_plan.c.case_id).where(
            emergency_plan.c.id == plan_id)).scalar_one())
    for _ in range(2):  # a drill timer and the revision timer due at once
        with write_transaction(demo.db) as conn:
            demo.rt.engine.fire_case_timers(conn, case_id, at)


def seed_plans_demo(demo: DemoCases) -> int:
    """The three plans (none when any plan exists); how many made."""
    with read_transaction(demo.db) as conn:
        if conn.execute(sa.select(emergency_plan.c.id).limit(1)).first() is not None:
            return 0
    now = demo.now
    overall = _filed(demo, "LA-JA-H01", "safety", "principal", "jinan", "comprehensive",
                     "金安区人民医院突发事件综合应急预案", now - timedelta(days=365 * 3 + 153))
    _fire(demo, overall, now - timedelta(days=140))  # the revision came due five months ago
    power_room = _filed(demo, "LA-JA-H01", "safety", "principal", "jinan", "onsite",
                        "配电室火灾现场处置方案", now - timedelta(days=194))
    chemicals = _filed(demo, "LA-JA-P01", "jimin", "jimin_head", "jinan", "special",
                       "危险化学品泄漏专项应急预案", now - timedelta(days=120))
    demo.clock.set(now - timedelta(days=30))
    plans.record_drill(demo.rt, demo.actor("jimin"), chemicals, {
        "held_on": demo.rt.calendar.today(now - timedelta(days=30)).isoformat(),
        "scenario": "检验科二甲苯试剂瓶破裂泄漏，一名检验人员吸入不适",
        "participants": "检验科、后勤保障科、保卫科、急诊科共18人",
        "evaluation": "报告和疏散及时；吸附处置规范；应急物资取用耗时偏长。",
        "problems": []})
    _fire(demo, power_room, now - timedelta(days=2))  # the power room's drill came due ten days ago
    demo.clock.set(now)
    return 3
