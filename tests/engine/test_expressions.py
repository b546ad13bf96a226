"""The one evaluator: safe by construction, bounded, and what Camunda's panel writes works."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from hazardflow.engine.errors import ExpressionError
from hazardflow.engine.expression_functions import default_functions
from hazardflow.engine.expressions import (
    Evaluator,
    names_in,
    timer_source,
    unwrap,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ev() -> Evaluator:
    return Evaluator(default_functions(SHANGHAI))


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "().__class__.__base__.__subclasses__()",
    "x.__class__",
    "x.upper()",
    "[a for a in range(3)]",
    "(lambda: 1)()",
    "open('/etc/passwd')",
    "getattr(x, '__class__')",
    "x[1:2]",
])
def test_python_internals_are_out_of_reach(ev: Evaluator, source: str) -> None:
    with pytest.raises(ExpressionError):
        ev.check(source)
        ev.evaluate(source, {"x": "abc"})


@pytest.mark.parametrize("source", [
    "9 ** (3 * 10 ** 6)", "2 ** 10000", "'a' * 10 ** 9", "[0] * 10 ** 9",
    "x * x * x * x * x * x", "s + s",
])
def test_values_that_would_explode_are_refused_before_they_are_built(ev: Evaluator,
                                                                     source: str) -> None:
    with pytest.raises(ExpressionError):
        ev.evaluate(source, {"x": 10 ** 70, "s": "a" * 60_000})


def test_conditions_read_case_variables_and_missing_ones_are_none(ev: Evaluator) -> None:
    data = {"level": "major", "count": 3, "tags": ["fire"]}
    assert ev.evaluate('level == "major" and count > 2', data) is True
    assert ev.evaluate('"fire" in tags and not closed', data) is True
    assert ev.evaluate("verify_result is None", data) is True
    assert ev.evaluate("'a' if count > 5 else 'b'", data) == "b"
    assert ev.evaluate("len(tags) + 1", data) == 2


def test_names_in_lists_variables_not_functions() -> None:
    assert names_in('add_days(deadline, -3) == x') == {"deadline", "x"}


def test_camunda_wrapping_and_bare_iso_literals() -> None:
    assert unwrap("${a == 1}") == "a == 1"
    assert timer_source("P7D") == "'P7D'"
    assert timer_source("2026-12-24") == "'2026-12-24'"
    assert timer_source("${deadline}") == "deadline"


def test_a_date_timer_means_the_end_of_that_day_in_china(ev: Evaluator) -> None:
    assert ev.evaluate("timer_value(d)", {"d": "2026-11-20"}) == "2026-11-21T00:00:00+08:00"
    assert ev.evaluate("timer_value(add_days(d, -3))", {"d": "2026-11-20"}) == \
        "2026-11-18T00:00:00+08:00"
    assert ev.evaluate("timer_value('2026-12-01T09:00')", {}) == "2026-12-01T09:00:00+08:00"
    assert ev.evaluate("timer_value('P3D')", {}) == "P3D"


@pytest.mark.parametrize("bad", ["'7 days'", "'P7X'", "42", "'2026-13-01'"])
def test_a_bad_timer_value_is_refused_with_a_hint(ev: Evaluator, bad: str) -> None:
    with pytest.raises(ExpressionError):
        ev.evaluate(f"timer_value({bad})", {})


def test_add_days_refuses_nonsense(ev: Evaluator) -> None:
    with pytest.raises(ExpressionError):
        ev.evaluate("add_days('2026-01-01', 10 ** 9)", {})
    with pytest.raises(ExpressionError):
        ev.evaluate("add_days('not a date', 1)", {})
