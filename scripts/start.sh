#!/usr/bin/env bash
# The README's first command: set up and start hazardflow on its embedded default
# (SQLite in ./instance, timers swept in-process) with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q .  # a plain install: no setuptools warning to read
bash scripts/system-packages.sh  # CJK fonts for the printable documents
exec .venv/bin/hazardflow serve --demo --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
