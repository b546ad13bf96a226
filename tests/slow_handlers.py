"""A service-task topic for the resilience tests, loaded with HAZARDFLOW_HANDLER_MODULES.

``test.slow`` records each attempt (one line with its process id in
``$HAZARDFLOW_TEST_SLOW_DIR/case-<id>.attempts``, written outside the transaction), then
inserts one ``notification`` row in the step's transaction — its effect — and, on the first
attempt only, sleeps ``$HAZARDFLOW_TEST_SLOW_SECONDS``: long enough to be killed mid-step.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import sqlalchemy as sa

from hazardflow.engine.services import HandlerRegistry, ServiceCall
from hazardflow.workflows.schema import notification

TOPIC = "test.slow"
KIND = "test_slow"


def attempts_file(directory: Path | str, case_id: int) -> Path:
    return Path(directory) / f"case-{case_id}.attempts"


def slow(call: ServiceCall) -> None:
    directory = os.environ.get("HAZARDFLOW_TEST_SLOW_DIR")
    first = True
    if directory:
        path = attempts_file(directory, call.case_id)
        first = not path.exists()
        with path.open("a") as out:
            out.write(f"{os.getpid()}\n")
    call.conn.execute(sa.insert(notification).values(
        role="inspector", case_id=call.case_id, kind=KIND, title="slow step",
        body=f"ran in process {os.getpid()}", created_at=call.now))
    if first:
        time.sleep(float(os.environ.get("HAZARDFLOW_TEST_SLOW_SECONDS", "0")))


def register_handlers(registry: HandlerRegistry) -> None:
    registry.register(TOPIC, slow)
