"""``hazardflow bench monitor``: the stuck-case list and the dashboard at 10,000 and at
1,000,000 hazards.

For each size a fresh database (a temporary SQLite file, or a scratch PostgreSQL schema) gets
the tables, the demo organisation and the ledger bulk-inserted in batches: hazards reported
over three years, most closed (a few late, some voided), an open backlog of at most
:data:`BACKLOG` hazards (each with an open rectification task, about a fifth unclaimed, the
older ones overdue), some incidents and suspended cases. The rollup is built once (timed
apart), then the stuck list (a city supervisor's and a county supervisor's first page,
all kinds) and the dashboard (26 weeks, the same two viewers) are timed. A benchmark
prints figures; it asserts nothing.
"""

from __future__ import annotations

import functools
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from hazardflow.db import all_metadata
from hazardflow.engine import Actor
from hazardflow.engine.db import make_engine, write_transaction
from hazardflow.engine.schema import (
    deployment,
    human_task,
    incident,
    process_case,
    process_definition,
)
from hazardflow.workflows import dashboard, monitor
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.demo import seed_units
from hazardflow.workflows.ledger import CATEGORIES
from hazardflow.workflows.schema import hazard, unit

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
CALENDAR = DEFAULT_CALENDAR  # the synthetic ledger's business days
SPAN_DAYS = 3 * 365
BACKLOG = 2000  # open hazards: what a commission that keeps up has in hand
BATCH = 10_000
CITY = Actor("bench-city", frozenset({("city_supervisor", "LA")}))
COUNTY = Actor("bench-county", frozenset({("county_supervisor", "LA-JA")}))

Progress = Callable[[str], None] | None


