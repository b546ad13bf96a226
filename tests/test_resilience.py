"""Failures and crowds, with real parts: PostgreSQL, Redis, `celery worker` and `gunicorn`.

- A worker killed with SIGKILL in the middle of a step: the task is redelivered (late
  acknowledgement, reject on worker loss, the Redis visibility timeout) and the step's effect
  happens once; the killed attempt's transaction is rolled back with the process.
- 50 concurrent completions of 50 tasks through gunicorn: all applied.
- 20 concurrent completions of one task: one succeeds, the rest get 409, none a 5xx.
- Redis crashes (losing what was queued) and returns: the web keeps serving reads and
  accepting completions; the outbox in PostgreSQL rebuilds the lost work.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.config import load_settings
from hazardflow.engine import audit
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import audit_event, human_task, incident, outbox, process_case
from hazardflow.workflows import demo, users
from hazardflow.workflows.runtime import seed_definitions
from hazardflow.workflows.schema import notification
from hazardflow.workflows.usecases import cases, tasks
from hazardflow.workflows.users import actor_for

from . import slow_handlers
from .distributed import (
    Process,
    RedisServer,
    app_env,
    celery_worker,
    flush_redis,
    free_port,
    gunicorn,
    http,
    redis_or_skip,
    scratch_schema,
    sign_in,
    wait_for,
    wait_ready,
)
from .factories import make_runtime, with_uploads
from .threads import race

BROKER = os.environ.get("HAZARDFLOW_TEST_RESILIENCE_BROKER_URL", "redis://127.0.0.1:6379/14")
HANDLERS = "tests.slow_handlers"
VISIBILITY = 2  # seconds: how soon Redis hands a dead worker's task to another worker
PASSWORD = demo.DEMO_PASSWORD
DEADLINE = (date.today() + timedelta(days=30)).isoformat()
TRIAGE = {"disposition": "order", "responsible_user": "rectifier", "deadline": DEADLINE,
          "order_note": "清理杂物，保持通道畅通"}

SLOW_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="Defs_Slow" targetNamespace="http://hazardflow.example/tests">
  <bpmn:process id="resilience_slow" name="A slow automatic step" isExecutable="true"
                camunda:candidateStarterGroups="inspector">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Note" />
    <bpmn:userTask id="Task_Note" name="Note" camunda:formKey="slow_note"
                   camunda:candidateGroups="inspector" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Note" targetRef="Task_Slow" />
    <bpmn:serviceTask id="Task_Slow" name="Slow" camunda:type="external"
                      camunda:topic="test.slow" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Slow" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""
SLOW_FORMS = {"slow_note": {"type": "object", "properties": {"note": {"type": "string"}},
                            "required": ["note"], "additionalProperties": False}}


def _cheap_hasher() -> Any:
    from argon2 import PasswordHasher
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, Any]]:
    """A scratch schema with the bundled BPMN, the slow test process and the demo users."""
    with scratch_schema() as (url, db):
        rt = make_runtime(db, handler_modules=HANDLERS)
        seed_definitions(rt.engine)
        with write_transaction(db) as conn:
            rt.engine.deploy(conn, SLOW_BPMN, SLOW_FORMS, actor="tester", filename="slow.bpmn")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(users, "_hasher", _cheap_hasher())
            with write_transaction(db) as conn:
                demo.seed_demo(conn, datetime.now(UTC))
        yield {"url": url, "db": db, "engine": rt,
               "deferring": make_runtime(db, step_budget=0, handler_modules=HANDLERS)}


def _actor(db: sa.Engine, username: str) -> Any:
    with db.connect() as conn:
        return actor_for(conn, username)


def _report(database: dict[str, Any], count: int) -> list[tuple[int, int]]:
    """``count`` general hazards reported by the inspector: [(case id, triage task id)]."""
    engine, db = database["engine"], database["db"]
    inspector = _actor(db, "inspector")
    out = []
    for i in range(count):
        data = {"unit_code": "LA-JA-H01", "location": f"门诊楼{i}层消防通道",
                "category": "fire", "level": "general", "description": "消防通道堆放杂物",
                "photos_before": ["ev-before-1"], "source": "inspection"}
        case_id = int(cases.report_hazard(engine, inspector,
                                          with_uploads(engine, data, "inspector"))
                      ["case"].case_id)
        out.append((case_id, _open_task(db, case_id, "Task_Triage")))
    return out


def _open_task(db: sa.Engine, case_id: int, element: str) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.element_id == element,
            human_task.c.state == "open")).scalar_one())


def _open_elements(db: sa.Engine, case_id: int) -> list[str]:
    with db.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.select(human_task.c.element_id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")))


def _pending_outbox(db: sa.Engine, case_ids: list[int] | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
    if case_ids is not None:
        query = query.where(outbox.c.case_id.in_(case_ids))
    with db.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _chain_intact(db: sa.Engine, case_id: int) -> None:
    with db.connect() as conn:
        assert list(audit.verify(conn, case_id)) == []


# -- kill -9 ---------------------------------------------------------------------------------


@pytest.fixture
def killing(database: dict[str, Any], tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Redis db 14 emptied, a Celery client, and the environment of workers that run the
    slow step (60 s on its first attempt) and hand a dead worker's task on after 2 s."""
    redis_or_skip(BROKER)
    flush_redis(BROKER)
    instance = tmp_path / "instance"
    env = app_env(database["url"], instance, broker_url=BROKER, handler_modules=HANDLERS,
                  visibility_timeout_seconds=str(VISIBILITY))
    env.update({"HAZARDFLOW_TEST_SLOW_DIR": str(tmp_path), "HAZARDFLOW_TEST_SLOW_SECONDS": "60"})
    from hazardflow.worker import create_celery

    client = create_celery(load_settings(env={}, overrides={
        "database_url": database["url"], "broker_url": BROKER, "instance_path": str(instance)}))
    workers: list[Process] = []
    try:
        yield {"env": env, "client": client, "dir": tmp_path, "workers": workers}
    finally:
        for worker in workers:
            worker.stop()
        flush_redis(BROKER)


