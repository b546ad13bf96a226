"""Demo hazards, so that a first look at the app shows a working month: cases waiting for an
order, being rectified, overdue, sent back by a verifier, closed — the county's and the
city's findings ordered and re-checked by them, the units' own by their verifiers — and major
hazards: one under the county's order to stop using it, one on the 挂牌督办 register, one
found in an unannounced visit and still hidden from its hospital, with before and after
photos. They run through the real engine (each step at its
own time on the clock), so ledger, inboxes, timers, notifications and the dashboard are what
the system itself made of them. Seeded once: nothing happens when any hazard exists.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import FixedClock
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.schema import human_task

from . import evidence
from .demo_work import INSPECTIONS, seed_demo_work
from .runtime import Runtime
from .schema import hazard
from .usecases import cases, tasks
from .users import actor_for


@dataclass(frozen=True)
class Scenario:
    unit: str
    reporter: str
    category: str
    location: str
    description: str
    days_ago: int  # when it was reported
    outcome: str  # triage, rectify, overdue, failed, closed, major, listed, hidden
    level: str = "general"
    source: str | None = None  # default: an inspection for a regulator, else self-inspection
    major_item: str | None = None  # the item of the 2023 list that applies
    item_reason: str | None = None  # why it stays 一般 although an item applies


SCENARIOS = [
    Scenario("LA-JA-H01", "inspector", "fire", "门诊楼二层东侧消防通道",
             "疏散通道堆放纸箱和废旧病床，通道宽度不足1米", 2, "triage"),
    Scenario("LA-JA-H01", "safety", "electrical", "住院部配电间",
             "配电柜前堆放杂物，柜门无法完全打开", 1, "triage"),
    # 判定清单 第四条: gas appliances without a working gas alarm are a major hazard
    Scenario("LA-JA-H01", "inspector", "gas_canteen", "职工食堂操作间",
             "燃气灶具未安装可燃气体报警装置", 9, "major", "major", major_item="4"),
    # 第二条（二） (equipment used without a valid inspection) is considered and not met: the
    # periodic inspection was passed on time, only the certificate's copy was not renewed
    Scenario("LA-JA-H01", "safety", "special_equipment", "医技楼3号电梯",
             "电梯定期检验合格证超期未更新（本年度定期检验已按期完成且合格，待特检院换发新证）",
             6, "rectify", major_item="2.2",
             item_reason="定期检验已按期完成且结论合格，仅合格证未换发，不属于使用未经检验的设备"),
    Scenario("LA-JA-H01", "inspector", "confined_space", "污水处理站调节池",
             "有限空间入口未设置警示标识，未配备气体检测仪", 30, "overdue"),
    Scenario("LA-YA-H01", "safety2", "medical_gas", "液氧站",
             "液氧储罐区围栏破损，无关人员可进入", 26, "overdue"),
    Scenario("LA-JA-H01", "safety", "fire", "行政楼一楼",
             "灭火器压力不足，部分过期未检", 20, "failed"),
    Scenario("LA-JA-H01", "inspector", "hazardous_chemicals", "检验科试剂库",
             "易制毒化学品未双人双锁管理，台账不全", 40, "closed"),
    Scenario("LA-YA-H01", "yuan", "flood", "地下车库入口",
             "防汛挡水板缺失，排水泵未试运行", 55, "closed"),
    Scenario("LA-JA-H01", "safety", "management", "保卫科",
             "动火作业审批记录缺失", 70, "closed"),
    Scenario("LA-JA-H01", "inspector", "medical_gas", "高压氧舱机房",
             "高压氧舱安全阀超期未校验，仍在使用", 4, "major", "major"),
    Scenario("LA-JA-H01", "city", "special_equipment", "门诊楼2号电梯",
             "电梯安全钳动作试验不合格，仍在载客运行", 12, "listed", "major", "spot_check"),
    Scenario("LA-JA-H01", "city", "fire", "住院部五楼",
             "消防控制室无人值守，自动喷水灭火系统处于手动状态", 1, "hidden", "major",
             "unannounced"),
]
REGULATORS = ("inspector", "yuan", "city")
ORDERED_BY = {"inspector": "jinan", "yuan": "yuan", "city": "city"}
RECHECK = {"inspector": ("Task_Recheck", "inspector"), "yuan": ("Task_Recheck", "yuan"),
           "city": ("Task_RecheckCity", "city")}

MAJOR_ORDER = {"order_measure": "stop_use",
               "order_requirements": "立即停止使用，撤离无关人员，设置警戒区，专人值守"}
CONTROLS = {"control_measures": "停止使用并断电，设置警戒区，张贴停用告示",
            "shutdown_scope": "partial", "evacuated": True, "warning_posted": True,
            "monitoring": True, "harm": "可能造成人员伤亡", "difficulty": "需更换部件并检验"}
EMERGENCY = {"emergency_department": "六安市金安区应急管理局",
             "emergency_reporter": "金安区人民医院院长"}
PLAN = {"plan_goal": "更换失效部件，检验合格后恢复使用",
        "plan_methods": "委托有资质单位维修并检验", "plan_funding": "专项资金3万元",
        "plan_organisation": "后勤保障部牵头，设备科配合", "plan_timeline": "30日内完成",
        "plan_safety": "停用期间改走其他电梯，制定应急预案", "responsible_user": "principal"}
LISTED = {"plan_decision": "approved", "listed_supervision": True,
          "listing_reason": "市卫健委抽查发现，涉及门诊患者安全，列为区级挂牌督办",
          "supervision_note": "同意方案，按期整改"}

COLORS = {"before": (190, 70, 60), "after": (60, 150, 90)}


def _photo(kind: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), COLORS[kind])
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 40):
        draw.line([(x, 0), (x + 200, 480)], fill=(255, 255, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


class DemoCases:
    """Plays the scenarios through the use-cases, the clock set to each step's time."""

    def __init__(self, rt: Runtime, clock: FixedClock, now: datetime) -> None:
        self.rt, self.clock, self.now = rt, clock, now
        self.db, self.storage = rt.db, rt.storage

    def actor(self, username: str) -> Any:
        with read_transaction(self.db) as conn:
            return actor_for(conn, username)

    def upload(self, username: str, kind: str, at: datetime) -> str:
        with write_transaction(self.db) as conn:
            row = evidence.save_upload(conn, self.storage, filename=f"{kind}.jpg",
                                       data=_photo(kind), kind=kind, uploaded_by=username,
                                       now=at, max_bytes=10 * 1024 * 1024)
        return evidence.ref(row.id)

    def task(self, case_id: int, element: str) -> int:
        with read_transaction(self.db) as conn:
            return int(conn.execute(sa.select(human_task.c.id).where(
                human_task.c.case_id == case_id, human_task.c.element_id == element,
                human_task.c.state == "open")).scalar_one())

    def complete(self, case_id: int, element: str, username: str, data: dict[str, Any],
                 at: datetime) -> None:
        self.clock.set(at)
        tasks.complete(self.rt, self.actor(username), self.task(case_id, element), data)

    def run(self, s: Scenario) -> None:
        reported = self.now - timedelta(days=s.days_ago)
        photo = self.upload(s.reporter, "before", reported)
        regulator = s.reporter in REGULATORS
        data = {"unit_code": s.unit, "location": s.location, "category": s.category,
                "level": s.level, "description": s.description, "photos_before": [photo],
                "source": s.source or ("inspection" if regulator else "self_inspection"),
                "campaign": "2026-YDQ"}
        if s.major_item:
            data["major_item"] = s.major_item
        if s.item_reason:
            data["major_item_reason"] = s.item_reason
        self.clock.set(reported)
        case_id = cases.report_hazard(self.rt, self.actor(s.reporter), data)["case"].case_id
        if s.level == "major":
            self.major(case_id, s, reported)
            return
        if s.outcome == "triage":
            return
        safety = "safety2" if s.unit == "LA-YA-H01" else "safety"
        rectifier = "rectifier2" if s.unit == "LA-YA-H01" else "rectifier"
        # a regulator orders what it found and re-checks it; a unit's own finding, its verifier
        orderer = ORDERED_BY.get(s.reporter, safety)
        triage = "Task_TriageCity" if s.reporter == "city" else "Task_Triage"
        verify, verifier = RECHECK.get(s.reporter, ("Task_Verify", "verifier"))
        ordered = reported + timedelta(hours=3)
        days = {"rectify": 14, "overdue": 10, "failed": 10, "closed": 7}[s.outcome]
        deadline = self.rt.calendar.today(ordered + timedelta(days=days)).isoformat()
        self.complete(case_id, triage, orderer, {
            "disposition": "order", "responsible_user": rectifier, "deadline": deadline,
            "order_note": "按期整改到位，整改后上传照片"}, ordered)
        if s.outcome in ("rectify", "overdue"):
            return
        fixed = ordered + timedelta(days=3)
        self.complete(case_id, "Task_Rectify", rectifier, {
            "rectification_note": "已按要求整改", "photos_after": [
                self.upload(rectifier, "after", fixed)]}, fixed)
        checked = fixed + timedelta(days=1)
        if s.outcome == "failed":
            self.complete(case_id, verify, verifier, {
                "verify_result": "failed", "verify_opinion": "整改不到位",
                "fail_reason": "仍有两具灭火器压力不足"}, checked)
            return
        self.complete(case_id, verify, verifier, {
            "verify_result": "passed", "verify_opinion": "已整改到位，同意销号"}, checked)

    def major(self, case_id: int, s: Scenario, reported: datetime) -> None:
        """A major hazard: the regulator's order at once, then (``listed``) controls, the
        report to 应急管理, the plan and the county's review listing it for supervision;
        ``hidden`` stays with the regulators, unordered."""
        if s.outcome == "hidden":
            return
        at = reported + timedelta(hours=2)
        self.complete(case_id, "Task_MajorOrder", ORDERED_BY.get(s.reporter, "jinan"),
                      MAJOR_ORDER, at)
        if s.outcome == "major":
            return
        summary = f"{s.location}{s.description}，已停止使用"
        self.complete(case_id, "Task_Controls", "principal", {
            **CONTROLS, "cause": s.description, "report_summary": summary},
            at + timedelta(hours=2))
        day = self.rt.calendar.today(at)
        self.complete(case_id, "Task_ReportEmergency", "principal", {
            **EMERGENCY, "emergency_reported_on": day.isoformat(),
            "emergency_summary": summary}, at + timedelta(hours=3))
        self.complete(case_id, "Task_Plan", "principal", {
            **PLAN, "deadline": (day + timedelta(days=30)).isoformat()}, at + timedelta(days=1))
        self.complete(case_id, "Task_ReviewPlan", "jinan", LISTED, at + timedelta(days=2))


HAZARDS = len(SCENARIOS) + len(INSPECTIONS)  # each inspection's failed item is a hazard


def seed_demo_cases(rt: Runtime, clock: FixedClock, now: datetime) -> int:
    """Run the demo scenarios once, then the month's inspections, documents and monthly
    round (``demo_work``), through a runtime whose engine keeps ``clock``; returns how many
    hazards were made (0 if any existed)."""
    with read_transaction(rt.db) as conn:
        if conn.execute(sa.select(hazard.c.id).limit(1)).first() is not None:
            return 0
    demo = DemoCases(rt, clock, now)
    for scenario in SCENARIOS:
        demo.run(scenario)
    seed_demo_work(demo)
    with read_transaction(rt.db) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(hazard)).scalar_one())
