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
worker_class: str = "gthread"
threads: int = 4
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
