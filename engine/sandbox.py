"""SpiffWorkflow's expression environment, with Python's ``eval`` and ``exec`` replaced.

SpiffWorkflow evaluates text in two ways: through ``script_engine.evaluate`` (conditions,
timers, multi-instance cardinality, message payloads...) and, in a few places, by calling
``script_engine.environment.evaluate`` directly (correlation retrieval expressions, an
ad-hoc sub-process's completion condition and the conditions it re-checks). The default
environment is plain ``eval``/``exec`` over task data. :class:`SandboxEnvironment` sends
every one of those calls to the whitelisting :class:`~.expressions.Evaluator` and refuses
scripts outright, so no element of a diagram can reach Python, whichever path evaluates it.
``tests/engine/test_sandbox_sites.py`` keeps the list of those paths honest.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment

from .errors import ExpressionError
from .expressions import Evaluator, unwrap

MAX_INSTANCES = 500  # a multi-instance activity's cardinality may not exceed this


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions with the safe evaluator; never runs a script."""

    def __init__(self, evaluator: Evaluator) -> None:
        super().__init__({})
        self.evaluator = evaluator

    def evaluate(self, expression: Any, context: Any, external_context: Any = None) -> Any:
        """Task (or workflow) data first, then SpiffWorkflow's data objects, as its own
        environment layers them."""
        if not isinstance(expression, str):
            raise ExpressionError("该元素没有可计算的表达式 (the element has no expression to "
                                  "evaluate)")
        data: Mapping[str, Any] = ChainMap(context, external_context) \
            if external_context else context
        return self.evaluator.evaluate(unwrap(expression), data)

    def execute(self, script: Any, context: Any, external_context: Any = None) -> bool:
        raise ExpressionError("不允许脚本，请改用带 camunda:topic 的服务任务 (scripts are not "
                              "allowed; use a service task with camunda:topic)")

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise ExpressionError("服务只能通过引擎登记的处理程序调用 (services are called "
                              "through the engine's registered handlers)")
