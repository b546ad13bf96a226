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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import FixedClock
from hazardflow.engine.db import make_engine, write_transaction
from hazardflow.engine.schema import human_task, task_candidate
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.users import actor_for, create_user

from .inbox_seed import (
    NOW,
    PASSWORD,
    USER,
    USER_UNIT,
    Seeder,
    definition,
    fix_sequences,
    organisation,
    seed_other_cases,
    seed_user_cases,
)

TABS = ("mine", "groups", "overdue", "due_soon", "done")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


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
        units = organisation(conn)
        create_user(conn, USER, PASSWORD, "基准测试用户",
                    [("safety_officer", USER_UNIT), ("rectifier", USER_UNIT)], now=NOW)
        seeder = Seeder(conn, NOW, rng, units, definition(conn, NOW))
        say(f"seeding {user_tasks} open cases for {USER}")
        seed_user_cases(seeder, user_tasks)
        fix_sequences(conn)
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
        fix_sequences(conn)
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