def _rows(n: int, units: list[tuple[int, str]], definition: int,
          rng: random.Random) -> Iterator[tuple[dict[str, Any], dict[str, Any],
                                                dict[str, Any] | None]]:
    """(process_case, hazard, open human_task or None) for hazard i, oldest first."""
    backlog = min(BACKLOG, max(1, n // 5))
    recent = set(range(n - backlog * 9 // 10, n))  # the newest are in hand...
    laggards = set(rng.sample(range(max(1, n - backlog * 9 // 10)),
                              min(backlog - len(recent), max(0, n - len(recent)))))
    categories = list(CATEGORIES)
    for i in range(n):
        reported = (NOW - timedelta(days=SPAN_DAYS) * (1 - i / n)
                    - timedelta(minutes=rng.randint(0, 600)))
        unit_id, county = units[rng.randrange(len(units))]
        deadline = CALENDAR.today(reported) + timedelta(days=rng.randint(5, 45))
        is_open = i in recent or i in laggards
        closed_at = None
        status = "open"
        if not is_open:
            status = "voided" if rng.random() < 0.01 else "closed"
            closed_at = min(NOW, reported + timedelta(days=rng.uniform(1, 50)))
        case = {"id": i + 1, "definition_id": definition,
                "status": "active" if is_open else "completed", "revision": 3, "state": b"",
                "started_by": "bench", "created_at": reported,
                "updated_at": closed_at or reported, "completed_at": closed_at}
        row = {"id": i + 1, "code": f"YH-B-{i + 1:07d}", "case_id": i + 1, "unit_id": unit_id,
               "county_code": county, "location": "门诊楼", "description": "bench",
               "category": categories[rng.randrange(len(categories))],
               "level": "major" if rng.random() < 0.05 else "general", "source": "inspection",
               "status": status, "stage": "整改" if is_open else None,
               "deadline": deadline.isoformat(), "reported_by": "bench", "reported_at": reported,
               "closed_at": closed_at if status == "closed" else None,
               "updated_at": closed_at or reported, "visible_to_unit": True}
        task = None
        if is_open:
            task = {"case_id": i + 1, "spiff_task_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "element_id": "Task_Rectify", "name": "整改", "form_key": "hazard_rectify",
                    "state": "open", "assignee": None if rng.random() < 0.2 else "rectifier",
                    "priority": 50, "due_at": CALENDAR.end_of(deadline),
                    "created_at": reported + timedelta(days=1)}
        yield case, row, task


def populate(db: sa.Engine, n: int, progress: Progress = None, seed: int = 7) -> dict[str, Any]:
    """Bulk-insert ``n`` hazards with their cases and open tasks; returns what was made."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    all_metadata().create_all(db)
    with db.begin() as conn:
        seed_units(conn)
        units = [(r.id, r.county_code or "") for r in conn.execute(
            sa.select(unit.c.id, unit.c.county_code).where(
                unit.c.kind.in_(("institution", "city_direct"))))]
        dep = conn.execute(sa.insert(deployment).values(
            sha256=uuid.uuid4().hex * 2, bpmn_xml="<bench/>", forms="{}", deployed_by="bench",
            deployed_at=NOW)).inserted_primary_key
        assert dep is not None
        made = conn.execute(sa.insert(process_definition).values(
            key="hazard_lifecycle", version=1, name="隐患排查治理", deployment_id=dep[0],
            deployed_at=NOW)).inserted_primary_key
        assert made is not None
    cases: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    opened = 0

    def flush() -> None:
        with db.begin() as conn:
            conn.execute(sa.insert(process_case), cases)
            conn.execute(sa.insert(hazard), rows)
            if tasks:
                conn.execute(sa.insert(human_task), tasks)
        cases.clear()
        rows.clear()
        tasks.clear()

    for case, row, task in _rows(n, units, int(made[0]), rng):
        cases.append(case)
        rows.append(row)
        if task is not None:
            tasks.append(task)
            opened += 1
        if len(cases) >= BATCH:
            flush()
            if progress and len(rows) == 0 and case["id"] % (BATCH * 10) == 0:
                progress(f"  {case['id']:,} hazards inserted")
    if cases:
        flush()
    open_cases = [r[0] for r in _open_cases(db)]
    troubled = rng.sample(open_cases, min(len(open_cases), 70))
    with db.begin() as conn:
        for case_id in troubled[:50]:
            conn.execute(sa.insert(incident).values(
                case_id=case_id, element_id="ServiceTask_RectifyRemind", origin="timer",
                message="ValueError: responsible_user 'ghost' is not a known user",
                created_at=NOW - timedelta(days=rng.randint(1, 20)), updated_at=NOW))
            conn.execute(sa.update(process_case).where(process_case.c.id == case_id)
                         .values(status="incident"))
        conn.execute(sa.update(process_case).where(process_case.c.id.in_(troubled[50:]))
                     .values(status="suspended", updated_at=NOW - timedelta(days=3)))
    if db.dialect.name == "postgresql":
        with db.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    else:
        with db.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"hazards": n, "open_tasks": opened, "incidents": min(50, len(troubled)),
            "suspended": max(0, len(troubled) - 50)}


def _open_cases(db: sa.Engine) -> list[Any]:
    with db.connect() as conn:
        return list(conn.execute(sa.select(human_task.c.case_id).where(
            human_task.c.state == "open").order_by(human_task.c.case_id)))


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2)


def stuck_once(db: sa.Engine) -> int:
    total = 0
    with db.connect() as conn:
        for actor in (CITY, COUNTY):
            total += len(monitor.stuck(conn, actor, monitor.StuckFilter(), NOW)["items"])
    return total


def dashboard_once(db: sa.Engine) -> int:
    """The dashboard as its use-case reads it when the rollup is current: the check that
    nothing changed, then the figures."""
    with db.connect() as conn:
        dashboard.stale(conn)  # the use-case's check, which finds the rollup current
        return sum(len(dashboard.dashboard(conn, actor, CALENDAR.today(NOW))["units"])
                   for actor in (CITY, COUNTY))


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    result = call()  # warm-up
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - began)
    return _p95(samples), round(statistics.median(samples) * 1000, 2), result


@contextmanager
def _captured(db: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(db, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db, "before_cursor_execute", before)


def plans(db: sa.Engine) -> list[str]:
    """The query plan of every statement the stuck list and the dashboard run."""
    with _captured(db) as seen:
        stuck_once(db)
        dashboard_once(db)
    prefix = "EXPLAIN QUERY PLAN " if db.dialect.name == "sqlite" else "EXPLAIN "
    out = []
    with db.connect() as conn:
        for statement, parameters in seen:
            if "monitor_mark" in statement:
                continue
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            plan = "\n".join("    " + " | ".join(str(c) for c in r) for r in rows)
            out.append(" ".join(statement.split())[:300] + "\n" + plan)
    return out


def _database(database_url: str | None, tmp: str, n: int) -> tuple[sa.Engine, Callable[[], None]]:
    if database_url is None:
        db = make_engine(f"sqlite:///{tmp}/monitor_{n}.db")
        return db, db.dispose
    from hazardflow.bench.engine import _postgres_schema

    url, drop = _postgres_schema(database_url)
    db = make_engine(url)

    def done() -> None:
        db.dispose()
        drop()
    return db, done


def run(scale: float = 1.0, database_url: str | None = None, repeats: int = 30,
        explain: bool = False, progress: Progress = None) -> dict[str, Any]:
    sizes = {"10k": max(50, int(10_000 * scale)), "1m": max(500, int(1_000_000 * scale))}
    result: dict[str, Any] = {"backend": "postgresql" if database_url else "sqlite",
                              "sizes": sizes}
    with tempfile.TemporaryDirectory() as tmp:
        for label, n in sizes.items():
            db, done = _database(database_url, tmp, n)
            try:
                began = time.perf_counter()
                made = populate(db, n, progress)
                result[f"load_s_{label}"] = round(time.perf_counter() - began, 1)
                began = time.perf_counter()
                with write_transaction(db) as conn:
                    dashboard.refresh(conn, CALENDAR)
                result[f"rollup_build_s_{label}"] = round(time.perf_counter() - began, 1)
                result[f"open_tasks_{label}"] = made["open_tasks"]
                p95, median, rows = timed(functools.partial(stuck_once, db), repeats)
                result[f"monitor_p95_ms_{label}"] = p95
                result[f"monitor_median_ms_{label}"] = median
                result[f"monitor_rows_{label}"] = rows
                p95, median, _ = timed(functools.partial(dashboard_once, db), repeats)
                result[f"dashboard_p95_ms_{label}"] = p95
                result[f"dashboard_median_ms_{label}"] = median
                if explain:
                    result[f"plans_{label}"] = plans(db)
                if progress:
                    progress(f"{label} ({n:,} hazards): stuck p95 "
                             f"{result[f'monitor_p95_ms_{label}']} ms, dashboard p95 "
                             f"{result[f'dashboard_p95_ms_{label}']} ms")
            finally:
                done()
    for name in ("monitor", "dashboard"):
        small, big = result[f"{name}_p95_ms_10k"], result[f"{name}_p95_ms_1m"]
        result[f"{name}_ratio"] = round(big / small, 2) if small else None
    result["goals"] = {f"{name} at 1M ≤ 2× 10k": (result[f"{name}_ratio"] or 99) <= 2
                       for name in ("monitor", "dashboard")}
    return result
