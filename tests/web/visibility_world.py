"""Worlds for the read-path walk: one realistic base world, cloned into twins that differ by
one hidden finding only.

The base world is built once per backend: the conftest's migrated and seeded template, the
demo hazards played through the real process (``demo_cases``), an announced inspection with
its notice, a 整改通知书 issued on a hospital's case, a published spot-check draw, a
designer's draft, a supervisor's bulk repair, then the clock moved to ``WALK_AT`` and every
periodic job run (timers and escalations, the monthly report round, due-soon notices, the
dashboard's rollup). A scenario clones it twice (a file copy, or ``CREATE DATABASE ...
TEMPLATE``, and the evidence folder); the hidden finding is made in one twin only, LAST
(so no object both twins hold gets another id), dated ``HIDDEN_AT`` in the past, and then
both twins run the periodic jobs again at ``WALK_AT`` (in the twin without the finding
they find nothing to do).
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook

from hazardflow.engine import Actor, Conflict, FixedClock
from hazardflow.engine.db import make_engine, read_transaction
from hazardflow.engine.schema import human_task
from hazardflow.workflows import campaigns
from hazardflow.workflows.demo_cases import DemoCases, seed_demo_cases
from hazardflow.workflows.emergency_plans_demo import seed_plans_demo
from hazardflow.workflows.jobs import job
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.schema import app_user, hazard, unit
from hazardflow.workflows.schema_duty import duty_assignment, duty_roster
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import cases, designer, documents, duty, inspections, tasks
from hazardflow.workflows.usecases import ledger_import as ledger_import_uc
from hazardflow.workflows.usecases import repair as repair_uc
from hazardflow.workflows.users import actor_for

from ..factories import make_runtime, upload
from .conftest import T0, _pg_admin, _pg_url_for

WALK_AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # Thursday 3 December, 10:00 in Lu'an
HIDDEN_AT = WALK_AT - timedelta(days=2)  # when the hidden finding was made
CAMPAIGN = "2026-YDQ"


@dataclass(frozen=True)
class Store:
    """Where a world lives: its database URL and its evidence folder."""

    backend: str
    url: str
    evidence: Path
    pg_name: str | None = None  # the PostgreSQL database (to drop, or to clone from)
    owned: bool = True  # made here, dropped here (not the conftest's template)

    def clone(self, folder: Path) -> Store:
        """A copy of this world (on PostgreSQL, the source must have no open connection)."""
        folder.mkdir(parents=True, exist_ok=True)
        evidence = folder / "evidence"
        shutil.copytree(self.evidence, evidence)
        if self.pg_name is None:
            path = folder / "world.db"
            with closing(sqlite3.connect(make_url_path(self.url))) as source, \
                    closing(sqlite3.connect(path)) as copy:
                source.backup(copy)  # whatever is still in the write-ahead log, too
            return Store(self.backend, f"sqlite:///{path}", evidence)
        name = "hfwalk_" + uuid.uuid4().hex[:12]
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_name}"')
        admin.dispose()
        return Store(self.backend, _pg_url_for(name), evidence, name)

    def drop(self) -> None:
        if self.pg_name is None or not self.owned:
            return
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        admin.dispose()


def make_url_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def template_store(backend: str, sqlite_template: Path | None, pg_template: str | None,
                   folder: Path) -> Store:
    """The conftest's migrated, seeded template as a store (with no evidence yet)."""
    (folder / "evidence").mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        assert sqlite_template is not None
        return Store(backend, f"sqlite:///{sqlite_template}", folder / "evidence", owned=False)
    assert pg_template is not None
    return Store(backend, _pg_url_for(pg_template), folder / "evidence", pg_template,
                 owned=False)


@contextmanager
def running(store: Store, clock: FixedClock) -> Iterator[Runtime]:
    """A runtime over the store's database and evidence, disposed on leaving."""
    db = make_engine(store.url)
    rt = make_runtime(db, clock, instance=store.evidence.parent / "inst",
                      storage_path=str(store.evidence))
    try:
        yield rt
    finally:
        rt.close()
        db.dispose()


# -- driving the application ------------------------------------------------------------

