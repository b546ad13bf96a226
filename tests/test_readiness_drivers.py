"""The readiness timers under both drivers, on the injected clock.

Plan revision and drills (bpmn/emergency_plan.bpmn), an information report's first-report
deadline (bpmn/information_report.bpmn), expiring supplies and arranged consultations falling
due (periodic jobs of workflows/jobs.py) each run under the embedded scheduler (SQLite and
PostgreSQL) and under a real `celery worker` fed through Redis (PostgreSQL): the same job is
sent the time of the run, as beat sends it, and what it changes is read from the database.
"""

from __future__ import annotations

import os
import time as clock_time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from hazardflow.config import load_settings
from hazardflow.engine import FixedClock
from hazardflow.engine.scheduler import EmbeddedScheduler, PeriodicJob
from hazardflow.workflows import users
from hazardflow.workflows.demo import seed_demo
from hazardflow.workflows.emergency_plans import add_months
from hazardflow.workflows.jobs import job as job_named
from hazardflow.workflows.runtime import bundled_files, bundled_forms
from hazardflow.workflows.schema import app_user, notification
from hazardflow.workflows.schema_events import info_event
from hazardflow.workflows.schema_plans import emergency_plan
from hazardflow.workflows.usecases import consultations, emergency, emergency_plans, events

from .conftest import postgres_or_skip
from .distributed import app_env, celery_worker, flush_redis, redis_or_skip, scratch_schema
from .distributed import wait_for as wait_until
from .factories import make_runtime
from .workflows.lifecycle import Lifecycle

BROKER = os.environ.get("HAZARDFLOW_TEST_READINESS_BROKER_URL", "redis://127.0.0.1:6379/12")
UNIT = "LA-JA-H01"
# later than the workers' own clock: what fires, fires because the injected time says so
BASE = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
SETTLE = 1.5  # seconds a worker is given to (not) act on a time when nothing is due
PROCESSES = ("emergency_plan.bpmn", "information_report.bpmn", "consultation_action.bpmn")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for the demo's people."""
    monkeypatch.setattr(users, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))


class ReadyLife(Lifecycle):
    """The demo's units and people with only the readiness processes deployed (no monthly
    report round starting when the clock jumps months ahead)."""

    def __init__(self, db: sa.Engine) -> None:
        from tests.autocommit import autocommit

        self.db, self.clock = db, FixedClock(BASE)
        self.rt = make_runtime(db, self.clock)
        self.engine = autocommit(self.rt.engine)
        shipped = {f.name: f.bpmn for f in bundled_files()}
        for name in PROCESSES:
            self.engine.deploy(shipped[name], bundled_forms(), actor="system")
        with db.begin() as conn:
            seed_demo(conn, BASE)


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """One migrated SQLite file for this module's embedded runs."""
    from hazardflow.db import upgrade
    from hazardflow.engine.db import make_engine

    db = make_engine(f"sqlite:///{tmp_path_factory.mktemp('readiness') / 'readiness.db'}")
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated PostgreSQL schema, an empty Redis queue and one `celery worker`."""
    redis_or_skip(BROKER)
    postgres_or_skip()
    flush_redis(BROKER)
    instance = tmp_path_factory.mktemp("readiness-worker")
    with scratch_schema() as (database_url, db):
        worker = celery_worker(app_env(database_url, instance, broker_url=BROKER),
                               instance / "worker.log", f"readiness-{instance.name}",
                               "--concurrency=2")
        from hazardflow.worker import create_celery

        settings = load_settings(env={}, overrides={
            "database_url": database_url, "broker_url": BROKER, "instance_path": str(instance)})
        try:
            yield {"db": db, "client": create_celery(settings), "log": worker.log}
        finally:
            worker.stop(grace=20)
            flush_redis(BROKER)


@dataclass
class Driver:
    """Runs one periodic job at a given time, as its driver would."""

    name: str
    lc: Lifecycle
    workers: dict[str, Any] | None = None

    def run(self, job: str, at: datetime, done: Callable[[], bool] | None = None) -> None:
        """Run ``job`` at ``at`` (the clock is moved there) and wait for ``done``; without
        ``done``, give the driver time to act (a check that nothing happened follows)."""
        self.lc.set_time(at)
        if self.workers is None:  # embedded: the scheduler ticks on the runtime's clock
            found = job_named(job)
            rt = self.lc.rt
            scheduler = EmbeddedScheduler(
                [PeriodicJob(found.name, lambda now: found.run(rt, now), found.every(
                    rt.settings))], rt.now, rt.settings.scheduler_interval_seconds)
            assert scheduler.tick() == [job]
            assert done is None or done()
            return
        self.workers["client"].send_task(f"hazardflow.{job}", kwargs={"now": at.isoformat()})
        if done is None:
            clock_time.sleep(SETTLE)
        else:
            wait_until(done, f"{job} at {at.isoformat()}", self.workers["log"], seconds=30)


@pytest.fixture(params=["embedded-sqlite", "embedded-postgres", "celery"])
def driver(request: pytest.FixtureRequest) -> Driver:
    name = str(request.param)
    if name == "embedded-sqlite":
        return Driver(name, ReadyLife(request.getfixturevalue("sqlite_db")))
    workers = request.getfixturevalue("workers")
    return Driver(name, ReadyLife(workers["db"]), workers if name == "celery" else None)


def end_of(lc: Lifecycle, day: date) -> datetime:
    """01:00 in Lu'an the day after ``day`` (a timer on a date fires at its end there)."""
    return datetime.combine(day + timedelta(days=1), time(1, 0),
                            lc.rt.calendar.tz).astimezone(UTC)