def _slow_step_left_for_a_worker(database: dict[str, Any]) -> int:
    """A case whose user task is done and whose slow service step waits in the outbox."""
    db = database["db"]
    inspector = _actor(db, "inspector")
    case_id = cases.start(database["engine"], inspector, "resilience_slow", {})["case"].case_id
    result = tasks.complete(database["deferring"], inspector,
                            _open_task(db, case_id, "Task_Note"), {"note": "go"})
    assert result.pending and _pending_outbox(db, [case_id]) == 1
    return int(case_id)


def _attempts(directory: Path, case_id: int) -> list[int]:
    path = slow_handlers.attempts_file(directory, case_id)
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _status(db: sa.Engine, case_id: int) -> str:
    with db.connect() as conn:
        return str(conn.execute(sa.select(process_case.c.status)
                                .where(process_case.c.id == case_id)).scalar_one())


def _assert_done_once(db: sa.Engine, case_id: int, attempts: list[int]) -> None:
    """Two attempts (the killed one and the redelivered one), one effect, a sound case."""
    assert len(attempts) == 2 and attempts[0] != attempts[1], attempts
    with db.connect() as conn:
        effects = conn.execute(sa.select(notification.c.body).where(
            notification.c.case_id == case_id, notification.c.kind == slow_handlers.KIND)).all()
        continues = conn.execute(sa.select(sa.func.count()).select_from(audit_event).where(
            audit_event.c.case_id == case_id, audit_event.c.action == "continue")).scalar_one()
        incidents = conn.execute(sa.select(sa.func.count()).select_from(incident).where(
            incident.c.case_id == case_id)).scalar_one()
    assert [body for (body,) in effects] == [f"ran in process {attempts[1]}"]
    assert continues == 1 and incidents == 0
    assert _status(db, case_id) == "completed"
    assert _pending_outbox(db, [case_id]) == 0
    _chain_intact(db, case_id)


