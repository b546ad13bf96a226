"""The stepper tells an optional observer how long each step took, per process key (the
runtime's metrics); the engine itself knows nothing of Prometheus."""

from __future__ import annotations

from hazardflow.engine import Engine

from .conftest import Calls
from .support import CLERK, REVIEWER
from .test_cases import open_task


def test_every_step_is_observed_with_its_process_key_failed_ones_too(engine: Engine,
                                                                     calls: Calls) -> None:
    seen: list[tuple[str, float]] = []
    engine.stepper.on_step = lambda key, seconds: seen.append((key, seconds))
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    assert [key for key, _ in seen] == ["review"]
    calls.fail_record = True
    failed = engine.complete_task(open_task(engine, case.case_id), REVIEWER,
                                  {"decision": "approve"})
    assert failed.status == "incident"
    assert [key for key, _ in seen] == ["review", "review"]
    assert all(0 <= seconds < 60 for _, seconds in seen)


def test_an_observer_that_fails_never_fails_the_step(engine: Engine) -> None:
    def broken(key: str, seconds: float) -> None:
        raise RuntimeError("metrics backend is down")

    engine.stepper.on_step = broken
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    assert case.status == "active"
    assert open_task(engine, case.case_id)
