"""gunicorn settings for the web processes: ``gunicorn -c python:hazardflow.gunicorn_conf
hazardflow.wsgi:app`` (the Docker image's default command).

Read from the environment: ``PORT`` (default 8000), ``WEB_CONCURRENCY`` (worker processes;
default 2 x CPUs + 1, at most 8, since each holds its own database pool) and
``FORWARDED_ALLOW_IPS`` (proxies trusted for X-Forwarded-Proto; default loopback only).
Every public name here is a gunicorn setting; the app's own settings stay HAZARDFLOW_*.
"""

from __future__ import annotations

import os

MAX_DEFAULT_WORKERS = 8


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}={raw!r} is not a positive whole number")
    return int(raw)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this container may use
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind: str = f"0.0.0.0:{_positive_int('PORT', 8000)}"  # all interfaces: in a container
workers: int = _positive_int("WEB_CONCURRENCY", min(2 * _cpus() + 1, MAX_DEFAULT_WORKERS))
# The worker model, measured with `hazardflow bench api` (PostgreSQL, 8 clients; README,
# Benchmark). A step is CPU-bound Python, so within one process the GIL runs one step at a
# time: the CPU is carried by processes (2 x CPUs + 1), not threads. About a third of a step
# waits on PostgreSQL, and a sync worker gives a whole process to each connection (no
# keep-alive; a slow client blocks it), so gthread: a few threads per process overlap those
# waits. How many decides the tail: a thread that has sent a statement waits for the GIL
# again after each of the step's ~30 round trips while the others run, so with four threads
# the slowest steps queued behind all of them (p99 224-380 ms at 8 clients, 2 workers, over
# eight runs) where two threads kept it at 169-260 ms (eight runs), throughput within the
# machine's swing. (gunicorn runs a ``sync`` worker with threads as gthread: sync means 1.)
worker_class: str = "gthread"
# Each process has its own SQLAlchemy pool (QueuePool: 5 connections kept, 10 more on
# demand): up to 5 threads each request uses a kept connection (beyond, the pool opens
# short-lived extra ones); the database sees at most workers x 15 connections (8 x 15 = 120
# with the default cap).
# ``GUNICORN_CMD_ARGS="--threads N"`` overrides it, as for any gunicorn setting.
threads: int = 2
timeout: int = 60
graceful_timeout: int = 30
keepalive: int = 5
accesslog: str = "-"
errorlog: str = "-"
forwarded_allow_ips: str = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# heartbeat files in memory, not on the container's overlay filesystem
worker_tmp_dir: str | None = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two
# servers under one user would share it. The app needs none.
control_socket_disable: bool = True
