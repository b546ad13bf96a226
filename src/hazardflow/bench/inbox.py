"""``hazardflow bench inbox``: the inbox query and the rendered inbox page of a user with
1,000 open tasks, at 1,000 and at 100,000 open cases.

The cases are bulk-inserted straight into the tables the inbox reads (``process_case``,
``hazard``, ``human_task``, ``task_candidate``), shaped like the bundled hazard lifecycle:

- the organisation is the demo tree plus more institutions (``INSTITUTIONS_PER_COUNTY``);
- the user ``bench`` (safety officer and rectifier at 金安区人民医院) has ``user_tasks`` open
  tasks: 60% 整改 assigned to them, 40% unclaimed 下达整改通知 for their unit's safety
  officers (with the county and city candidates the BPMN gives), each case with the
  completed tasks before it, and a third of their rectifications a second round after a
  failed verification (their earlier completion shows in 已办);
- phase one measures with only those cases open; phase two adds cases up to ``open_cases``
  spread over every unit and stage (triage, rectify assigned to the unit's rectifier,
  verify, major-hazard controls), due dates from 20 days late to 30 days ahead.

(a) the inbox query: ``list_tasks`` (the one the page calls) for each tab, page one;
(b) the page: GET /inbox through the Flask test client, signed in through POST /login.
A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import math
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import FixedClock
from hazardflow.engine.db import make_engine, write_transaction
from hazardflow.engine.schema import (
    deployment,
    human_task,
    process_case,
    process_definition,
    task_candidate,
)
from hazardflow.workflows.demo import seed_units
from hazardflow.workflows.schema import hazard, unit
from hazardflow.workflows.units import create_unit
from hazardflow.workflows.users import actor_for, create_user

USER = "bench"
PASSWORD = "bench-password"  # noqa: S105 -- a throwaway database
USER_UNIT = "LA-JA-H01"
TABS = ("mine", "groups", "overdue", "due_soon", "done")
INSTITUTIONS_PER_COUNTY = 25
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
CHUNK = 5000
CATEGORIES = ("fire", "electrical", "gas_canteen", "medical_gas", "special_equipment",
              "hazardous_chemicals", "lab_biosafety", "management")
# stage -> (element, name, form, candidate groups at unit/county/city, assigned?)
STAGES: dict[str, tuple[str, str, str, tuple[str, ...], bool]] = {
    "triage": ("Task_Triage", "下达整改通知/现场处置", "hazard_triage",
               ("safety_officer@unit", "county_supervisor@county", "city_supervisor@county"),
               False),
    "rectify": ("Task_Rectify", "整改", "hazard_rectify", ("rectifier@unit",), True),
    "verify": ("Task_Verify", "验收/复查", "hazard_verify",
               ("verifier@unit", "county_supervisor@county", "city_supervisor@county"), False),
    "controls": ("Task_Controls", "管控与停产整改", "hazard_major_controls",
                 ("principal@unit",), False),
}
HISTORY = {"triage": (), "rectify": ("triage",), "verify": ("triage", "rectify"),
           "controls": ()}
OTHER_MIX = (("triage", 20), ("rectify", 55), ("verify", 20), ("controls", 5))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Seeder:
    """Bulk rows with ids chosen here, so that cases, tasks and candidates link up."""

    conn: Connection
    now: datetime
    rng: random.Random
    units: dict[str, tuple[int, str]] = field(default_factory=dict)  # code -> (id, county)
    definition_id: int = 0
    next_case: int = 1
    next_task: int = 1
    next_candidate: int = 1
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: sa.Table, row: dict[str, Any]) -> None:
        batch = self.rows.setdefault(table.name, [])
        batch.append(row)
        if len(batch) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table in (process_case, hazard, human_task, task_candidate):  # FK order
            batch = self.rows.pop(table.name, [])
            if batch:
                self.conn.execute(table.insert(), batch)

    def case(self, code: str, stage: str, *, assignee: str | None, due: datetime,
             done_by: dict[str, str], history: tuple[str, ...] | None = None) -> None:
        """One open case at ``stage`` after the completed tasks of ``history``."""
        case_id, self.next_case = self.next_case, self.next_case + 1
        unit_id, county = self.units[code]
        created = due - timedelta(days=self.rng.randint(5, 40))
        self.add(process_case, {
            "id": case_id, "definition_id": self.definition_id, "status": "active",
            "revision": 3, "state": b"\x00" * 600, "business_key": None,
            "started_by": done_by.get("triage", "inspector"), "created_at": created,
            "updated_at": created, "completed_at": None})
        level = "major" if stage == "controls" or self.rng.random() < 0.03 else "general"
        self.add(hazard, {
            "code": f"YH-B-{case_id:07d}", "case_id": case_id, "unit_id": unit_id,
            "county_code": county,
            "location": f"{self.rng.randint(1, 12)}号楼{self.rng.randint(1, 9)}层",
            "category": self.rng.choice(CATEGORIES), "level": level,
            "description": "消防通道堆放杂物，安全出口指示灯损坏", "source": "self_inspection",
            "campaign": None, "status": "open", "stage": STAGES[stage][1],
            "deadline": due.date().isoformat(), "responsible_user": assignee,
            "notice_no": None, "reported_by": "inspector", "reported_at": created,
            "closed_at": None, "updated_at": created, "visible_to_unit": True,
            "published_at": None})
        at = created
        for earlier in HISTORY[stage] if history is None else history:
            at += timedelta(days=1)
            self.task(case_id, code, earlier, state="completed", assignee=done_by.get(earlier),
                      due=at, created=at - timedelta(days=1), completed_by=done_by.get(earlier))
        self.task(case_id, code, stage, state="open", assignee=assignee, due=due, created=at)

    def task(self, case_id: int, code: str, stage: str, *, state: str, assignee: str | None,
             due: datetime, created: datetime, completed_by: str | None = None) -> None:
        element, name, form, groups, _ = STAGES[stage]
        task_id, self.next_task = self.next_task, self.next_task + 1
        self.add(human_task, {
            "id": task_id, "case_id": case_id, "spiff_task_id": str(uuid.uuid4()),
            "element_id": element, "name": name, "form_key": form, "state": state,
            "assignee": assignee, "priority": 90 if stage == "controls" else 50,
            "due_at": due, "created_at": created, "claimed_at": None,
            "completed_at": due - timedelta(hours=3) if state == "completed" else None,
            "completed_by": completed_by})
        _, county = self.units[code]
        for group in groups:
            role, _, scope = group.partition("@")
            where = code if scope == "unit" else county
            self.add(task_candidate, {"id": self.next_candidate, "human_task_id": task_id,
                                      "role": role, "unit": where})
            self.next_candidate += 1


def _organisation(conn: Connection) -> dict[str, tuple[int, str]]:
    seed_units(conn)
    counties = [r.code for r in conn.execute(sa.select(unit.c.code).where(
        unit.c.kind.in_(("county_commission", "dev_zone_office"))).order_by(unit.c.code))]
    for county in counties:
        for n in range(1, INSTITUTIONS_PER_COUNTY + 1):
            create_unit(conn, f"{county}-B{n:02d}", f"{county} 第{n}卫生院", "institution",
                        county)
    return {r.code: (int(r.id), r.county_code or r.code)
            for r in conn.execute(sa.select(unit.c.id, unit.c.code, unit.c.county_code))}


def _definition(conn: Connection, now: datetime) -> int:
    dep = conn.execute(deployment.insert().values(
        sha256="b" * 64, filename="bench.bpmn", bpmn_xml="<definitions/>", forms="{}",
        deployed_by="bench", deployed_at=now)).inserted_primary_key
    assert dep is not None
    row = conn.execute(process_definition.insert().values(
        key="hazard_lifecycle", version=1, name="隐患排查治理", deployment_id=dep[0],
        starter_groups="", start_form=None, deployed_at=now)).inserted_primary_key
    assert row is not None
    return int(row[0])


def _due(rng: random.Random, now: datetime) -> datetime:
    return now + timedelta(hours=rng.randint(-20 * 24, 30 * 24))


def seed_user_cases(seeder: Seeder, count: int) -> None:
    """``count`` open tasks for the bench user at their unit: 60% assigned, 40% unclaimed."""
    rng = seeder.rng
    for i in range(count):
        done = {"triage": "safety_b", "rectify": USER, "verify": "verifier_b"}
        if i % 5 < 3:  # a third of them a second round after a failed verification
            again = ("triage", "rectify", "verify") if i % 3 == 0 else None
            seeder.case(USER_UNIT, "rectify", assignee=USER, due=_due(rng, seeder.now),
                        done_by=done, history=again)
        else:
            seeder.case(USER_UNIT, "triage", assignee=None, due=_due(rng, seeder.now),
                        done_by=done)
    seeder.flush()


def seed_other_cases(seeder: Seeder, count: int) -> None:
    """Open cases of everyone else, over every other institution: the user's workload (and
    their unit's) stays the same, the tables grow a hundredfold around it."""
    rng = seeder.rng
    institutions = [c for c in seeder.units if c.count("-") == 2 and c != USER_UNIT]
    stages = [s for s, weight in OTHER_MIX for _ in range(weight)]
    for _ in range(count):
        code = rng.choice(institutions)
        stage = rng.choice(stages)
        person = f"r_{code}"
        seeder.case(code, stage, assignee=person if STAGES[stage][4] else None,
                    due=_due(rng, seeder.now),
                    done_by={"triage": f"s_{code}", "rectify": person})
    seeder.flush()


