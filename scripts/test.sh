#!/usr/bin/env bash
# The README's second command: install what the tests need, then lint, type-check and test.
# PostgreSQL and Redis are real here; the suite fails (not skips) without them when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# strict editable mode links each file, so mypy and pytest see one `hazardflow` package
.venv/bin/python -m pip install -q -e '.[test]' --config-settings editable_mode=strict

bash scripts/services.sh
bash scripts/system-packages.sh --browser

export HAZARDFLOW_REQUIRE_SERVICES=${HAZARDFLOW_REQUIRE_SERVICES:-1}
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
# two processes (the machine's two cores), a file's tests together in one: the Celery and
# resilience suites each own a Redis database, and the web suites keep a template per process
.venv/bin/python -m pytest -n "${HAZARDFLOW_TEST_PROCESSES:-2}" --dist loadfile "$@"
