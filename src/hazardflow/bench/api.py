"""``hazardflow bench api``: task completions through HTTP (gunicorn, 2 workers, PostgreSQL)
against the same step through the engine in-process, and a timer sweep.

1. A scratch PostgreSQL schema is migrated, seeded with the bundled BPMN and the demo data,
   and ``tasks`` hazards are reported through the engine, leaving as many ``Task_Triage``
   tasks open for the demo user ``safety``.
2. gunicorn serves the app with the project's config and 2 workers (``workers``) on a free
   port.
3. A load generator in another process (a subprocess running :func:`load_main`) completes
   those tasks over HTTP with 1, 8 and 32 keep-alive clients (threads), each signed in once
   and working through its own slice of task ids; every request's latency is recorded.
4. The same step (triage → order) is timed in-process through
   the use-case (``hazardflow.workflows.usecases.tasks.complete``) on other hazards of the
   same database.
5. Timer sweep: cases are ordered with a deadline in the past of a fixed engine clock, so
   each waits on Task_Rectify with its five ladder timers (remind, due, overdue, letter,
   publish); the drivers' sweep job (``workflows.jobs.sweep_due``) then runs until nothing
   is due, and is timed.
   Timers are real SpiffWorkflow timers, made the slow way (report + order per case), so the
   count is a parameter: ``sweep_lag_s`` is how long after the sweep began the last of them
   fired (every one was already due when it began).

A benchmark prints figures; it asserts nothing beyond "every request succeeded".
"""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hazardflow.bench.engine import _postgres_schema

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LEVELS = (1, 8, 32)
PASSWORD = "demo12345"  # noqa: S105 -- the published demo password (workflows.demo)
HAZARD = {"unit_code": "LA-JA-H01", "location": "门诊楼二层东侧消防通道", "category": "fire",
          "level": "general", "description": "消防通道堆放杂物", "source": "inspection"}
TIMERS_PER_CASE = 5  # the rectification ladder: D-3, D, D+1, D+7, D+30


def triage_form(deadline: date) -> dict[str, Any]:
    return {"disposition": "order", "responsible_user": "rectifier",
            "deadline": deadline.isoformat()}