class Driver:
    """Steps through the use-cases, as the people of the demo would take them."""

    def __init__(self, rt: Runtime, clock: FixedClock) -> None:
        self.rt, self.clock = rt, clock

    def actor(self, username: str) -> Actor:
        with read_transaction(self.rt.db) as conn:
            return actor_for(conn, username)

    def report(self, by: str, unit_code: str, *, level: str = "general",
               category: str = "fire", description: str = "消防通道堆放杂物") -> int:
        data = {"unit_code": unit_code, "location": "门诊楼", "category": category,
                "level": level, "description": description,
                "photos_before": [upload(self.rt, by, "before")], "campaign": CAMPAIGN,
                "source": "inspection" if by in ("inspector", "jinan", "yuan", "city")
                else "self_inspection"}
        return int(cases.report_hazard(self.rt, self.actor(by), data)["case"].case_id)

    def open_task(self, case_id: int, element: str) -> int:
        with read_transaction(self.rt.db) as conn:
            return int(conn.execute(sa.select(human_task.c.id).where(
                human_task.c.case_id == case_id, human_task.c.element_id == element,
                human_task.c.state == "open")).scalar_one())

    def complete(self, case_id: int, element: str, by: str, data: Mapping[str, Any]) -> None:
        tasks.complete(self.rt, self.actor(by), self.open_task(case_id, element), dict(data))

    def order(self, case_id: int, by: str, responsible: str, deadline: date) -> None:
        self.complete(case_id, "Task_Triage", by, {
            "disposition": "order", "responsible_user": responsible,
            "deadline": deadline.isoformat(), "order_note": "限期整改"})

    def inspect(self, by: str, unit_code: str, kind: str, failed: Mapping[int, str],
                checklist: str = "hospital_fire",
                spot_check_id: int | None = None) -> dict[str, Any]:
        with read_transaction(self.rt.db) as conn:
            items = campaigns.get_checklist(conn, checklist)["items"]
        results = [{"item": i["position"],
                    "result": "fail" if i["position"] in failed else "pass",
                    "note": failed.get(i["position"], ""), "location": "门诊楼",
                    "photos": [upload(self.rt, by, "item")] if i["position"] in failed
                    else []} for i in items]
        return inspections.record(self.rt, self.actor(by), unit_code=unit_code, kind=kind,
                                  checklist_code=checklist, results=results,
                                  campaign_code=CAMPAIGN, location="门诊楼",
                                  spot_check_id=spot_check_id)

    def run_jobs(self) -> None:
        """The periodic jobs, as the scheduler runs them at ``WALK_AT``."""
        self.clock.set(WALK_AT)
        for name in ("sweep", "notify_due_tasks", "refresh_dashboard"):
            job(name).run(self.rt, WALK_AT)
        job("sweep").run(self.rt, WALK_AT)  # what the first sweep's steps made due


# who signs for each body that orders in the worlds (policy.may_sign_for)
SIGNERS = {"LA-JA-H01": "safety", "LA-YA-H01": "safety2", "LA-JA": "jinan",
           "LA-YA": "yuan", "LA": "city"}


def _sign_notice(go: Driver, case_id: int) -> None:
    """Issue the case's notice, signed for the body that ordered it; a finding whose
    inspection gives its notice keeps that one."""
    with read_transaction(go.rt.db) as conn:
        body = conn.execute(sa.select(hazard.c.ordered_by_body)
                            .where(hazard.c.case_id == case_id)).scalar_one()
    try:
        documents.issue(go.rt, go.actor(SIGNERS[body]), case_id, "notice")
    except Conflict as refused:
        assert refused.code == "inspection_notice", refused.message


def _open_cases(rt: Runtime, unit_code: str, element: str) -> list[int]:
    with read_transaction(rt.db) as conn:
        return [int(c) for c in conn.execute(
            sa.select(human_task.c.case_id)
            .join(hazard, hazard.c.case_id == human_task.c.case_id)
            .join(unit, unit.c.id == hazard.c.unit_id)
            .where(unit.c.code == unit_code, human_task.c.element_id == element,
                   human_task.c.state == "open").order_by(human_task.c.case_id)).scalars()]


def build_base(store: Store) -> None:
    """Everything both twins hold (see the module's doc), written into ``store``."""
    clock = FixedClock(T0)
    with running(store, clock) as rt:
        seed_demo_cases(rt, clock, T0)
        seed_plans_demo(DemoCases(rt, clock, T0))  # 应急预案: revision overdue, drill due
        go = Driver(rt, clock)
        clock.set(T0 + timedelta(hours=2))
        found = go.inspect("inspector", "LA-JA-H01", "supervision", {4: "管道井未封堵"})
        failed = next(r for r in found["results"] if r["result"] == "fail")
        go.order(failed["case_id"], "jinan", "rectifier", date(2026, 11, 20))
        inspections.issue_notice(rt, go.actor("jinan"), found["id"])
        rectifying = _open_cases(rt, "LA-JA-H01", "Task_Rectify")[0]
        _sign_notice(go, rectifying)
        yuan_case = _open_cases(rt, "LA-YA-H01", "Task_Rectify")[0]
        _sign_notice(go, yuan_case)
        clock.set(T0 + timedelta(days=1))
        city = go.actor("city")
        drawn = campaign_uc.draw(rt, city, title="十一月抽查", kind="spot_check", size=2,
                                 seed="walk")
        for check in drawn["checks"]:
            go.inspect("city", check["unit_code"], "spot_check", {}, spot_check_id=check["id"])
        campaign_uc.publish_draw(rt, city, drawn["id"], "抽查情况通报")
        _draft(rt, go.actor("designer"))
        _import_ledger(rt, go.actor("safety"))
        _ask_swap(go)
        repair_uc.start_bulk(rt, go.actor("jinan"), "retry", "核对故障", [rectifying])
        go.run_jobs()


