"""Every place in the installed SpiffWorkflow that could evaluate text, reviewed.

The test greps the package for ``eval(``, ``exec(``, ``compile(``, ``__import__(``,
``.environment`` and ``.evaluate(`` / ``.execute(`` / ``script_engine.call_service`` and
compares what it finds with the list below. A SpiffWorkflow upgrade that adds a site fails
here until someone has read it and said how it is routed into the sandbox (or why it can
never run); a site that disappears fails too, so the list never claims more than is there.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import SpiffWorkflow

from hazardflow.engine import HandlerRegistry
from hazardflow.engine.errors import ExpressionError
from hazardflow.engine.expression_functions import default_functions
from hazardflow.engine.expressions import Evaluator
from hazardflow.engine.sandbox import SandboxEnvironment
from hazardflow.engine.services import SafeScriptEngine

PACKAGE = Path(SpiffWorkflow.__file__).parent
SITE = re.compile(r"\b(eval|exec|compile|__import__)\(|\.environment\b"
                  r"|\.(evaluate|execute)\(|script_engine\.call_service\b")

ENGINE = "through SafeScriptEngine.evaluate, which hands it to SandboxEnvironment"
ENVIRONMENT = "calls script_engine.environment directly: that is SandboxEnvironment"
SPIFF = ("spiff/ package: only SpiffBpmnParser builds these specs and hazardflow parses with "
         "HfParser (Camunda); were it reached, it still goes " + ENGINE)
DMN = ("DMN: needs a decision table, and deploy takes one BPMN file only (a businessRuleTask "
       "fails to parse without one); were it reached, it still goes " + ENGINE)

# (file inside the package, the line as it reads there, how it is routed or why unreachable)
KNOWN_SITES: list[tuple[str, str, str]] = [
    # -- conditions, timers, multi-instance, message payloads: script_engine.evaluate
    ("bpmn/specs/bpmn_task_spec.py",
     "return task.workflow.script_engine.evaluate(task, self.args[0], "
     "external_context=task.workflow.data_objects)",
     "sequence-flow conditions of exclusive/inclusive gateways: " + ENGINE),
    ("bpmn/specs/event_definitions/conditional.py",
     "has_fired=my_task.workflow.script_engine.evaluate(my_task, self.expression, "
     "external_context=my_task.workflow.data_objects)",
     "conditional events: " + ENGINE),
    ("bpmn/specs/event_definitions/timer.py",
     "event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)",
     "timeDate, wrapped in timer_value(...) by parser.rewrite_timers: " + ENGINE),
    ("bpmn/specs/event_definitions/timer.py",
     "expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)",
     "timeDuration: " + ENGINE),
    ("bpmn/specs/event_definitions/timer.py",
     "expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)",
     "timeCycle: " + ENGINE),
    ("bpmn/specs/mixins/multiinstance_task.py",
     "cond_complete = self.condition is not None and not "
     "my_task.workflow.script_engine.evaluate(my_task, self.condition)",
     "standard loop condition: " + ENGINE),
    ("bpmn/specs/mixins/multiinstance_task.py",
     "return my_task.workflow.script_engine.evaluate(last_child, self.condition)",
     "multi-instance completion condition: " + ENGINE),
    ("bpmn/specs/mixins/multiinstance_task.py",
     "my_task.internal_data['cardinality'] = "
     "my_task.workflow.script_engine.evaluate(my_task, self.cardinality)",
     "multi-instance cardinality: " + ENGINE + " (and capped at MAX_INSTANCES)"),
    ("bpmn/specs/mixins/multiinstance_task.py",
     "cardinality = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)",
     "sequential multi-instance cardinality: " + ENGINE + " (capped)"),
    ("camunda/specs/multiinstance_task.py",
     "cardinality = my_task.workflow.script_engine.evaluate(my_task, task_spec.cardinality)",
     "Camunda multi-instance cardinality: " + ENGINE + " (capped)"),
    ("camunda/specs/event_definitions.py",
     "result = my_task.workflow.script_engine.evaluate(my_task, self.expression)",
     "a thrown message's camunda:expression payload: " + ENGINE),
    # -- scripts: refused at deploy, and execute() raises
    ("bpmn/specs/mixins/script_task.py",
     "return task.workflow.script_engine.execute(task, self.script)",
     "script tasks: refused at deploy; SafeScriptEngine.execute raises"),
    # -- the environment, called directly
    ("bpmn/specs/event_definitions/message.py",
     "value = script_engine.environment.evaluate(prop.retrieval_expression, ctx)",
     "correlation retrieval expressions (messagePath): " + ENVIRONMENT),
    ("bpmn/specs/bpmn_process_spec.py",
     "if workflow.script_engine.environment.evaluate(self.completion_condition, "
     "workflow.data):",
     "an ad-hoc sub-process's completion condition: " + ENVIRONMENT),
    ("bpmn/specs/bpmn_process_spec.py",
     "return workflow.script_engine.environment.evaluate(cond, workflow.data, "
     "external_context=workflow.data_objects)",
     "the conditions an ad-hoc sub-process re-checks: " + ENVIRONMENT),
    # -- the script engine's own plumbing
    ("bpmn/script_engine/python_engine.py",
     "If you are uncomfortable with the use of eval() and exec, then you should",
     "a docstring"),
    ("bpmn/script_engine/python_engine.py",
     "self.environment = environment or TaskDataEnvironment()",
     "SafeScriptEngine passes a SandboxEnvironment, so the default is never built"),
    ("bpmn/script_engine/python_engine.py",
     "return self.environment.evaluate(expression, task.data, external_context)",
     "PythonScriptEngine.evaluate: overridden by SafeScriptEngine (and the environment "
     "is SandboxEnvironment anyway)"),
    ("bpmn/script_engine/python_engine.py",
     "return self.environment.execute(script, task.data, external_context or {})",
     "PythonScriptEngine.execute: overridden (raises); SandboxEnvironment.execute raises"),
    ("bpmn/script_engine/python_engine.py",
     "return self.environment.call_service(task.data, **kwargs)",
     "PythonScriptEngine.call_service: overridden to call registered handlers only"),
    ("bpmn/script_engine/python_environment.py",
     "return eval(expression, my_globals)",
     "TaskDataEnvironment.evaluate: the default environment, which SafeScriptEngine "
     "replaces; SandboxEnvironment derives from the base class, not from this one"),
    ("bpmn/script_engine/python_environment.py",
     "exec(script, context)",
     "TaskDataEnvironment.execute: replaced the same way"),
    # -- Spiff extensions: not parsed by hazardflow
    ("spiff/specs/mixins/service_task.py",
     "'value': task.workflow.script_engine.evaluate(task=task, expression=param['value']),",
     SPIFF),
    ("spiff/specs/mixins/service_task.py",
     "result = task.workflow.script_engine.call_service(",
     SPIFF + "; SafeScriptEngine.call_service runs registered handlers only"),
    ("spiff/specs/spiff_task.py",
     "my_task.workflow.script_engine.execute(my_task, script)",
     "spiffworkflow:preScript/postScript: " + SPIFF.split(";")[0] + "; execute raises"),
    ("spiff/specs/event_definitions.py",
     "payload = my_task.workflow.script_engine.evaluate(my_task, self.expression)",
     "Spiff message payload: " + SPIFF),
    ("spiff/specs/event_definitions.py",
     "payload = my_task.workflow.script_engine.evaluate(my_task, self.expression)",
     "Spiff signal/error payload: " + SPIFF),
    # -- DMN
    ("dmn/specs/model.py",
     "outvalue = script_engine.evaluate(task, outputEntry.text)", DMN),
    ("dmn/engine/DMNEngine.py",
     "if not self.evaluate(input_val, lhs, task):", DMN),
    ("dmn/engine/DMNEngine.py",
     "'dmninputexpr': script_engine.evaluate(task, input_expr)", DMN),
    ("dmn/engine/DMNEngine.py",
     "return script_engine.evaluate(task, match_expr, external_context=external_context)",
     DMN),
    ("dmn/engine/DMNEngine.py", "return script_engine.evaluate(task, expr)", DMN),
    # -- never reached by a BPMN deployment
    ("specs/Transform.py", "exec(transform)",
     "the generic (non-BPMN) Transform spec: no BPMN parser builds it and the BPMN "
     "serializer's registry cannot restore it"),
    ("serializer/dict.py", "__import__(module_name)",
     "the generic DictionarySerializer; hazardflow stores cases with "
     "BpmnWorkflowSerializer, whose registry restores known typenames only"),
    ("bpmn/serializer/migration/version_1_2.py", "dt = eval(expr)",
     "migrating states saved before serializer 1.2; engine/serializer.py refuses such a "
     "state before migrate() runs (hazardflow writes only the current version)"),
    ("bpmn/serializer/migration/version_1_2.py", "repeat, duration = eval(expr)",
     "the same migration"),
    ("operators.py", "self.regex = re.compile(regex)",
     "the generic Match operator (non-BPMN specs); a Python regex, not code"),
]


def _found_sites() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if SITE.search(line):
                found[(path.relative_to(PACKAGE).as_posix(), line.strip())] += 1
    return found


def test_every_place_spiffworkflow_evaluates_text_has_been_reviewed() -> None:
    found = _found_sites()
    known = Counter((path, snippet) for path, snippet, _ in KNOWN_SITES)
    new = found - known
    gone = known - found
    assert not new, ("SpiffWorkflow evaluates text in places nobody has reviewed; route "
                     f"them into the sandbox and add them to KNOWN_SITES: {sorted(new)}")
    assert not gone, f"KNOWN_SITES lists places that are no longer there: {sorted(gone)}"
    assert all(reason for _, _, reason in KNOWN_SITES)


@pytest.fixture
def script_engine() -> SafeScriptEngine:
    return SafeScriptEngine(Evaluator(default_functions(ZoneInfo("Asia/Shanghai"))),
                            HandlerRegistry())


def test_the_script_engine_environment_is_the_sandbox(script_engine: SafeScriptEngine) -> None:
    assert type(script_engine.environment) is SandboxEnvironment
    env = script_engine.environment
    assert env.evaluate("a + b", {"a": 1}, {"b": 2, "a": 5}) == 3  # task data wins
    for hostile in ("__import__('os').system('true')", "().__class__", "open('x')",
                    "exec('1')", "eval('1')", "compile('1', 'f', 'eval')"):
        with pytest.raises(ExpressionError):
            env.evaluate(hostile, {})
    with pytest.raises(ExpressionError):
        env.execute("x = 1", {})
    with pytest.raises(ExpressionError):
        env.evaluate(None, {})