def _split(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` in the ratio 1 : 2 : 3 ... (100/200/300 for 600)."""
    weights = list(range(1, parts + 1))
    shares = [total * w // sum(weights) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


# -- the load generator (runs in its own process) ---------------------------------------------

def _request(conn: http.client.HTTPConnection, method: str, path: str, body: Any,
             headers: dict[str, str]) -> tuple[int, bytes]:
    """One request; sent again on a fresh connection if the server had already closed the
    kept one (sync workers close each after its answer): it never read the first send, and
    a completion sent twice would answer 409 and count as an error, never silently."""
    payload = json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **headers}
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        conn.close()
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
    return response.status, response.read()


def run_level(port: int, clients: int, task_ids: list[int], form: dict[str, Any],
              username: str = "safety", password: str = PASSWORD) -> dict[str, Any]:
    """Complete ``task_ids`` with ``clients`` threads; ``{"seconds", "latencies_ms",
    "errors"}``. Sign-in is done before the clock starts."""
    slices = [task_ids[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    ready = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            status, raw = _request(conn, "POST", "/api/v1/auth/token",
                                   {"username": username, "password": password}, {})
            if status != 200:
                errors.append(f"sign-in: {status} {raw[:300]!r}")
                ready.abort()
                return
            headers = {"Authorization": f"Bearer {json.loads(raw)['token']}"}
            conn.close()  # idle while the others sign in: reopened by the first request
            ready.wait()
            for task_id in slices[n]:
                began = time.perf_counter()
                status, raw = _request(conn, "POST", f"/api/v1/tasks/{task_id}/complete",
                                       {"data": form}, headers)
                latencies[n].append((time.perf_counter() - began) * 1000)
                if status != 200:
                    errors.append(f"task {task_id}: {status} {raw[:300]!r}")
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:  # noqa: BLE001 -- reported, not hidden
            errors.append(f"client {n}: {exc!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "latencies_ms": [x for part in latencies for x in part],
            "errors": errors}


def load_main() -> None:
    """Entry of the load-generator process: a JSON job on stdin, a JSON result on stdout."""
    job = json.load(sys.stdin)
    out = [run_level(job["port"], level["clients"], level["task_ids"], job["form"])
           for level in job["levels"]]
    json.dump(out, sys.stdout)


def _generate_load(port: int, levels: list[tuple[int, list[int]]],
                   form: dict[str, Any]) -> list[dict[str, Any]]:
    job = {"port": port, "form": form,
           "levels": [{"clients": c, "task_ids": ids} for c, ids in levels]}
    done = subprocess.run(  # noqa: S603 -- our own interpreter and module
        [sys.executable, "-c", "from hazardflow.bench.api import load_main; load_main()"],
        input=json.dumps(job), capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{done.stderr[-3000:]}")
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


# -- gunicorn ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@contextmanager
def _gunicorn(database_url: str, workdir: Path, workers: int = 2,
              worker_class: str | None = None, threads: int | None = None) -> Iterator[int]:
    """gunicorn with the project's config on a free port, answering /healthz; its port.
    ``worker_class`` (``sync`` or ``gthread``) overrides the config's worker model, ``threads``
    its threads per worker."""
    port = _free_port()
    instance = workdir / "instance"
    instance.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDFLOW_")}
    env.update({"HAZARDFLOW_DATABASE_URL": database_url,
                "HAZARDFLOW_INSTANCE_PATH": str(instance), "HAZARDFLOW_SCHEDULER": "false",
                "WEB_CONCURRENCY": str(workers), "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    log = workdir / "gunicorn.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 -- our own interpreter
            [sys.executable, "-m", "gunicorn", "-c", "python:hazardflow.gunicorn_conf",
             "--access-logfile", "/dev/null", "--no-control-socket",
             *(["--worker-class", worker_class] if worker_class else []),
             *(["--threads", str(threads)] if threads else []),
             "hazardflow.wsgi:app"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz:\n"
                                   + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield port
    finally:
        for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)  # its own session: the master and its workers
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


# -- preparing cases through the engine ---------------------------------------------------

def _runtime(db: sa.Engine, clock: Any = None) -> Any:
    """A runtime over the scratch database, as the shells build one."""
    from hazardflow.bootstrap import build_runtime
    from hazardflow.config import load_settings

    settings = load_settings(env={}, overrides={
        "database_url": db.url.render_as_string(hide_password=False),
        "instance_path": tempfile.gettempdir(), "secret_key": "bench", "scheduler": False})
    return build_runtime(settings, clock=clock, db=db)


def _photo(rt: Any, username: str) -> str:
    """A photo ``username`` took on site just now (its evidence reference)."""
    from hazardflow.engine.db import write_transaction
    from hazardflow.workflows import evidence

    with write_transaction(rt.db) as conn:
        row = evidence.save_upload(conn, rt.storage, filename="site.txt", data=b"site photo\n",
                                   kind="before", uploaded_by=username, now=rt.now(),
                                   max_bytes=1024)
    return evidence.ref(row.id)


def _triage_tasks(rt: Any, reporter: Any, count: int) -> list[int]:
    from hazardflow.workflows.usecases.cases import report_hazard

    ids = []
    for _ in range(count):
        data = {**HAZARD, "photos_before": [_photo(rt, reporter.id)]}
        result = report_hazard(rt, reporter, data)["case"]
        ids += [i for i, element, _ in result.open_tasks if element == "Task_Triage"]
    return ids


def _engine_completions_per_s(rt: Any, officer: Any, task_ids: list[int],
                              form: dict[str, Any]) -> float:
    from hazardflow.workflows.usecases.tasks import complete

    began = time.perf_counter()
    for task_id in task_ids:
        complete(rt, officer, task_id, form)
    return len(task_ids) / (time.perf_counter() - began)


def _timer_sweep(db: sa.Engine, cases: int, say: Callable[[str], None]) -> dict[str, Any]:
    """Order ``cases`` hazards with a deadline 60 days before now (the engine's clock is set
    back), then sweep at now; every ladder timer is due when the sweep begins."""
    from hazardflow.engine import FixedClock
    from hazardflow.engine.schema import timer
    from hazardflow.workflows.jobs import sweep_due
    from hazardflow.workflows.usecases.tasks import complete
    from hazardflow.workflows.users import actor_for

    now = datetime.now(UTC)
    then = now - timedelta(days=70)
    rt = _runtime(db, FixedClock(then))
    with db.connect() as conn:
        reporter, officer = actor_for(conn, "inspector"), actor_for(conn, "safety")
    say(f"ordering {cases} hazard(s) with a past deadline ({cases * TIMERS_PER_CASE} timers)")
    form = triage_form((then + timedelta(days=5)).date())
    for task_id in _triage_tasks(rt, reporter, cases):
        complete(rt, officer, task_id, form)
    with db.connect() as conn:
        waiting = conn.execute(sa.select(sa.func.count()).select_from(timer).where(
            timer.c.fired_at.is_(None), timer.c.case_id.is_not(None),
            timer.c.due_at <= now)).scalar_one()
    say(f"sweeping {waiting} due timer(s)")
    began = time.perf_counter()
    advanced = 0
    while True:
        step = sweep_due(rt, now)
        if not step["fired"] + step["started"] + step["continued"]:
            break
        advanced += step["fired"] + step["started"] + step["continued"]
    seconds = time.perf_counter() - began
    with db.connect() as conn:
        fired = conn.execute(sa.select(sa.func.count()).select_from(timer).where(
            timer.c.fired_at.is_not(None), timer.c.case_id.is_not(None))).scalar_one()
        left = conn.execute(sa.select(sa.func.count()).select_from(timer).where(
            timer.c.fired_at.is_(None), timer.c.case_id.is_not(None),
            timer.c.due_at <= now)).scalar_one()
    return {"timer_cases": cases, "timers_due": int(waiting), "timers_fired": int(fired),
            "timers_left_due": int(left), "cases_advanced": advanced,
            "sweep_seconds": round(seconds, 3),
            "sweep_timers_per_s": round(fired / seconds, 1) if seconds else 0.0,
            "sweep_lag_s": round(seconds, 3)}


# -- the benchmark -----------------------------------------------------------------------------

def run(tasks: int = 600, database_url: str = DEFAULT_URL, engine_tasks: int = 100,
        timers: int = 10_000, progress: Callable[[str], None] | None = None,
        levels: tuple[int, ...] = LEVELS, worker_class: str | None = None,
        workers: int = 2, threads: int | None = None) -> dict[str, Any]:
    """The figures as one dict (see the module's docstring)."""
    from hazardflow.db import upgrade
    from hazardflow.engine.db import make_engine, write_transaction
    from hazardflow.workflows.demo import seed_demo
    from hazardflow.workflows.runtime import seed_definitions
    from hazardflow.workflows.users import actor_for

    say = progress or (lambda _: None)
    if tasks < len(levels):
        raise ValueError(f"tasks must be at least {len(levels)}")
    shares = _split(tasks, len(levels))
    compared = 8 if 8 in levels else max(levels)  # the level set against the engine
    form = triage_form(date.today() + timedelta(days=30))
    from hazardflow import gunicorn_conf

    # a sync worker has one thread: gunicorn would run a ``sync`` worker with more as gthread
    ran = 1 if worker_class == "sync" else threads or gunicorn_conf.threads
    out: dict[str, Any] = {"worker_class": worker_class or gunicorn_conf.worker_class,
                           "workers": workers, "threads": ran,
                           "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
                           "tasks": tasks, "tasks_per_level": dict(
        zip((str(c) for c in levels), shares, strict=True)), "engine_tasks": engine_tasks}
    url, drop = _postgres_schema(database_url)
    db = make_engine(url)
    try:
        say("migrating a scratch schema, seeding definitions and demo data")
        upgrade(db)
        rt = _runtime(db)
        seed_definitions(rt.engine)
        with write_transaction(db) as conn:
            seed_demo(conn, datetime.now(UTC))
        with db.connect() as conn:
            reporter, officer = actor_for(conn, "inspector"), actor_for(conn, "safety")
        say(f"reporting {tasks + engine_tasks} hazard(s) through the engine")
        http_ids = _triage_tasks(rt, reporter, tasks)
        engine_ids = _triage_tasks(rt, reporter, engine_tasks)
        with tempfile.TemporaryDirectory(prefix="hazardflow-bench-") as tmp:
            say(f"starting gunicorn ({workers} {out['worker_class']} workers)")
            with _gunicorn(url, Path(tmp), workers, worker_class, ran) as port:
                slices, start = [], 0
                for clients, share in zip(levels, shares, strict=True):
                    slices.append((clients, http_ids[start:start + share]))
                    start += share
                say(f"load generator: {', '.join(map(str, levels))} clients")
                results = _generate_load(port, slices, form)
        errors = [e for r in results for e in r["errors"]]
        if errors:
            raise RuntimeError(f"{len(errors)} request(s) failed; first: {errors[0]}")
        for (clients, ids), r in zip(slices, results, strict=True):
            out[f"http_completions_per_s_{clients}"] = round(len(ids) / r["seconds"], 1)
            out[f"http_p50_ms_{clients}"] = round(_percentile(r["latencies_ms"], 0.50), 2)
            out[f"http_p99_ms_{clients}"] = round(_percentile(r["latencies_ms"], 0.99), 2)
        say(f"engine in-process: {engine_tasks} triage completion(s)")
        rate = _engine_completions_per_s(rt, officer, engine_ids, form)
        out["engine_completions_per_s"] = round(rate, 1)
        out[f"http_over_engine_{compared}"] = round(
            out[f"http_completions_per_s_{compared}"] / rate, 3)
        if timers:  # the in-process sweep; `bench sweep` drains with Celery workers
            out.update(_timer_sweep(db, math.ceil(timers / TIMERS_PER_CASE), say))
    finally:
        db.dispose()
        drop()
    ratio = out[f"http_over_engine_{compared}"]
    out["goals"] = {f"http_over_engine_{compared} >= 0.5": ratio >= 0.5,
                    f"http_over_engine_{compared} >= 0.7 (long-run goal)": ratio >= 0.7,
                    f"http_p99_ms_{compared} < 300": out[f"http_p99_ms_{compared}"] < 300}
    return out


if __name__ == "__main__":  # pragma: no cover
    load_main()