def _dead(pid: int) -> bool:
    """Gone, or a zombie waiting for whoever adopted it to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _kill_mid_step(killing: dict[str, Any], case_id: int, worker: Process) -> int:
    """Queue the case, wait until the slow step runs, return the pid running it."""
    killing["client"].send_task("hazardflow.continue_case", [case_id])
    wait_for(lambda: len(_attempts(killing["dir"], case_id)) == 1, "the slow step to start",
             worker.log)
    time.sleep(0.5)  # well inside the step: its row is written, the transaction is open
    pid = _attempts(killing["dir"], case_id)[0]
    assert pid in worker.children(), (pid, worker.children())  # a pool process
    return pid


def test_a_pool_process_killed_mid_step_is_replaced_and_the_step_runs_once(
        database: dict[str, Any], killing: dict[str, Any]) -> None:
    db = database["db"]
    case_id = _slow_step_left_for_a_worker(database)
    worker = celery_worker(killing["env"], killing["dir"] / "worker.log", "kill-pool",
                           "--concurrency=1")
    killing["workers"].append(worker)
    wait_ready(worker)
    victim = _kill_mid_step(killing, case_id, worker)
    os.kill(victim, signal.SIGKILL)
    # the worker sees its pool process lost, requeues the message, a new process runs it
    wait_for(lambda: _status(db, case_id) == "completed", "the case to complete", worker.log)
    assert worker.alive()
    assert "WorkerLostError" in worker.text() or "SIGKILL" in worker.text()
    _assert_done_once(db, case_id, _attempts(killing["dir"], case_id))


def test_a_whole_worker_killed_mid_step_hands_the_task_to_another_worker(
        database: dict[str, Any], killing: dict[str, Any]) -> None:
    import redis

    db = database["db"]
    case_id = _slow_step_left_for_a_worker(database)
    first = celery_worker(killing["env"], killing["dir"] / "first.log", "kill-first",
                          "--concurrency=1")
    killing["workers"].append(first)
    wait_ready(first)
    victim = _kill_mid_step(killing, case_id, first)
    delivered = time.monotonic()
    first.kill_all()  # the machine dies: the worker and its pool processes at once
    wait_for(lambda: _dead(victim), "the pool process to die", first.log, seconds=10)
    broker = redis.Redis.from_url(BROKER)
    assert broker.hlen("unacked") == 1  # the message is still Redis's, unacknowledged
    assert _status(db, case_id) == "active" and _pending_outbox(db, [case_id]) == 1
    time.sleep(max(0.0, delivered + VISIBILITY + 0.5 - time.monotonic()))
    second = celery_worker(killing["env"], killing["dir"] / "second.log", "kill-second",
                           "--concurrency=1")
    killing["workers"].append(second)
    wait_ready(second)  # on start it restores messages unacknowledged for VISIBILITY seconds
    wait_for(lambda: _status(db, case_id) == "completed", "the case to complete",
             first.log, second.log)
    wait_for(lambda: broker.hlen("unacked") == 0, "the redelivered task's acknowledgement",
             second.log, seconds=10)
    broker.close()
    _assert_done_once(db, case_id, _attempts(killing["dir"], case_id))


# -- concurrent API completions through gunicorn --------------------------------------------


@pytest.fixture(scope="module")
def web(database: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn (2 gthread workers) on the scratch schema, embedded mode, scheduler off."""
    instance = tmp_path_factory.mktemp("web")
    port = free_port()
    server = gunicorn(app_env(database["url"], instance / "instance"), instance / "web.log", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _complete(base: str, headers: dict[str, str], task_id: int) -> Any:
    return lambda: http("POST", f"{base}/api/v1/tasks/{task_id}/complete", {"data": TRIAGE},
                        headers, timeout=60)


def test_fifty_concurrent_completions_of_fifty_tasks_are_all_applied(
        database: dict[str, Any], web: str) -> None:
    db = database["db"]
    reported = _report(database, 50)
    safety = sign_in(web, "safety", PASSWORD)
    results = race(*(_complete(web, safety, task_id) for _, task_id in reported))
    assert [r[0] if isinstance(r, tuple) else r for r in results] == [200] * 50
    for (case_id, _), (_, body) in zip(reported, results, strict=True):
        assert body["case"]["id"] == case_id
        assert _open_elements(db, case_id) == ["Task_Rectify"]
        _chain_intact(db, case_id)


def test_twenty_concurrent_completions_of_one_task_one_wins_the_rest_conflict(
        database: dict[str, Any], web: str) -> None:
    db = database["db"]
    [(case_id, task_id)] = _report(database, 1)
    safety = sign_in(web, "safety", PASSWORD)
    results = race(*(_complete(web, safety, task_id) for _ in range(20)))
    statuses = sorted(r[0] if isinstance(r, tuple) else repr(r) for r in results)
    assert statuses == [200] + [409] * 19, results
    assert all(body["error"] for status, body in results if status == 409)
    with db.connect() as conn:
        completions = conn.execute(sa.select(sa.func.count()).select_from(audit_event).where(
            audit_event.c.case_id == case_id, audit_event.c.action == "complete")).scalar_one()
    assert completions == 1
    assert _open_elements(db, case_id) == ["Task_Rectify"]
    _chain_intact(db, case_id)


# -- Redis stops and returns ------------------------------------------------------------------


def test_redis_crashes_and_returns_nothing_accepted_is_lost(
        database: dict[str, Any], tmp_path: Path) -> None:
    """A private redis-server (not the machine's): the web queues each completion's
    automatic steps (step budget 0), Redis dies with them, and the outbox brings them back."""
    db = database["db"]
    redis_server = RedisServer(free_port(), tmp_path / "redis.log").start()
    env = app_env(database["url"], tmp_path / "instance", broker_url=redis_server.url,
                  step_budget="0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server: Process | None = None
    worker: Process | None = None
    try:
        server = gunicorn(env, tmp_path / "web.log", port)
        (before_id, before_task), (during_id, during_task) = _report(database, 2)
        safety = sign_in(base, "safety", PASSWORD)
        assert http("GET", f"{base}/readyz")[0] == 200

        status, body = _complete(base, safety, before_task)()
        assert status == 200 and body["case"]["pending"], body
        import redis

        assert redis.Redis.from_url(redis_server.url).llen("hazardflow") == 1  # queued
        redis_server.crash()  # without persistence: the queued task is gone

        for path in ("/api/v1/hazards", "/api/v1/tasks?view=groups", f"/api/v1/cases/{before_id}"):
            assert http("GET", base + path, headers=safety)[0] == 200, path
        started = time.monotonic()
        status, ready = http("GET", f"{base}/readyz")
        assert status == 503 and ready["database"] == "ok", ready
        assert ready["broker"].startswith("unreachable"), ready
        assert time.monotonic() - started < 10
        started = time.monotonic()
        status, body = _complete(base, safety, during_task)()
        accept_seconds = time.monotonic() - started
        assert status == 200 and body["case"]["pending"], body
        assert accept_seconds < 10, accept_seconds
        with db.connect() as conn:
            states = dict(conn.execute(sa.select(human_task.c.id, human_task.c.state).where(
                human_task.c.id.in_([before_task, during_task]))).all())
        assert states == {before_task: "completed", during_task: "completed"}
        assert _pending_outbox(db, [before_id, during_id]) == 2  # the work waits in PostgreSQL

        redis_server.start()  # empty, on the same port
        wait_for(lambda: http("GET", f"{base}/readyz")[0] == 200, "/readyz to recover",
                 tmp_path / "web.log", seconds=15)
        worker = celery_worker(env, tmp_path / "worker.log", "after-outage", "--concurrency=2")
        wait_ready(worker)
        from hazardflow.worker import create_celery

        client = create_celery(load_settings(env={}, overrides={
            "database_url": database["url"], "broker_url": redis_server.url,
            "instance_path": str(tmp_path / "instance")}))
        client.send_task("hazardflow.sweep")  # what beat does every few seconds
        wait_for(lambda: _pending_outbox(db, [before_id, during_id]) == 0,
                 "the sweep to drain the outbox", worker.log)
        for case_id in (before_id, during_id):
            assert _open_elements(db, case_id) == ["Task_Rectify"], case_id
            _chain_intact(db, case_id)
    finally:
        if worker is not None:
            worker.stop()
        if server is not None:
            server.stop()
        redis_server.process.stop(grace=5)
