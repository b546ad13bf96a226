"""No diagram can run code: every text SpiffWorkflow evaluates goes through the sandbox.

Before the sandbox, a correlation property's messagePath holding
``__import__('os').system(...)`` passed deploy and ran when a message was caught, because
SpiffWorkflow evaluates correlations through its script engine's *environment*, which was
plain Python ``eval``.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    CorrelationProperty,
    MessageEventDefinition,
)

from hazardflow.engine import DeploymentError, HandlerRegistry
from hazardflow.engine.errors import ExpressionError
from hazardflow.engine.expression_functions import default_functions
from hazardflow.engine.expressions import Evaluator
from hazardflow.engine.services import SafeScriptEngine

from .support import bpmn_bytes, load_forms


def _script_engine() -> SafeScriptEngine:
    return SafeScriptEngine(Evaluator(default_functions(ZoneInfo("Asia/Shanghai"))),
                            HandlerRegistry())


def _with_correlation(message_path: str) -> bytes:
    prop = ('<bpmn:correlationProperty id="CP_Hazard" name="hazard">\n'
            '    <bpmn:correlationPropertyRetrievalExpression messageRef="Message_Cancel">\n'
            f"      <bpmn:messagePath>{message_path}</bpmn:messagePath>\n"
            "    </bpmn:correlationPropertyRetrievalExpression>\n"
            "  </bpmn:correlationProperty>\n  <bpmn:process ")
    return bpmn_bytes("parallel.bpmn").replace(b"<bpmn:process ", prop.encode(), 1)


def test_a_correlation_message_path_holding_python_is_refused_at_deploy(
        make_engine, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    bpmn = _with_correlation(f"__import__('os').system('touch {marker}')")
    with pytest.raises(DeploymentError) as info:
        make_engine().deploy(bpmn, load_forms(), actor="designer")
    detail = next(d for d in info.value.details if d.element == "CP_Hazard")
    assert detail.line is not None and "messagePath" in detail.message
    assert not marker.exists()


def test_a_correlation_spiffworkflow_evaluates_never_reaches_python(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    engine = _script_engine()
    prop = CorrelationProperty("hazard", f"__import__('os').system('touch {marker}')", ["k"])
    with pytest.raises(ExpressionError):
        MessageEventDefinition("cancel").calculate_correlations(engine, [prop], {})
    with pytest.raises(ExpressionError):
        engine.environment.execute(f"open('{marker}', 'w')", {})
    assert not marker.exists()
    assert MessageEventDefinition("cancel").calculate_correlations(
        engine, [CorrelationProperty("hazard", "payload['id']", ["k"])],
        {"payload": {"id": 7}}) == {"k": {"hazard": 7}}