def plan_row(lc: Lifecycle, plan_id: int) -> Any:
    with lc.db.connect() as conn:
        return conn.execute(sa.select(emergency_plan).where(emergency_plan.c.id == plan_id)).one()


def notices(lc: Lifecycle, kind: str, text: str) -> list[tuple[str | None, str]]:
    """(username, title) of the ``kind`` notifications whose title contains ``text``."""
    with lc.db.connect() as conn:
        return [(r.username, r.title) for r in conn.execute(
            sa.select(app_user.c.username, notification.c.title)
            .select_from(notification.outerjoin(app_user,
                                                app_user.c.id == notification.c.user_id))
            .where(notification.c.kind == kind, notification.c.title.contains(text))
            .order_by(notification.c.id))]


def test_a_plans_drill_then_its_revision_fall_due_in_the_units_inbox(driver: Driver) -> None:
    lc = driver.lc
    emergency_plans.set_plan_cycle(lc.rt, lc.actor("city"), "onsite", {
        "revision_months": 6, "drill_months": 4, "revise_days": 60, "drill_days": 20})
    plan_id = emergency_plans.create_plan(lc.rt, lc.actor("safety"), UNIT, "onsite",
                                          f"配电室火灾现场处置方案（{driver.name}）")
    case_id = plan_row(lc, plan_id).case_id
    lc.complete(case_id, "Task_Draft", "safety", {
        "version_label": "2026版", "summary": "首次编制", "evidence_plan_file": ["ev-plan-1"]})
    lc.complete(case_id, "Task_Approve", "principal", {"decision": "approve"})
    lc.complete(case_id, "Task_File", "jinan", {"decision": "accept"})
    filed_on = lc.today()
    drill_due = add_months(filed_on, 4)
    driver.run("sweep", end_of(lc, drill_due - timedelta(days=1)))
    assert lc.open_elements(case_id) == []  # not before its day
    driver.run("sweep", end_of(lc, drill_due),
               lambda: lc.open_elements(case_id) == ["Task_Drill"])
    drill = lc.task(case_id, "Task_Drill")
    assert lc.candidates(drill.id) == {("safety_officer", UNIT), ("principal", UNIT)}
    emergency_plans.record_drill(lc.rt, lc.actor("safety"), plan_id, {
        "held_on": lc.today().isoformat(), "scenario": "配电室起火", "participants": "后勤科12人",
        "evaluation": "响应及时"})
    assert lc.open_elements(case_id) == []
    driver.run("sweep", end_of(lc, add_months(filed_on, 6)),
               lambda: lc.open_elements(case_id) == ["Task_Draft"])
    row = plan_row(lc, plan_id)
    assert (row.status, row.revision_reason) == ("drafting", "定期修订到期（每6个月）")
    draft = lc.task(case_id, "Task_Draft")
    assert lc.candidates(draft.id) == {("safety_officer", UNIT), ("principal", UNIT)}


