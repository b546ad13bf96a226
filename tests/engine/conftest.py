from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Engine, FixedClock, HandlerRegistry, ServiceCall
from tests.autocommit import autocommit

from .support import T0, UnitResolver, bpmn_bytes, load_forms


class Calls:
    def __init__(self) -> None:
        self.remind: list[ServiceCall] = []
        self.record: list[ServiceCall] = []
        self.fail_record = False


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def handlers(calls: Calls) -> HandlerRegistry:
    registry = HandlerRegistry()

    def remind(call: ServiceCall) -> None:
        calls.remind.append(call)

    def record(call: ServiceCall) -> dict[str, Any]:
        if calls.fail_record:
            raise RuntimeError("record service is down")
        calls.record.append(call)
        return {"record_no": len(calls.record)}

    registry.register("test.remind", remind)
    registry.register("test.record", record, outputs=("record_no",))
    return registry


EngineFactory = Callable[..., Engine]


@pytest.fixture
def make_engine(db: sa.Engine, clock: FixedClock, handlers: HandlerRegistry) -> EngineFactory:
    def make(**kwargs: Any) -> Engine:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("handlers", handlers)
        engine: Engine = autocommit(Engine(db, resolver=UnitResolver(), **kwargs))
        return engine
    return make


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    eng = make_engine()
    eng.deploy(bpmn_bytes(), load_forms(), actor="designer")
    return eng