def _draft(rt: Runtime, actor: Actor) -> None:
    version = designer.version(rt, actor, "hazard_lifecycle", 1)
    designer.create_draft(rt, actor, str(version["bpmn"]).encode(), version["forms"],
                          name="隐患流程草稿")


def _import_ledger(rt: Runtime, actor: Actor) -> None:
    """金安区人民医院's safety officer imports a one-row 隐患台账 (a hazard under way)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["隐患描述", "隐患部位", "隐患类别", "隐患等级", "发现日期", "整改责任人",
                  "整改期限", "整改情况"])
    sheet.append(["锅炉房安全阀铅封缺失", "锅炉房", "特种设备", "一般", "2026-10-30",
                  "金安区人民医院整改责任人", "2026-12-20", "整改中"])
    out = io.BytesIO()
    book.save(out)
    ledger_import_uc.run(rt, actor, "隐患台账补录.xlsx", out.getvalue())


def _ask_swap(go: Driver) -> None:
    """金安区人民医院's rectifier asks the verifier to take a later duty day of November."""
    today = go.rt.calendar.today(go.rt.now()).isoformat()
    with read_transaction(go.rt.db) as conn:
        day = conn.execute(sa.select(duty_assignment.c.day)
                           .join(duty_roster, duty_roster.c.id == duty_assignment.c.roster_id)
                           .join(unit, unit.c.id == duty_roster.c.unit_id)
                           .join(app_user, app_user.c.id == duty_assignment.c.user_id)
                           .where(unit.c.code == "LA-JA-H01", duty_roster.c.month == "2026-11",
                                  app_user.c.username == "rectifier",
                                  duty_assignment.c.day > today)
                           .order_by(duty_assignment.c.day)).scalars().first()
    assert day is not None, "the rectifier has no later duty day in the demo roster"
    duty.request_swap(go.rt, go.actor("rectifier"), "LA-JA-H01", "2026-11", day, "verifier",
                      "家中有事，请求代班")


# -- the hidden findings ----------------------------------------------------------------

Hide = Callable[[Driver], None]


def hidden_unannounced(go: Driver) -> None:
    """The city's unannounced visit to 金安区人民医院: a general and a major finding."""
    go.inspect("city", "LA-JA-H01", "unannounced", {1: "安全出口上锁", 2: "喷淋系统关闭"})


def hidden_other_county(go: Driver) -> None:
    """裕安区人民医院's own hazards: one ordered and overdue, one major under controls."""
    case_id = go.report("safety2", "LA-YA-H01", description="配电室电缆老化")
    go.order(case_id, "safety2", "rectifier2", (HIDDEN_AT + timedelta(days=1)).date())
    documents.issue(go.rt, go.actor("safety2"), case_id, "notice")  # its own order
    go.report("safety2", "LA-YA-H01", level="major", category="medical_gas",
              description="液氧站安全阀失效")


def hidden_other_unit(go: Driver) -> None:
    """金安区妇幼保健院's hazard found by the county's inspector, ordered and overdue (the
    institution has no demo staff: the county's supervisor is named responsible)."""
    case_id = go.report("inspector", "LA-JA-H02", category="electrical",
                        description="配电柜前堆放杂物")
    go.order(case_id, "jinan", "jinan", (HIDDEN_AT + timedelta(days=1)).date())


def hide(store: Store, what: Hide) -> None:
    """Make the hidden finding in ``store``, dated ``HIDDEN_AT``, then run the jobs."""
    clock = FixedClock(HIDDEN_AT)
    with running(store, clock) as rt:
        go = Driver(rt, clock)
        what(go)
        go.run_jobs()


def settle(store: Store) -> None:
    """What the twin without the finding does meanwhile: the same jobs at ``WALK_AT``."""
    clock = FixedClock(WALK_AT)
    with running(store, clock) as rt:
        Driver(rt, clock).run_jobs()
