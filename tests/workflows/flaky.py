"""A service-task handler that fails for the cases whose ``station`` is out of service.

Loaded through ``build_engine(handler_modules="tests.workflows.flaky")``, the way an
installation adds topics; the tests repair stations between retries.
"""

from __future__ import annotations

from typing import Any

from hazardflow.engine import HandlerRegistry, ServiceCall

OUT_OF_SERVICE: set[str] = set()


def call_station(call: ServiceCall) -> dict[str, Any]:
    station = str(call.data.get("station"))
    if station in OUT_OF_SERVICE:
        raise RuntimeError(f"station {station} does not answer")
    return {"answer": f"ok from {station}"}


def register_handlers(registry: HandlerRegistry) -> None:
    registry.register("test.flaky", call_station, ("answer",))
