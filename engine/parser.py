"""SpiffWorkflow's Camunda parser, extended to read what bpmn-js's Camunda panel writes.

SpiffWorkflow reads only ``camunda:formKey``. We also read, into ``task_spec.extensions``:

* user tasks: ``candidateGroups``, ``candidateUsers``, ``assignee``, ``dueDate``,
  ``priority``, ``formKey`` and ``camunda:properties``;
* service tasks: ``camunda:type="external"`` with ``camunda:topic`` and the static
  ``camunda:inputParameter`` values;
* processes: ``camunda:candidateStarterGroups`` and the start event's ``formKey``.

Timer expressions are rewritten once, after parsing, into ``timer_value(<expr>)`` so a bare
ISO-8601 literal works and a date means the end of that day in the business time zone.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    IntermediateCatchEvent,
    ServiceTask,
    StartEvent,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaIntermediateCatchEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS
from SpiffWorkflow.camunda.parser.task_spec import UserTaskParser as _CamundaUserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from .expressions import timer_source

CAMUNDA = "{" + CAMUNDA_MODEL_NS + "}"
USER_TASK_ATTRS = ("candidateGroups", "candidateUsers", "assignee", "dueDate", "priority",
                   "formKey")


def camunda_properties(node: Any) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in node.iterfind(f"./{{*}}extensionElements/{CAMUNDA}properties/{CAMUNDA}property"):
        if prop.get("name"):
            props[prop.get("name")] = prop.get("value", "")
    return props


def input_parameters(node: Any) -> dict[str, str]:
    params: dict[str, str] = {}
    path = f"./{{*}}extensionElements/{CAMUNDA}inputOutput/{CAMUNDA}inputParameter"
    for param in node.iterfind(path):
        if param.get("name"):
            params[param.get("name")] = (param.text or "").strip()
    return params


class HfUserTaskParser(_CamundaUserTaskParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        ext: dict[str, Any] = {"properties": camunda_properties(self.node)}
        for attr in USER_TASK_ATTRS:
            value = self.node.get(CAMUNDA + attr)
            if value is not None and value.strip():
                ext[attr] = value.strip()
        ext["line"] = self.node.sourceline
        return ext


class HfServiceTask(ServiceTask):
    """A ``camunda:type="external"`` service task: calls the handler registered for its topic."""

    def _run_hook(self, my_task: Any) -> bool:
        engine = my_task.workflow.script_engine
        result: bool = engine.call_service(my_task, topic=self.extensions.get("topic"),
                                           params=self.extensions.get("params", {}))
        return result


class HfServiceTaskParser(TaskParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return {
            "type": self.node.get(CAMUNDA + "type"),
            "topic": self.node.get(CAMUNDA + "topic"),
            "params": input_parameters(self.node),
            "properties": camunda_properties(self.node),
            "line": self.node.sourceline,
        }


class _EventProperties:
    """Catching events keep their ``camunda:properties``: a message event's ``formKey``
    names the form its payload must satisfy."""

    node: Any

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return {"properties": camunda_properties(self.node), "line": self.node.sourceline}


class HfBoundaryEventParser(_EventProperties, CamundaBoundaryEventParser):
    pass


class HfCatchEventParser(_EventProperties, CamundaIntermediateCatchEventParser):
    pass


class HfParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (HfUserTaskParser, UserTask),
        full_tag("serviceTask"): (HfServiceTaskParser, HfServiceTask),
        full_tag("boundaryEvent"): (HfBoundaryEventParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (HfCatchEventParser, IntermediateCatchEvent),
    }


START_NOW = "'2000-01-01T00:00:00+00:00'"


def rewrite_timers(spec: Any) -> None:
    """Wrap every timer expression of a parsed process spec in ``timer_value(...)``.

    A timer *start* event is scheduled by the engine's own sweep (the ``timer`` table keeps
    its cycle); the case that sweep starts must begin at once, so its start event gets a
    timer that is already due, and the designer's expression is kept in
    ``extensions["startTimer"]``.
    """
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(task_spec, StartEvent) and isinstance(definition, TimerEventDefinition) \
                and "startTimer" not in (task_spec.extensions or {}):
            task_spec.extensions = {**(task_spec.extensions or {}),
                                    "startTimer": definition.expression or ""}
            task_spec.event_definition = TimeDateEventDefinition(definition.name, START_NOW)
            task_spec.event_definition._hf_rewritten = True
            continue
        for timer in _timers(definition):
            if not getattr(timer, "_hf_rewritten", False):
                timer.expression = f"timer_value({timer_source(timer.expression or '')})"
                timer._hf_rewritten = True


def _timers(definition: Any) -> list[TimerEventDefinition]:
    if isinstance(definition, TimerEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)]
    return []


def process_attributes(root: etree._Element) -> dict[str, dict[str, Any]]:
    """Per executable process id: its name, starter groups, start form and line."""
    out: dict[str, dict[str, Any]] = {}
    for proc in root.iterfind("{*}process"):
        start_forms = [s.get(CAMUNDA + "formKey") for s in proc.iterfind("{*}startEvent")
                       if s.get(CAMUNDA + "formKey")]
        out[proc.get("id", "")] = {
            "name": proc.get("name") or proc.get("id"),
            "executable": proc.get("isExecutable") == "true",
            "starter_groups": (proc.get(CAMUNDA + "candidateStarterGroups") or "").strip(),
            "start_form": start_forms[0] if start_forms else None,
            "line": proc.sourceline,
        }
    return out


Specs = dict[str, tuple[Any, dict[str, Any]]]  # process id -> (spec, sub-process specs)
_PARSED: OrderedDict[tuple[bytes, str | None, tuple[str, ...]], Specs] = OrderedDict()
_PARSED_LOCK = threading.Lock()
_PARSED_KEEP = 64


def parsed_specs(root: etree._Element, filename: str | None, pids: Sequence[str]) -> Specs:
    """The specs of processes ``pids`` of a file, timers rewritten, parsed once per process.

    Keyed by the hash of the file's content (and its name, which specs carry into error
    messages): the same file deployed again, or by another engine of the process (a test's),
    is not parsed again. Specs are never changed once parsed, so sharing them is safe. A
    file that fails to parse raises and is not kept."""
    key = (hashlib.sha256(etree.tostring(root)).digest(), filename, tuple(pids))
    with _PARSED_LOCK:
        found = _PARSED.get(key)
        if found is not None:
            _PARSED.move_to_end(key)
            return found
    parser = HfParser()
    parser.add_bpmn_xml(root, filename)
    specs: Specs = {}
    for pid in pids:
        spec = parser.get_spec(pid)
        subs = parser.get_subprocess_specs(pid)
        for one in (spec, *subs.values()):
            rewrite_timers(one)
        specs[pid] = (spec, subs)
    with _PARSED_LOCK:
        _PARSED[key] = specs
        while len(_PARSED) > _PARSED_KEEP:
            _PARSED.popitem(last=False)
    return specs