def _fix_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in (process_case, human_task, task_candidate, hazard):
        highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar_one()
        conn.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"),
                                              highest)))


# -- timing -------------------------------------------------------------------------------

def _inbox_module() -> Any:
    try:
        from hazardflow.workflows import inbox
        return inbox
    except ImportError:  # before the inbox module: the API's list_tasks
        from hazardflow.workflows import cases
        return cases


def time_queries(db: sa.Engine, actor: Any, samples: int, now: datetime) -> dict[str, list[float]]:
    module = _inbox_module()
    out: dict[str, list[float]] = {tab: [] for tab in TABS}
    for _ in range(samples):
        for tab in TABS:
            began = time.perf_counter()
            with db.connect() as conn:
                result = module.list_tasks(conn, actor, module.TaskQuery(view=tab, per_page=25),
                                           now)
            out[tab].append((time.perf_counter() - began) * 1000)
            assert result["items"] or tab == "done" or result["total"] == 0
    return out


@contextmanager
def signed_in(url: str, clock: FixedClock, instance: str) -> Iterator[Any]:
    import re

    from hazardflow.bootstrap import build_runtime
    from hazardflow.config import load_settings
    from hazardflow.web import create_app

    settings = load_settings(env={}, overrides={"database_url": url, "instance_path": instance,
                                                "scheduler": False, "secret_key": "bench"})
    app = create_app(build_runtime(settings, clock=clock), TESTING=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on /login"
    response = client.post("/login", data={"username": USER, "password": PASSWORD,
                                           "csrf_token": found.group(1)})
    assert response.status_code == 302, response.status_code
    try:
        yield client
    finally:
        app.extensions["hazardflow"].close()


def time_page(client: Any, samples: int) -> list[float]:
    times = []
    for _ in range(samples + 2):
        began = time.perf_counter()
        response = client.get("/inbox")
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    return times[2:]  # the first requests warm the template and engine caches


def explain(db: sa.Engine, actor: Any, now: datetime) -> dict[str, list[str]]:
    """The plan of each tab's page query and count query."""
    module = _inbox_module()
    query_type = module.TaskQuery
    plans: dict[str, list[str]] = {}
    if hasattr(module, "tab_conditions"):
        conditions = module.tab_conditions(actor, now, query_type(), db.dialect.name)
        select_rows = module.task_select
        joined = human_task.outerjoin(hazard, hazard.c.case_id == human_task.c.case_id)
    else:
        return {"note": ["the inbox module exposes no tab_conditions"]}
    prefix = "EXPLAIN QUERY PLAN " if db.dialect.name == "sqlite" else "EXPLAIN "
    with db.connect() as conn:
        for tab in TABS:
            order = (human_task.c.completed_at.desc(),) if tab == "done" else (
                human_task.c.due_at.is_(None), human_task.c.due_at, human_task.c.priority.desc())
            for label, stmt in (
                    ("rows", select_rows().where(conditions[tab]).order_by(*order, human_task.c.id)
                     .limit(25)),
                    ("count", sa.select(sa.func.count()).select_from(joined)
                     .where(conditions[tab]))):
                compiled = stmt.compile(dialect=db.dialect, compile_kwargs={"literal_binds": True})
                rows = conn.exec_driver_sql(prefix + str(compiled)).fetchall()
                plans[f"{tab}.{label}"] = [" | ".join(str(c) for c in r) for r in rows]
    return plans


def _figures(values: list[float]) -> tuple[float, float]:
    return round(statistics.median(values), 2), round(_percentile(values, 0.95), 2)


def measure(db: sa.Engine, url: str, actor: Any, clock: FixedClock, samples: int,
            instance: str, label: str) -> dict[str, Any]:
    per_tab = time_queries(db, actor, samples, clock.now())
    out: dict[str, Any] = {}
    everything = [t for times in per_tab.values() for t in times]
    out[f"inbox_p50_ms_{label}"], out[f"inbox_p95_ms_{label}"] = _figures(everything)
    for tab, times in per_tab.items():
        out[f"inbox_{tab}_p95_ms_{label}"] = _figures(times)[1]
    with signed_in(url, clock, instance) as client:
        out[f"page_p50_ms_{label}"], out[f"page_p95_ms_{label}"] = _figures(
            time_page(client, samples))
    return out


def run(open_cases: int = 100_000, user_tasks: int = 1_000, database_url: str | None = None,
        samples: int = 30, show_plans: bool = False,
        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    say = progress or (lambda _: None)
    with tempfile.TemporaryDirectory() as tmp:
        if database_url:
            from hazardflow.bench.engine import _postgres_schema
            url, drop = _postgres_schema(database_url)
        else:
            url, drop = f"sqlite:///{tmp}/inbox.db", (lambda: None)
        try:
            return _run(url, tmp, open_cases, user_tasks, samples, show_plans, say)
        finally:
            drop()


def _analyze(db: sa.Engine) -> None:
    with db.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _run(url: str, tmp: str, open_cases: int, user_tasks: int, samples: int,
         show_plans: bool, say: Callable[[str], None]) -> dict[str, Any]:
    from hazardflow.db import all_metadata

    db = make_engine(url)
    all_metadata().create_all(db)
    clock = FixedClock(NOW)
    rng = random.Random(20261102)  # noqa: S311 -- reproducible test data, not secrets
    out: dict[str, Any] = {"backend": db.dialect.name, "user_open_tasks": user_tasks}
    with write_transaction(db) as conn:
        units = _organisation(conn)
        create_user(conn, USER, PASSWORD, "基准测试用户",
                    [("safety_officer", USER_UNIT), ("rectifier", USER_UNIT)], now=NOW)
        seeder = Seeder(conn, NOW, rng, units, _definition(conn, NOW))
        say(f"seeding {user_tasks} open cases for {USER}")
        seed_user_cases(seeder, user_tasks)
        _fix_sequences(conn)
    _analyze(db)
    with db.connect() as conn:
        actor = actor_for(conn, USER)
    out["open_cases_1k"] = seeder.next_case - 1
    say(f"timing at {out['open_cases_1k']} open cases")
    out.update(measure(db, url, actor, clock, samples, f"{tmp}/inst", "1k"))
    began = time.perf_counter()
    with write_transaction(db) as conn:
        seeder.conn = conn
        say(f"seeding {open_cases - user_tasks} more open cases")
        seed_other_cases(seeder, max(0, open_cases - user_tasks))
        _fix_sequences(conn)
    _analyze(db)
    out["seed_s"] = round(time.perf_counter() - began, 1)
    out["open_cases_100k"] = seeder.next_case - 1
    with db.connect() as conn:
        out["human_task_rows"] = conn.execute(sa.select(sa.func.count()).select_from(
            human_task)).scalar_one()
        out["task_candidate_rows"] = conn.execute(sa.select(sa.func.count()).select_from(
            task_candidate)).scalar_one()
    say(f"timing at {out['open_cases_100k']} open cases")
    out.update(measure(db, url, actor, clock, samples, f"{tmp}/inst", "100k"))
    out["page_ratio_100k_over_1k"] = round(out["page_p95_ms_100k"] / out["page_p95_ms_1k"], 2)
    out["inbox_ratio_100k_over_1k"] = round(
        out["inbox_p95_ms_100k"] / out["inbox_p95_ms_1k"], 2)
    if show_plans:
        out["plans"] = explain(db, actor, NOW)
    out["goals"] = {
        "page_p95_ms_100k <= 1.5 x page_p95_ms_1k": out["page_ratio_100k_over_1k"] <= 1.5,
        "inbox_p95_ms_100k < 100": out["inbox_p95_ms_100k"] < 100,
        "page_p95_ms_100k < 100": out["page_p95_ms_100k"] < 100,
    }
    db.dispose()
    return out
