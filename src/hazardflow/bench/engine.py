"""``hazardflow bench engine``: the same BPMN, path and data, in memory and through the engine.

(a) raw SpiffWorkflow in memory, no persistence, and naive persistence of it on SQLite
(``naive``: the floor under the engine's ratio); (b) this runtime's public engine functions
on a fresh SQLite file; (c) the same on PostgreSQL when a URL is given, and, with
``backfill``, again after that many finished cases (their tasks, timers, audit records and
outbox rows) were seeded into its tables, with the plans of the statements one completion
runs. A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from importlib import resources
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from hazardflow.engine import Actor, Engine, HandlerRegistry, audit
from hazardflow.engine.db import make_engine, write_transaction
from hazardflow.engine.schema import (
    audit_event,
    human_task,
    metadata,
    outbox,
    process_case,
    task_candidate,
    timer,
)
from hazardflow.workflows.resolver import OrgResolver

from . import naive

KEY = "bench_hazard"
START = {"unit_code": "U1", "level": "general", "description": "消防通道堆放杂物"}
ORDER = {"responsible_user": "rect", "deadline": "2026-12-24"}
RECTIFY = {"rectification_note": "已清理", "photos_after": ["ev-2"]}
FAIL = {"verify_result": "failed", "fail_reason": "照片不清楚"}
PASS = {"verify_result": "passed"}
CLOSE = {"note": "销号"}
PATH: list[tuple[str, dict[str, Any]]] = [
    ("Task_Order", ORDER), ("Task_Rectify", RECTIFY), ("Task_Verify", PASS), ("Task_Close", CLOSE)]
ACTOR = Actor("bench", frozenset({("inspector", None), ("safety_officer", None),
                                   ("rectifier", None), ("verifier", None)}))


def _files() -> tuple[bytes, dict[str, Any]]:
    root = resources.files("hazardflow.bench")
    bpmn = root.joinpath("engine_bench.bpmn").read_bytes()
    forms = json.loads(root.joinpath("forms.json").read_text(encoding="utf-8"))
    return bpmn, forms


# -- (a) raw SpiffWorkflow -----------------------------------------------------------------

class RawRunner:
    def __init__(self, bpmn: bytes) -> None:
        parser = CamundaParser()
        parser.add_bpmn_str(bpmn)
        self.spec = parser.get_spec(KEY)
        self.subs = parser.get_subprocess_specs(KEY)
        self.script_engine = PythonScriptEngine()

    def start(self) -> BpmnWorkflow:
        wf = BpmnWorkflow(self.spec, self.subs, script_engine=self.script_engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(START)
        wf.do_engine_steps()
        return wf

    @staticmethod
    def complete(wf: BpmnWorkflow, element: str, data: dict[str, Any]) -> None:
        task = wf.get_next_task(state=TaskState.READY, manual=True, spec_name=element)
        task.data.update(data)
        task.run()
        wf.do_engine_steps()


def raw_completions_per_s(bpmn: bytes, cases: int) -> float:
    runner = RawRunner(bpmn)
    began = time.perf_counter()
    for _ in range(cases):
        wf = runner.start()
        for element, data in PATH:
            runner.complete(wf, element, data)
        assert wf.is_completed()
    return cases * len(PATH) / (time.perf_counter() - began)


# -- (b), (c) through the engine --------------------------------------------------------------

class EngineRunner:
    def __init__(self, url: str, bpmn: bytes, forms: dict[str, Any]) -> None:
        self.db = make_engine(url)
        metadata.create_all(self.db)
        self.engine = Engine(self.db, resolver=OrgResolver(), handlers=HandlerRegistry())
        with write_transaction(self.db) as conn:
            self.engine.deploy(conn, bpmn, forms, actor="bench")

    def start(self) -> tuple[int, dict[str, int]]:
        with write_transaction(self.db) as conn:  # one transaction per step, as a use-case
            result = self.engine.start_case(conn, KEY, START, ACTOR)
        return result.case_id, {e: i for i, e, _ in result.open_tasks}

    def complete(self, tasks: dict[str, int], element: str, data: dict[str, Any]) -> dict[str, int]:
        with write_transaction(self.db) as conn:
            result = self.engine.complete_task(conn, tasks[element], ACTOR, data)
        return {e: i for i, e, _ in result.open_tasks}

    def state_bytes(self, case_id: int) -> int:
        with self.db.connect() as conn:
            return len(conn.execute(sa.select(process_case.c.state)
                                    .where(process_case.c.id == case_id)).scalar_one())


def engine_completions_per_s(runner: EngineRunner, cases: int) -> float:
    began = time.perf_counter()
    for _ in range(cases):
        _, tasks = runner.start()
        for element, data in PATH:
            tasks = runner.complete(tasks, element, data)
    return cases * len(PATH) / (time.perf_counter() - began)


def step_ms_after_loops(runner: EngineRunner, loops: int, samples: int) -> float:
    """Median time of one completion (Rectify) after ``loops`` failed verifications."""
    times = []
    for _ in range(samples):
        _, tasks = runner.start()
        tasks = runner.complete(tasks, "Task_Order", ORDER)
        for _ in range(loops):
            tasks = runner.complete(tasks, "Task_Rectify", RECTIFY)
            tasks = runner.complete(tasks, "Task_Verify", FAIL)
        began = time.perf_counter()
        runner.complete(tasks, "Task_Rectify", RECTIFY)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def bytes_after_two_tasks(runner: EngineRunner) -> int:
    case_id, tasks = runner.start()
    tasks = runner.complete(tasks, "Task_Order", ORDER)
    runner.complete(tasks, "Task_Rectify", RECTIFY)
    return runner.state_bytes(case_id)


def _postgres_schema(url: str) -> tuple[str, Callable[[], None]]:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    sep = "&" if "?" in url else "?"
    # every commit waits for its WAL flush, as in production, whatever the database's own
    # setting (the test database is set not to wait)
    return f"{url}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Don", drop


# -- (c) with finished cases already in the tables ------------------------------------------

def _finished_case(runner: EngineRunner) -> tuple[int, bytes]:
    case_id, tasks = runner.start()
    for element, data in PATH:
        tasks = runner.complete(tasks, element, data)
    with runner.db.connect() as conn:
        row = conn.execute(sa.select(process_case.c.definition_id, process_case.c.state)
                           .where(process_case.c.id == case_id)).one()
    return int(row.definition_id), bytes(row.state)


def backfill(runner: EngineRunner, count: int, chunk: int = 2000,
             say: Callable[[str], None] = lambda _: None) -> None:
    """Seed ``count`` finished cases shaped as the engine leaves them: the case row (a real
    completed state), its four completed tasks with candidates, a fired timer, five chained
    audit records and a done outbox row. Multi-row INSERTs, ``chunk`` cases each."""
    definition_id, state = _finished_case(runner)
    at = runner.engine.clock.now()
    with runner.db.connect() as conn:
        first = int(conn.execute(sa.select(sa.func.max(process_case.c.id))).scalar() or 0) + 1
    for start in range(first, first + count, chunk):
        ids = range(start, min(start + chunk, first + count))
        cases, tasks, candidates, timers, events, done = [], [], [], [], [], []
        for case_id in ids:
            prev = audit.GENESIS
            for seq, action in enumerate(("start", *(["complete"] * len(PATH))), 1):
                record = audit.chained(case_id, seq, prev, audit.Entry(
                    "bench", action, {"data": START} if seq == 1 else {"task": seq}, at))
                events.append(record)
                prev = record["hash"]
            cases.append({"id": case_id, "definition_id": definition_id, "status": "completed",
                          "revision": len(PATH) + 1, "state": state, "business_key": None,
                          "started_by": "bench", "created_at": at, "updated_at": at,
                          "completed_at": at, "audit_seq": len(PATH) + 1, "audit_hash": prev})
            for element, _ in PATH:
                tasks.append({"case_id": case_id, "spiff_task_id": str(uuid.uuid4()),
                              "element_id": element, "name": element, "form_key": None,
                              "state": "completed", "assignee": "bench", "priority": 50,
                              "due_at": at, "created_at": at, "completed_at": at,
                              "completed_by": "bench"})
            timers.append({"case_id": case_id, "process_key": None, "spiff_task_id":
                           str(uuid.uuid4()), "element_id": "Timer_Deadline", "expression":
                           "deadline", "due_at": at, "fired_at": at, "created_at": at})
            done.append({"case_id": case_id, "reason": "continue", "created_at": at,
                         "done_at": at})
        with write_transaction(runner.db) as conn:
            conn.execute(sa.insert(process_case), cases)
            task_ids = conn.execute(sa.insert(human_task).returning(
                human_task.c.id, sort_by_parameter_order=True), tasks).scalars().all()
            candidates = [{"human_task_id": t, "role": "verifier", "unit": "U1"}
                          for t in task_ids]
            conn.execute(sa.insert(task_candidate), candidates)
            conn.execute(sa.insert(timer), timers)
            conn.execute(sa.insert(audit_event), events)
            conn.execute(sa.insert(outbox), done)
        say(f"  {ids[-1] - first + 1} / {count}")
    with write_transaction(runner.db) as conn:
        if runner.db.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('process_case', 'id'), "
                                 "(SELECT max(id) FROM process_case))"))
            conn.execute(sa.text("ANALYZE"))


def step_plans(runner: EngineRunner) -> dict[str, list[str]]:
    """The plan of every statement but the plain INSERTs that one completion runs."""
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
            seen.append((statement, parameters))

    _, tasks = runner.start()
    sa.event.listen(runner.db, "before_cursor_execute", keep)
    try:
        runner.complete(tasks, "Task_Order", ORDER)
    finally:
        sa.event.remove(runner.db, "before_cursor_execute", keep)
    prefix = "EXPLAIN QUERY PLAN " if runner.db.dialect.name == "sqlite" else "EXPLAIN "
    plans: dict[str, list[str]] = {}
    with runner.db.connect() as conn:
        for n, (statement, parameters) in enumerate(seen, 1):
            rows = conn.exec_driver_sql(prefix + statement, parameters).fetchall()
            name = f"{n}. " + " ".join(statement.split())[:70]
            plans[name] = [" | ".join(str(c) for c in r) for r in rows]
        conn.rollback()
    return plans


def run(cases: int = 1000, database_url: str | None = None,
        progress: Callable[[str], None] | None = None, backfill_cases: int = 0,
        ) -> dict[str, Any]:
    say = progress or (lambda _: None)
    bpmn, forms = _files()
    out: dict[str, Any] = {"cases": cases, "user_tasks_per_case": len(PATH)}
    say("raw SpiffWorkflow in memory")
    raw_completions_per_s(bpmn, min(cases, 100))  # warm up
    out["memory_completions_per_s"] = round(raw_completions_per_s(bpmn, cases), 1)
    say("naive persistence on SQLite (the sqlite3 driver, then SQLAlchemy Core)")
    out["naive_sqlite3_completions_per_s"] = round(
        naive.sqlite3_per_s(RawRunner(bpmn), PATH, cases), 1)
    out["naive_sqlalchemy_completions_per_s"] = round(
        naive.sqlalchemy_per_s(RawRunner(bpmn), PATH, cases), 1)
    with tempfile.TemporaryDirectory() as tmp:
        say("engine on SQLite")
        sqlite = EngineRunner(f"sqlite:///{tmp}/bench.db", bpmn, forms)
        out["sqlite_completions_per_s"] = round(engine_completions_per_s(sqlite, cases), 1)
        say("one step after 1 and 100 failed verifications (SQLite)")
        out["step_ms_loops_1"] = round(step_ms_after_loops(sqlite, 1, 21), 3)
        out["step_ms_loops_100"] = round(step_ms_after_loops(sqlite, 100, 5), 3)
        out["bytes_per_case"] = bytes_after_two_tasks(sqlite)
        sqlite.db.dispose()
    if database_url:
        say("engine on PostgreSQL")
        url, drop = _postgres_schema(database_url)
        try:
            say("naive persistence on PostgreSQL (SQLAlchemy Core)")
            out["naive_postgres_completions_per_s"] = round(
                naive.postgres_per_s(url, RawRunner(bpmn), PATH, cases), 1)
            postgres = EngineRunner(url, bpmn, forms)
            out["postgres_completions_per_s"] = round(
                engine_completions_per_s(postgres, cases), 1)
            if backfill_cases:
                say(f"seeding {backfill_cases} finished cases (PostgreSQL)")
                began = time.perf_counter()
                backfill(postgres, backfill_cases, say=say)
                out["backfill_s"] = round(time.perf_counter() - began, 1)
                say("engine on PostgreSQL with the finished cases")
                out["postgres_backfilled_completions_per_s"] = round(
                    engine_completions_per_s(postgres, cases), 1)
                out["plans"] = step_plans(postgres)
            postgres.db.dispose()
        finally:
            drop()
    memory = out["memory_completions_per_s"]
    out["sqlite_ratio"] = round(out["sqlite_completions_per_s"] / memory, 3)
    for driver in ("sqlite3", "sqlalchemy"):  # the floor under it: figures, not goals
        out[f"naive_{driver}_ratio"] = round(
            out[f"naive_{driver}_completions_per_s"] / memory, 3)
    goals = {
        "sqlite_ratio >= 0.5": out["sqlite_ratio"] >= 0.5,
        "loops_100 / loops_1 <= 2": out["step_ms_loops_100"] <= 2 * out["step_ms_loops_1"],
        "bytes_per_case <= 8192": out["bytes_per_case"] <= 8192,
    }
    if "postgres_completions_per_s" in out:
        out["postgres_ratio"] = round(out["postgres_completions_per_s"] / memory, 3)
        out["naive_postgres_ratio"] = round(
            out["naive_postgres_completions_per_s"] / memory, 3)
        goals["postgres_ratio >= 0.3"] = out["postgres_ratio"] >= 0.3
    if "postgres_backfilled_completions_per_s" in out:
        out["backfill_ratio"] = round(
            out["postgres_backfilled_completions_per_s"] / out["postgres_completions_per_s"], 3)
        goals["backfill_ratio >= 0.8"] = out["backfill_ratio"] >= 0.8
    out["goals"] = goals
    return out

