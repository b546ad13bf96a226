#!/usr/bin/env bash
# Make sure the local PostgreSQL and Redis the tests use are up; start them if they are down.
set -uo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up && echo "PostgreSQL: up" || echo "!!! PostgreSQL is not reachable on 127.0.0.1:5432"
# The scratch database `test` does not wait for each commit's WAL flush: a crash of the
# server could lose a test run's last commits, nothing else (every connection the tests open,
# gunicorn's and Celery's included, inherits it). Measured: the PostgreSQL half of
# tests/workflows/test_escalation.py 57.5 / 64.8 s → 49.9 / 56.9 s (interleaved).
if pg_up && command -v psql >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d test -qc \
    "ALTER DATABASE test SET synchronous_commit = off" >/dev/null 2>&1 || true
fi

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
fi
redis_up && echo "Redis: up" || echo "!!! Redis is not reachable on 127.0.0.1:6379"
exit 0
