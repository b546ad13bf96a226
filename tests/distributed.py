"""Real parts for the distributed-mode tests: a scratch PostgreSQL schema, Redis, `celery
worker` and `gunicorn` subprocesses, and a private `redis-server` that a test may stop.

Every subprocess runs in its own session (process group), so that stopping it also stops its
children (Celery's pool processes, gunicorn's workers), even after the parent was killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from .conftest import PG_URL, REQUIRE_SERVICES, pg_schema_url, postgres_or_skip

ROOT = Path(__file__).resolve().parents[1]  # the repository: `tests.*` imports from here


def redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis at {url} is unreachable: {exc} (required here)")
        pytest.skip(f"!!! SKIPPING DISTRIBUTED TESTS: Redis at {url} is unreachable: {exc}")


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def scratch_schema() -> Iterator[tuple[str, sa.Engine]]:
    """A new PostgreSQL schema migrated to head: ``(database_url, engine)``; dropped after."""
    from hazardflow.db import upgrade
    from hazardflow.engine.db import make_engine

    postgres_or_skip()
    schema, url = pg_schema_url()
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{url}?options=-csearch_path%3D{schema}"
    db = make_engine(database_url)
    try:
        upgrade(db)
        yield database_url, db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def wait_for(check: Callable[[], bool], what: str, *logs: Path, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {log}:\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"timed out after {seconds} s waiting for {what}\n{tails}")


@dataclass
class Process:
    """A subprocess in its own session, with its output in ``log``."""

    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.pid)], capture_output=True, text=True)
        return [int(p) for p in found.stdout.split()]

    def kill_all(self) -> None:
        """SIGKILL the whole process group at once, as a crashed machine would."""
        if self.popen is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=10)

    def stop(self, grace: float = 15) -> None:
        """SIGTERM the group, then SIGKILL whatever is left after ``grace`` seconds."""
        if self.popen is None:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        try:  # the group: pool processes may outlive their parent
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck process
            pass

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def app_env(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """The environment of an app process: ``HAZARDFLOW_*`` from ``settings`` (lower-case
    names), the scheduler off, nothing inherited from this shell's HAZARDFLOW_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDFLOW_")}
    env.update({"HAZARDFLOW_DATABASE_URL": database_url, "HAZARDFLOW_INSTANCE_PATH": str(instance),
                "HAZARDFLOW_SCHEDULER": "false", "PYTHONUNBUFFERED": "1"})
    env.update({"HAZARDFLOW_" + k.upper(): v for k, v in settings.items()})
    return env


def celery_worker(env: dict[str, str], log: Path, name: str, *extra: str) -> Process:
    """A started `celery worker`; call ``wait_ready`` before relying on it."""
    return Process([sys.executable, "-m", "celery", "-A", "hazardflow.worker", "worker",
                    "--loglevel=INFO", "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "-n", f"{name}@%h", *extra], env, log).start()


def wait_ready(worker: Process, seconds: float = 30) -> None:
    wait_for(lambda: " ready." in worker.text() or not worker.alive(), "the worker to start",
             worker.log, seconds=seconds)
    assert worker.alive(), worker.text()[-3000:]


def gunicorn(env: dict[str, str], log: Path, port: int, workers: int = 2) -> Process:
    """A started gunicorn with the project's config (gthread) on 127.0.0.1:``port``,
    answering /healthz when this returns."""
    proc = Process([sys.executable, "-m", "gunicorn", "-c", "python:hazardflow.gunicorn_conf",
                    "-b", f"127.0.0.1:{port}", "-w", str(workers), "--access-logfile", "-",
                    "--no-control-socket",  # gunicorn 27's one per user would be shared
                    "hazardflow.wsgi:app"], env, log).start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(base) or not proc.alive(), "gunicorn to answer /healthz",
                 log, seconds=30)
        assert proc.alive(), proc.text()[-3000:]
    except BaseException:
        proc.stop()
        raise
    return proc


def _healthy(base: str) -> bool:
    try:
        return http("GET", f"{base}/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, Any]:
    """``(status, parsed JSON body or raw text)``; HTTP errors are answers, not exceptions."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    status, body = http("POST", f"{base}/api/v1/auth/token",
                        {"username": username, "password": password})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['token']}"}


class RedisServer:
    """A private `redis-server` without persistence on ``port``: a test may stop it (losing
    everything queued, as a crashed Redis would) and start it again on the same port."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = Process(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"], dict(os.environ), log)

    def start(self) -> RedisServer:
        if shutil.which("redis-server") is None:
            if REQUIRE_SERVICES:
                pytest.fail("redis-server is not installed (required here)")
            pytest.skip("!!! SKIPPING: redis-server is not installed")
        self.process.start()
        wait_for(self.ping, "redis-server to answer", self.process.log, seconds=10)
        return self

    def crash(self) -> None:
        self.process.kill_all()

    def ping(self) -> bool:
        import redis

        try:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:
            return False
