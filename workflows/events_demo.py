"""The demo's information report and consultation, played through the same use-cases as
the pages: an open event at 金安区人民医院 (a first report within the hour and a
follow-up), a past consultation of 金安区卫健委 with two actions, one done from the
safety officer's inbox and one still open in the principal's, and a city-level session
arranged for next week (已安排; its convenor is reminded the day before). Idempotent: nothing
is made when an event or a consultation exists."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hazardflow.engine.db import read_transaction

from .schema_consultations import consultation_action
from .schema_events import info_event
from .usecases import consultations, events

if TYPE_CHECKING:
    from .demo_cases import DemoCases

FIRST = {"level": "general", "deaths": 0, "injuries": 2,
         "situation": "住院部二楼护士站旁配电箱起火冒烟，火势已被值班人员用灭火器扑灭。",
         "measures": "切断二楼电源，疏散病区患者12人至一楼大厅，两名患者轻微吸入烟雾，已吸氧观察。"}
FOLLOW_UP = {**FIRST,
             "situation": "经电工排查，系配电箱内接线端子老化过热引燃，过火面积约1平方米。",
             "measures": "更换配电箱和老化线路，病区恢复供电；两名患者生命体征平稳。"}


def seed_events_demo(demo: DemoCases) -> int:
    """The open event and the past consultation (none when either exists); how many made."""
    with read_transaction(demo.db) as conn:
        if conn.execute(sa.select(info_event.c.id).limit(1)).first() is not None \
                or conn.execute(sa.select(consultation_action.c.id).limit(1)).first():
            return 0
    held = demo.now - timedelta(days=8)
    demo.clock.set(held)
    local = demo.rt.calendar.local(held)
    session_id = consultations.hold_consultation(demo.rt, demo.actor("jinan"), {
        "body_code": "LA-JA", "kind": "scheduled", "title": "月度安全风险研判会商",
        "place": "金安区卫健委三楼会议室",
        "participants": ["jinan", "inspector", "principal", "safety"],
        "topics": "冬季用电、燃气和消防安全风险研判；重大隐患整改进度",
        "decisions": "各医疗机构一周内完成配电间和燃气管线自查；重大隐患按治理方案期限整改。",
        "actions": [
            {"title": "完成全院配电间和燃气管线自查，报送自查情况", "owner": "safety",
             "due_on": (local.date() + timedelta(days=5)).isoformat()},
            {"title": "组织一次消防疏散演练", "owner": "principal",
             "due_on": (local.date() + timedelta(days=20)).isoformat()}]})
    with read_transaction(demo.db) as conn:
        done_case = conn.execute(sa.select(consultation_action.c.case_id).where(
            consultation_action.c.consultation_id == session_id,
            consultation_action.c.owner == "safety")).scalar_one()
    demo.complete(done_case, "Task_Carry", "safety",
                  {"outcome": "自查配电间6处、燃气管线2处，更换老化线路1处，已报区卫健委。"},
                  held + timedelta(days=4))
    known = demo.now - timedelta(hours=3)
    demo.clock.set(known + timedelta(minutes=25))
    at = demo.rt.calendar.local(known).strftime("%Y-%m-%dT%H:%M")
    event_id = events.open_event(demo.rt, demo.actor("safety"), {
        "unit_code": "LA-JA-H01", "title": "住院部配电箱起火", "place": "住院部二楼护士站",
        "level": "general", "occurred_at": at, "known_at": at, **FIRST})
    demo.clock.set(demo.now - timedelta(hours=1))
    events.file_report(demo.rt, demo.actor("safety"), event_id, "followup", FOLLOW_UP)
    demo.clock.set(demo.now)
    planned = demo.rt.calendar.local(demo.now + timedelta(days=6)).date()
    consultations.hold_consultation(demo.rt, demo.actor("city"), {
        "body_code": "LA", "kind": "scheduled", "title": "全市医疗机构冬春季安全风险研判会商",
        "place": "六安市卫健委五楼会议室", "planned_at": f"{planned.isoformat()}T09:00",
        "participants": ["city", "jinan", "yuan"],
        "topics": "冬春季火灾、用电、燃气和危险化学品风险；各县区重大隐患整改和挂牌督办进度"})
    return 3