def test_a_missed_first_report_deadline_escalates(driver: Driver) -> None:
    lc = driver.lc
    known = lc.rt.calendar.local(lc.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    event_id = events.open_event(lc.rt, lc.actor("safety"), {
        "unit_code": UNIT, "title": f"配电间冒烟（{driver.name}）", "place": "门诊楼三楼",
        "level": "general", "occurred_at": known, "known_at": known})

    def event() -> Any:
        with lc.db.connect() as conn:
            return conn.execute(sa.select(info_event).where(info_event.c.id == event_id)).one()

    due = event().first_due_at
    driver.run("sweep", due - timedelta(minutes=1))
    assert not event().first_overdue
    driver.run("sweep", due + timedelta(seconds=1), lambda: bool(event().first_overdue))
    assert {n.to for n in lc.notes(event().case_id, "event_overdue")} == {
        "principal@LA-JA-H01", "county_supervisor@LA-JA", "city_supervisor@LA"}


def test_an_expiring_item_is_flagged_on_the_map_and_told_to_its_keeper(driver: Driver) -> None:
    lc = driver.lc
    depot = f"应急物资库（{driver.name}）"
    emergency.save_record(lc.rt, lc.actor("safety"), "depot", {
        "unit_code": UNIT, "name": depot, "lat": 31.7526, "lng": 116.5202,
        "address": "六安市金安区", "keeper": "safety",
        "items": f"N95口罩|200|个|{(lc.today() + timedelta(days=10)).isoformat()}"})

    def marker() -> dict[str, Any]:
        found = emergency.layers(lc.rt, lc.actor("jinan"))["layers"]["depots"]["features"]
        return next(f["properties"] for f in found if f["properties"]["name"] == depot)

    assert marker()["status"] == "expiring"
    driver.run("supply_expiry", lc.now(),
               lambda: len(notices(lc, "supply_expiry", depot)) == 1)
    driver.run("supply_expiry", lc.now() + timedelta(hours=1))
    assert notices(lc, "supply_expiry", depot) == [("safety", f"{depot}：N95口罩临期")]
    driver.run("supply_expiry", lc.now() + timedelta(days=11),
               lambda: len(notices(lc, "supply_expiry", depot)) == 2)
    assert notices(lc, "supply_expiry", depot)[1] == ("safety", f"{depot}：N95口罩已过期")
    assert marker()["status"] == "expired"


def test_an_arranged_consultation_falling_due_reminds_its_convenor_once(
        driver: Driver) -> None:
    lc = driver.lc
    title = f"季度安全风险研判会商（{driver.name}）"
    planned = lc.rt.calendar.local(lc.now() + timedelta(days=3))
    session_id = consultations.hold_consultation(lc.rt, lc.actor("jinan"), {
        "body_code": "LA-JA", "kind": "scheduled", "title": title, "topics": "冬季用电安全",
        "participants": ["jinan", "safety"], "planned_at": planned.strftime("%Y-%m-%dT%H:%M")})

    def status() -> str:
        return str(consultations.session_page(lc.rt, lc.actor("jinan"), session_id)
                   ["session"]["status"])

    driver.run("consultation_due", lc.now() + timedelta(days=1))  # two days ahead: not yet
    assert (status(), notices(lc, "consultation_due", title)) == ("planned", [])
    driver.run("consultation_due", lc.now() + timedelta(days=1, hours=2),
               lambda: status() == "due")
    assert notices(lc, "consultation_due", title) == [("jinan", f"【会商待召开】{title}")]
    listed = {s["id"]: s["status_name"] for s in consultations.session_list(
        lc.rt, lc.actor("jinan"))}
    assert listed[session_id] == "待召开"
    driver.run("consultation_due", lc.now() + timedelta(hours=1))
    assert len(notices(lc, "consultation_due", title)) == 1  # once
    consultations.hold_planned(lc.rt, lc.actor("jinan"), session_id, {"decisions": "按期整改"})
    assert status() == "held"
