"""The case serializer under threads: a gunicorn worker serializes cases in two request
threads (and the scheduler's) at once. SpiffWorkflow's registry switches itself into an
encoder mode for the length of a dump; each thread has its own, so one thread's dump neither
ends another's nor changes what a migration's conversion in another thread gets."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from hazardflow.bench.engine import ORDER, RawRunner, _files
from hazardflow.engine.serializer import CaseSerializer

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def test_a_dump_in_one_thread_leaves_another_threads_registry_as_it_was() -> None:
    runner = RawRunner(_files()[0])
    workflow = runner.start()
    runner.complete(workflow, "Task_Order", {**ORDER, "ordered_at": AT})
    serializer = CaseSerializer()
    serializer.registry._encoder_mode = True  # a dump in progress in this thread
    seen: dict[str, Any] = {}

    def other() -> None:
        seen["converted"] = serializer.registry.convert({"at": AT})  # a migration's rebind
        blob = serializer.dumps(workflow)
        restored = serializer.loads(blob, runner.spec, runner.subs, runner.script_engine)
        seen["data"] = restored.get_next_task(spec_name="Task_Rectify").data

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen["converted"] == {"at": {"typename": "datetime", "value": AT.isoformat()}}
    assert seen["data"]["ordered_at"] == AT and seen["data"]["deadline"] == ORDER["deadline"]
    assert serializer.registry._encoder_mode is True  # the other thread's dump did not end it
    serializer.registry._encoder_mode = False
