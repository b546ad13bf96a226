"""The demo's month of work, after the demo hazards and through the same use-cases: 金安区人民医院's
self-inspection (自查) with a failed item it orders rectified itself, the county's inspection
of it whose finding the county orders, has rectified and re-checks; the documents each body
issues in its own name (the county's 责令限期整改指令书 and 整改复查意见书, the hospital's
隐患整改通知单 and 隐患整改验收单); and the monthly round of the last complete month, opened by
the round's own timer start event, with hospitals reporting to the county (one late when the
month is far enough on, the others left missing) and the county's consolidated 月报 signed by
its principal and submitted to the city. The assessment of the year then has real
deductions, each naming its items.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.schema import timer

from . import campaigns, reports
from .events_demo import seed_events_demo
from .public_reports_demo import seed_demo_reports
from .schema import hazard, unit
from .schema_campaigns import unit_report
from .usecases import documents as document_uc
from .usecases import inspections as inspection_uc

if TYPE_CHECKING:
    from .demo_cases import DemoCases

CHECKLIST = "hospital_fire"
ROUND = "monthly_report_round"  # the process the monthly timer starts
# (unit, who records, kind, item position, note): a failed item opens a hazard
SELF_INSPECTION = ("LA-JA-H01", "safety", "self", 7,
                   "住院部10月未开展月度防火检查，抽问3名护士不会使用室内消火栓")
COUNTY_INSPECTION = ("LA-JA-H01", "inspector", "supervision", 4,
                     "门诊楼管道井、电缆井穿楼板处未封堵")
INSPECTIONS = (SELF_INSPECTION, COUNTY_INSPECTION)
# who reports the demo month to the county, and when (day of the month of the round)
REPORTS = [("LA-JA-H01", "safety", "principal", 10),  # on time (by the 20th)
           ("LA-JA-P01", "jimin", "jimin_head", 22)]  # late once the 22nd has passed
COUNTY_REPORT = ("LA-JA", "jinan", "jinan_head", 24)  # to the city by the 24th
NARRATIVE = {"narrative": "本月按专项行动要求完成自查，发现隐患已建立台账并限期整改。",
             "campaign_actions": "开展消防安全、有限空间等专题检查。",
             "problems": "个别科室月度防火检查未落实。", "next_steps": "逐项跟踪整改，按期销号。"}
COUNTY_NARRATIVE = {"narrative": "汇总辖区单位月报，开展督查检查并跟踪整改。",
                    "campaign_actions": "对金安区人民医院开展督查检查，下达责令限期整改指令书。",
                    "problems": "部分单位未按时报送月报。",
                    "next_steps": "督促未报单位补报，对逾期未改隐患挂牌督办。"}


class DemoWork:
    def __init__(self, demo: DemoCases) -> None:
        self.demo, self.rt = demo, demo.rt
        self.calendar = demo.rt.calendar
        today = self.calendar.today(demo.now)
        self.this_month = today.replace(day=1)
        self.last_month = (self.this_month - timedelta(days=1)).replace(day=1)

    def at(self, day: date, hours: float) -> datetime:
        """A business-time instant, never after the demo's now."""
        return min(self.calendar.start_of(day) + timedelta(hours=hours), self.demo.now)

    def issue_notice(self, username: str, inspection_id: int, at: datetime) -> None:
        self.demo.clock.set(at)
        inspection_uc.issue_notice(self.rt, self.demo.actor(username), inspection_id)

    def issue(self, username: str, case_id: int, kind: str, at: datetime) -> None:
        self.demo.clock.set(at)
        document_uc.issue(self.rt, self.demo.actor(username), case_id, kind)

    def inspect(self, spec: tuple[str, str, str, int, str], at: datetime) -> tuple[int, int]:
        """Record an inspection: every item passed but one; (inspection id, its case)."""
        unit_code, by, kind, failed, note = spec
        with read_transaction(self.rt.db) as conn:
            items = campaigns.get_checklist(conn, CHECKLIST)["items"]
        photo = self.demo.upload(by, "before", at)
        results = [{"item": i["position"], "result": "fail" if i["position"] == failed
                    else "pass", "note": note if i["position"] == failed else "",
                    "location": "门诊楼" if kind == "supervision" else "住院部",
                    "photos": [photo] if i["position"] == failed else []} for i in items]
        self.demo.clock.set(at)
        found = inspection_uc.record(self.rt, self.demo.actor(by), unit_code=unit_code,
                                     kind=kind, checklist_code=CHECKLIST, results=results,
                                     campaign_code="2026-YDQ", location="门诊楼、住院部")
        case_id = next(r["case_id"] for r in found["results"] if r["result"] == "fail")
        return int(found["id"]), int(case_id)

    def order(self, case_id: int, by: str, at: datetime, days: int) -> None:
        deadline = (self.calendar.today(at) + timedelta(days=days)).isoformat()
        self.demo.complete(case_id, "Task_Triage", by, {
            "disposition": "order", "responsible_user": "rectifier", "deadline": deadline,
            "order_note": "按期整改到位，整改后上传照片"}, at)

    def closed_own_case(self) -> tuple[int, datetime] | None:
        """The hospital's own closed hazard of the demo (verified by its verifier)."""
        with read_transaction(self.rt.db) as conn:
            row = conn.execute(sa.select(hazard.c.case_id, hazard.c.closed_at).join(
                unit, unit.c.id == hazard.c.unit_id).where(
                unit.c.code == "LA-JA-H01", hazard.c.status == "closed",
                hazard.c.order_kind == "unit").order_by(hazard.c.closed_at)).first()
        return (int(row.case_id), row.closed_at) if row is not None else None

    def inspections_and_documents(self) -> None:
        own = self.closed_own_case()
        if own is not None:  # its 隐患整改验收单, signed by the principal the day after
            self.issue("principal", own[0], "opinion", own[1] + timedelta(days=1))
        month = self.last_month
        # the hospital's 自查 on the 5th of last month; it orders the finding itself
        own_at = self.at(month + timedelta(days=4), 9.5)
        own_visit, own_case = self.inspect(SELF_INSPECTION, own_at)
        self.order(own_case, "safety", own_at + timedelta(hours=2), 14)
        # the county's inspection on the 8th: the county orders, re-checks and closes it
        visit_at = self.at(month + timedelta(days=7), 10)
        visit, case = self.inspect(COUNTY_INSPECTION, visit_at)
        self.order(case, "jinan", visit_at + timedelta(hours=4), 10)
        signed = visit_at + timedelta(days=1, hours=5)
        self.issue_notice("safety", own_visit, signed)  # 隐患整改通知单, the hospital's
        self.issue_notice("jinan", visit, signed + timedelta(hours=1))  # 责令限期整改指令书
        fixed = visit_at + timedelta(days=5)
        self.demo.complete(case, "Task_Rectify", "rectifier", {
            "rectification_note": "已采用防火封堵材料封堵到位", "photos_after": [
                self.demo.upload("rectifier", "after", fixed)]}, fixed)
        checked = fixed + timedelta(days=1)
        self.demo.complete(case, "Task_Recheck", "inspector", {
            "verify_result": "passed", "verify_opinion": "经复查，已整改到位"}, checked)
        self.issue("jinan", case, "opinion", checked + timedelta(hours=3))  # 整改复查意见书

    def open_round(self) -> datetime | None:
        """Fire the monthly round's timer start events due by now, each at its due time, as
        the scheduler would; when the last one fired (None when none was due)."""
        fired = None
        while True:
            with read_transaction(self.rt.db) as conn:
                row = conn.execute(sa.select(timer.c.id, timer.c.due_at).where(
                    timer.c.process_key == ROUND, timer.c.case_id.is_(None),
                    timer.c.fired_at.is_(None), timer.c.due_at <= self.demo.now)
                    .order_by(timer.c.due_at).limit(1)).first()
            if row is None:
                return fired
            with write_transaction(self.rt.db) as conn:
                self.rt.engine.fire_start_timer(conn, row.id, row.due_at)
            fired = row.due_at

    def report_case(self, unit_code: str, period: str) -> int | None:
        with read_transaction(self.rt.db) as conn:
            found = conn.execute(sa.select(unit_report.c.case_id).join(
                unit, unit.c.id == unit_report.c.unit_id).where(
                unit_report.c.kind == "monthly", unit_report.c.period == period,
                unit.c.code == unit_code, unit_report.c.status == "open")).scalar()
        return int(found) if found is not None else None

    def submit(self, who: tuple[str, str, str, int], period: str, round_day: date,
               narrative: dict[str, Any]) -> None:
        unit_code, filler, signer, day = who
        case_id = self.report_case(unit_code, period)
        if case_id is None:
            return
        at = self.at(round_day.replace(day=day), 9)
        self.demo.complete(case_id, "Task_Fill", filler, narrative, at)
        self.demo.complete(case_id, "Task_Sign", signer, {"sign_result": "approved"},
                           min(at + timedelta(hours=1), self.demo.now))

    def monthly_round(self) -> None:
        opened = self.open_round()
        if opened is None:
            return
        round_day = self.calendar.today(opened)
        period = reports.period_for("monthly", round_day)
        for who in REPORTS:  # the other units of the county are left missing
            self.submit(who, period, round_day, NARRATIVE)
        self.submit(COUNTY_REPORT, period, round_day, COUNTY_NARRATIVE)


def seed_demo_work(demo: DemoCases) -> None:
    """Play the demo's inspections, documents and monthly round; the clock ends at now."""
    work = DemoWork(demo)
    work.inspections_and_documents()
    work.monthly_round()
    seed_demo_reports(demo)  # 举报投诉: one waiting for the triage desk, one being verified
    seed_events_demo(demo)  # 信息报告 with a follow-up; a past 专题会商 with two actions
    demo.clock.set(demo.now)
