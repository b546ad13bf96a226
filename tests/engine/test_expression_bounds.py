"""Work is bounded before it is done: a hostile expression is refused fast, before the
value it asks for exists.

Before, ``'%0100000000d' % 1`` built a 100-million-character string and only then failed
the size check; nested repetition, ``str()``/``max()`` over it and ``round(x, -n)`` did
seconds of work.
"""

from __future__ import annotations

import time
import tracemalloc
from zoneinfo import ZoneInfo

import pytest

from hazardflow.engine.errors import ExpressionError
from hazardflow.engine.expression_functions import default_functions
from hazardflow.engine.expressions import Evaluator


@pytest.fixture
def ev() -> Evaluator:
    return Evaluator(default_functions(ZoneInfo("Asia/Shanghai")))


@pytest.mark.parametrize("source", [
    # % formatting: numbers only, so no width or precision ever builds text
    "'%0100000000d' % 1",
    "'%.100000000f' % 1.0",
    "'%*d' % (100000000, 1)",
    "'%s' % s",
    # repetition, by value and by reference
    "'a' * 10 ** 9",
    "[0] * 10 ** 9",
    "(0,) * 10 ** 9",
    "s * 2",
    "[[0] * 10000] * 10000 == [[0] * 10000] * 10000",
    "str([[0] * 5000] * 5000)",
    "max([[0] * 10000] * 10000)",
    "min([[0] * 10000] * 10000)",
    "len([[0] * 10000] * 10000)",
    "{1: [0] * 10000, 2: [0] * 10000}",
    "[[0] * 10000, [0] * 10000]",
    # numbers
    "9 ** 9 ** 9",
    "round(1, -(10 ** 6))",
    "round(1.5, 10 ** 9)",
    "int('9' * 4000)",
    "float('1' * 5000)",
    "int(1e300)",
    "10 ** 64 * 10 ** 64",
])
def test_an_expression_that_would_explode_is_refused_before_it_is_built(
        ev: Evaluator, source: str) -> None:
    data = {"s": "a" * 60_000}
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ExpressionError):
            ev.evaluate(source, data)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.1
    assert peak < 5_000_000


def test_the_bounded_functions_still_do_their_ordinary_work(ev: Evaluator) -> None:
    assert ev.evaluate("7 % 3 + 7.5 % 2", {}) == 2.5
    assert ev.evaluate("round(2.345, 2)", {}) == 2.35
    assert ev.evaluate("round(1234, -2)", {}) == 1200
    assert ev.evaluate("round(2.5)", {}) == 2
    assert ev.evaluate("int('42') + int(' 7 ') + int(3.9) + int('ff', 16)", {}) == 307
    assert ev.evaluate("float('1.5') + float(2)", {}) == 3.5
    assert ev.evaluate("str(12) + str(None)", {}) == "12None"
    assert ev.evaluate("max(1, 2) + min([3, 4]) + len([0] * 10000)", {}) == 10005
    assert ev.evaluate("'ab' * 3", {}) == "ababab"
    assert ev.evaluate("{'a': [1, 2]}['a'][1]", {}) == 2


def test_a_missing_expression_is_an_expression_error(ev: Evaluator) -> None:
    with pytest.raises(ExpressionError):
        ev.evaluate(None, {})  # type: ignore[arg-type]
    with pytest.raises(ExpressionError):
        ev.evaluate("f(**x)", {})
    with pytest.raises(ExpressionError):
        ev.evaluate("{**x}", {})
