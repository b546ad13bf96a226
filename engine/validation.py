"""Everything a BPMN file must pass before it is deployed.

Well-formed, safe XML; the BPMN schema; each executable process parses in SpiffWorkflow;
every condition, timer, due date, assignee and priority parses under the safe evaluator and
names only variables the process can have; every user task has an assignment and a form;
every service task names a registered handler; the diagram's shape (:mod:`.lint`: connected
elements, named tasks, gateways' default flows). All problems are reported at once, each
with its element and line. Every deployment path (``Engine.deploy``: the designer, the API,
the CLI, the bundled files) and the designer's check (``drafts.check``) run :meth:`check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from .errors import Detail, ExpressionError
from .expressions import Evaluator, is_iso_literal, names_in, timer_source, unwrap
from .forms import check_form_schema, form_fields
from .lint import label, structure_problems
from .parser import CAMUNDA, parsed_specs, process_attributes
from .services import CandidateResolver, HandlerRegistry

RESERVED_IDS = {"Start", "End", "Root"}
SYSTEM_VARIABLES = {"initiator"}
MESSAGE_CONTEXT = {"payload", "result_var"}  # what a correlation's messagePath can read
_validator: BpmnValidator | None = None


def _bpmn_validator() -> BpmnValidator:
    global _validator
    if _validator is None:
        _validator = BpmnValidator()
    return _validator


@dataclass
class Checked:
    """A validated file: its parsed processes and the forms they use."""

    processes: dict[str, dict[str, Any]]  # executable process id -> attributes
    forms: dict[str, dict[str, Any]]
    problems: list[Detail] = field(default_factory=list)


def split_list(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


class DefinitionValidator:
    def __init__(self, evaluator: Evaluator, resolver: CandidateResolver,
                 handlers: HandlerRegistry) -> None:
        self.evaluator = evaluator
        self.resolver = resolver
        self.handlers = handlers

    def check(self, root: etree._Element, forms: Mapping[str, Any],
              filename: str | None = None) -> Checked:
        problems: list[Detail] = []
        try:
            _bpmn_validator().validate(root, filename)
        except ValidationException as exc:
            reason = getattr(exc, "message", None) or str(exc)
            problems.append(Detail(f"不是有效的 BPMN 2.0 文件 (not valid BPMN 2.0: {reason})",
                                   line=getattr(exc, "line_number", None)))
            return Checked({}, {}, problems)
        for node in root.iter():
            if isinstance(node.tag, str) and node.get("id") in RESERVED_IDS:
                problems.append(Detail(f"id {node.get('id')!r} 是保留字，请改名 (the id "
                                       f"{node.get('id')!r} is reserved; rename it)",
                                       element=node.get("id"), line=_line(node)))
        shape = structure_problems(root)
        processes = {pid: attrs for pid, attrs in process_attributes(root).items()
                     if attrs["executable"]}
        if not processes:
            problems.append(Detail("文件中没有可执行的流程 (the file has no executable process "
                                   "(isExecutable=\"true\"))"))
        for key, schema in forms.items():
            problems += check_form_schema(key, schema)
        if problems:
            return Checked(processes, dict(forms), problems + shape)
        try:
            parsed_specs(root, filename, list(processes))
        except ValidationException as exc:
            reason = str(getattr(exc, "message", exc)).strip() or repr(exc)
            problems.append(Detail(f"流程图无法解析 ({reason})",
                                   element=getattr(exc, "id", None),
                                   line=getattr(exc, "line_number", None) or None))
            return Checked(processes, dict(forms), problems + shape)
        except Exception as exc:  # SpiffWorkflow raises plain exceptions for some shapes
            problems.append(Detail(f"流程引擎无法解析该文件 (SpiffWorkflow cannot parse the "
                                   f"file: {exc})"))
            return Checked(processes, dict(forms), problems + shape)
        for proc in root.iterfind("{*}process"):
            pid = proc.get("id") or ""
            if pid in processes:
                problems += self._check_process(proc, processes[pid], forms)
        problems += self._check_correlations(root)
        return Checked(processes, dict(forms), problems + shape)

    # -- one process ---------------------------------------------------------------

    def _check_process(self, proc: etree._Element, attrs: dict[str, Any],
                       forms: Mapping[str, Any]) -> list[Detail]:
        problems: list[Detail] = []
        used_forms: set[str] = set()
        known = set(SYSTEM_VARIABLES)
        for node in proc.iter():
            if not isinstance(node.tag, str):
                continue
            key = node.get(CAMUNDA + "formKey") or _message_form(node)
            if key:
                used_forms.add(key)
                if key not in forms:
                    problems.append(Detail(f"{label(node)} 的表单 {key!r} 既不在本次部署中，也"
                                           f"没有部署过 (form {key!r} is not part of this "
                                           "deployment)",
                                           element=node.get("id"), line=_line(node)))
                else:
                    known |= form_fields(forms[key])
            topic = node.get(CAMUNDA + "topic")
            if topic in self.handlers.outputs:
                known |= self.handlers.outputs[topic]
        for message in proc.getroottree().getroot().iterfind("{*}message"):
            known.add(message.get("name") or "")
        attrs["forms"] = sorted(used_forms)
        for group in split_list(attrs.get("starter_groups")):
            problem = self.resolver.check(group)
            if problem:
                problems.append(Detail(f"发起人候选组有误：{problem} (candidateStarterGroups)",
                                       element=proc.get("id"), line=_line(proc)))
        for node in proc.iter():
            if not isinstance(node.tag, str):
                continue
            tag = etree.QName(node).localname
            if tag == "scriptTask":
                problems.append(self._at(node, f"{label(node)} 不允许：请改用服务任务 (script "
                                               "tasks are not allowed: use a service task "
                                               "(camunda:type=\"external\", camunda:topic))"))
            elif tag == "userTask":
                problems += self._check_user_task(node, known)
            elif tag == "serviceTask":
                problems += self._check_service_task(node, known)
            elif tag in ("conditionExpression", "completionCondition", "loopCondition") or (
                    tag == "condition" and _parent_tag(node) == "conditionalEventDefinition"):
                problems += self._check_expr(_flow_element(node), node.text or "", known,
                                             "condition")
            elif tag == "loopCardinality":
                problems += self._check_expr(_flow_element(node), node.text or "", known,
                                             "loopCardinality")
            elif tag in ("timeDate", "timeDuration", "timeCycle"):
                problems += self._check_timer(_flow_element(node), node.text or "", known)
            elif tag == "multiInstanceLoopCharacteristics":
                problems += self._check_collection(node, known)
            elif tag in ("loopDataInputRef", "loopDataOutputRef"):
                problems += _identifier(_flow_element(node), tag, node.text)
            elif tag == "messageEventDefinition":
                problems += self._check_message(node, known)
            elif node.tag.startswith(CAMUNDA):
                problems += self._check_camunda(node, tag, known)
        return problems

    def _check_correlations(self, root: etree._Element) -> list[Detail]:
        """A caught message's correlation properties are evaluated over what it carries:
        ``payload`` (the message's data) and ``result_var`` (its name)."""
        problems: list[Detail] = []
        for prop in root.iter("{*}correlationProperty"):
            for retrieval in prop.iterfind("{*}correlationPropertyRetrievalExpression"):
                for path in retrieval:
                    if isinstance(path.tag, str):
                        problems += self._check_expr(prop, path.text or "", MESSAGE_CONTEXT,
                                                     "messagePath")
        return problems

    def _check_collection(self, node: etree._Element, known: set[str]) -> list[Detail]:
        """Camunda's collection and element variable are names, not expressions."""
        owner = _flow_element(node)
        problems: list[Detail] = []
        for attr in ("collection", "elementVariable"):
            value = node.get(CAMUNDA + attr)
            if value is not None:
                problems += _identifier(owner, f"camunda:{attr}", value)
        collection = (node.get(CAMUNDA + "collection") or "").strip()
        if collection.isidentifier() and collection not in known \
                and node.find("{*}loopCardinality") is None:
            problems.append(self._at(owner, f"camunda:collection {collection!r} 所指的变量从未被"
                                            "流程的表单或处理程序设置 (camunda:collection "
                                            f"{collection!r} names a variable the process's "
                                            "forms and handlers never set)"))
        return problems

    def _check_message(self, node: etree._Element, known: set[str]) -> list[Detail]:
        owner = _flow_element(node)
        payload = node.get(CAMUNDA + "expression")
        result_var = node.get(CAMUNDA + "resultVariable")
        problems = _identifier(owner, "camunda:resultVariable", result_var) \
            if result_var is not None else []
        if payload is not None:
            return problems + self._check_expr(owner, payload, known, "message payload")
        if etree.QName(owner).localname in ("intermediateThrowEvent", "endEvent"):
            problems.append(self._at(owner, f"{label(owner)} 发送消息须在 camunda:expression "
                                            "中写出消息内容表达式 (a message throw needs its "
                                            "payload as an expression in camunda:expression)"))
        return problems

    def _check_camunda(self, node: etree._Element, tag: str, known: set[str]) -> list[Detail]:
        """Camunda extension elements: parameters may hold ``${...}``; scripts and
        listeners never run here, so they are refused rather than silently ignored."""
        owner = _flow_element(node)
        if tag == "script":
            return [self._at(owner, "不允许 camunda:script，只能使用表达式 (camunda:script is "
                                    "not allowed: expressions only)")]
        if tag in ("executionListener", "taskListener"):
            return [self._at(owner, f"不支持 camunda:{tag}：本系统不运行监听器，请改用服务任务 "
                                    f"(camunda:{tag} is not supported: hazardflow runs no "
                                    "listeners; use a service task)")]
        if tag in ("inputParameter", "outputParameter"):
            if any(isinstance(child.tag, str) for child in node):
                return [self._at(owner, f"camunda:{tag} {node.get('name')!r} 须为普通值或 "
                                        f"${{...}} 表达式 (camunda:{tag} {node.get('name')!r} "
                                        "must be a plain value or a ${...} expression)")]
            text = (node.text or "").strip()
            if text.startswith("${"):
                return self._check_expr(owner, text, known, tag)
        return []

    def _check_user_task(self, node: etree._Element, known: set[str]) -> list[Detail]:
        problems: list[Detail] = []
        groups = split_list(node.get(CAMUNDA + "candidateGroups"))
        users = split_list(node.get(CAMUNDA + "candidateUsers"))
        assignee = (node.get(CAMUNDA + "assignee") or "").strip()
        if not (groups or users or assignee):
            problems.append(self._at(node, f"{label(node)} 没有分配办理人：请设置候选组 "
                                           "camunda:candidateGroups、候选人或 camunda:assignee "
                                           "(user task has no assignment)"))
        if not (node.get(CAMUNDA + "formKey") or "").strip():
            problems.append(self._at(node, f"{label(node)} 没有表单：请设置 camunda:formKey "
                                           "(user task has no form)"))
        for group in groups:
            problem = self.resolver.check(group)
            if problem:
                problems.append(self._at(node, f"{label(node)} 的候选组有误：{problem} "
                                               "(candidateGroups)"))
        if any(user.startswith("${") for user in users):
            problems.append(self._at(node, f"{label(node)} 的 camunda:candidateUsers 只能列出"
                                           "用户名，不计算表达式，请改用 camunda:assignee "
                                           "(camunda:candidateUsers lists user ids; it is not "
                                           "evaluated (use camunda:assignee=\"${...}\"))"))
        if assignee:
            problems += self._check_expr(node, assignee, known, "assignee", literal_ok=True)
        due = (node.get(CAMUNDA + "dueDate") or "").strip()
        if due:
            problems += self._check_timer(node, due, known, what="dueDate")
        priority = (node.get(CAMUNDA + "priority") or "").strip()
        if priority and not priority.isdigit():
            problems += self._check_expr(node, priority, known, "priority")
        return problems

    def _check_service_task(self, node: etree._Element, known: set[str]) -> list[Detail]:
        if node.get(CAMUNDA + "type") != "external" or not node.get(CAMUNDA + "topic"):
            return [self._at(node, f"{label(node)} 须设置 camunda:type=\"external\" 和已登记"
                                   "处理程序的 camunda:topic (service tasks must be "
                                   "camunda:type=\"external\" with a camunda:topic naming a "
                                   "registered handler)")]
        topic = node.get(CAMUNDA + "topic", "")
        if topic not in self.handlers.handlers:
            known_topics = ", ".join(sorted(self.handlers.handlers)) or "none"
            return [self._at(node, f"{label(node)} 的服务 {topic!r} 没有登记处理程序，已登记："
                                   f"{known_topics} (no handler is registered for topic "
                                   f"{topic!r})")]
        return []  # its camunda:inputParameter expressions are checked with every other

    def _check_expr(self, node: etree._Element, text: str, known: set[str], what: str,
                    literal_ok: bool = False) -> list[Detail]:
        source = unwrap(text)
        if literal_ok and not text.strip().startswith("${"):
            return []  # a plain user id
        if not source:
            return [self._at(node, f"{label(node)} 的 {what} 表达式为空 (empty {what} "
                                   "expression)")]
        try:
            self.evaluator.check(source)
            unknown = names_in(source) - known
        except ExpressionError as exc:
            return [self._at(node, f"{label(node)} 的 {what} {text.strip()!r} 有误：{exc}")]
        if unknown:
            return [self._at(node, f"{label(node)} 的 {what} {text.strip()!r} 用到了流程的"
                                   f"表单和处理程序从未设置的变量 {', '.join(sorted(unknown))} "
                                   f"({what} {text.strip()!r} names unknown variable(s) "
                                   f"{', '.join(sorted(unknown))}; the process's forms and "
                                   f"handlers never set them)")]
        if not names_in(source):  # a constant: it must evaluate now, within the limits
            try:
                self.evaluator.evaluate(source, {})
            except ExpressionError as exc:
                return [self._at(node, f"{label(node)} 的 {what} {text.strip()!r} 有误：{exc}")]
        return []

    def _check_timer(self, node: etree._Element, text: str, known: set[str],
                     what: str = "timer") -> list[Detail]:
        if not text.strip():
            return [self._at(node, f"{label(node)} 的 {what} 表达式为空 (empty {what} "
                                   "expression)")]
        source = timer_source(text)
        if not text.strip().startswith("${") and not is_iso_literal(text):
            try:
                self.evaluator.check(source)
            except ExpressionError:
                return [self._not_iso(node, text, what)]
            if _ISO_LIKE.match(text.strip()) or names_in(source) - known:
                return [self._not_iso(node, text, what)]
        problems = self._check_expr(node, "${" + source + "}", known, what)
        if problems:
            return problems
        if not names_in(source):  # a constant: evaluate it now
            try:
                self.evaluator.evaluate(f"timer_value({source})", {})
            except ExpressionError as exc:
                return [self._at(node, f"{label(node)} 的 {what} {text.strip()!r} 有误：{exc}")]
        return []

    def _not_iso(self, node: etree._Element, text: str, what: str) -> Detail:
        return self._at(node, f"{label(node)} 的{'定时器' if what == 'timer' else what} "
                              f"{text.strip()!r} 不是有效的 ISO 8601 时长、日期或周期（如 P7D、"
                              "PT4H、2026-12-24、R3/PT10M），也不是 ${...} 表达式 "
                              f"({what} {text.strip()!r} is neither an ISO-8601 duration, "
                              "date or cycle nor an expression)")

    @staticmethod
    def _at(node: etree._Element, message: str) -> Detail:
        element = node.get("id") or etree.QName(node).localname
        return Detail(message, element=element, line=_line(node))


def _line(node: etree._Element) -> int | None:
    line = node.sourceline
    return line if isinstance(line, int) else None


_CONTAINERS = {"process", "subProcess", "adHocSubProcess", "transaction"}
_ISO_LIKE = re.compile(r"^(PT?\d|R\d*/|\d{4}-)")  # meant as ISO 8601, yet not valid


def _flow_element(node: etree._Element) -> etree._Element:
    """The flow element (task, event, flow) or process a nested definition belongs to,
    for locating errors."""
    current: etree._Element | None = node
    while current is not None:
        parent = current.getparent()
        if etree.QName(current).localname == "process" or (
                parent is not None and etree.QName(parent).localname in _CONTAINERS
                and current.get("id")):
            return current
        current = parent
    return node


def _parent_tag(node: etree._Element) -> str | None:
    parent = node.getparent()
    return None if parent is None else etree.QName(parent).localname


def _identifier(owner: etree._Element, what: str, value: str | None) -> list[Detail]:
    text = (value or "").strip()
    if text.isidentifier() and not text.startswith("_"):
        return []
    return [DefinitionValidator._at(owner, f"{label(owner)} 的 {what} {text!r} 须为变量名，"
                                           f"不能是表达式 ({what} {text!r} must be a variable "
                                           "name, not an expression)")]


def _message_form(node: etree._Element) -> str | None:
    """The form a message-catching event's payload must satisfy (property ``formKey``)."""
    if etree.QName(node).localname not in ("boundaryEvent", "intermediateCatchEvent",
                                           "startEvent"):
        return None
    if node.find("{*}messageEventDefinition") is None:
        return None
    for prop in node.iterfind(f"./{{*}}extensionElements/{CAMUNDA}properties/{CAMUNDA}property"):
        if prop.get("name") == "formKey" and prop.get("value"):
            return str(prop.get("value"))
    return None


def referenced_forms(root: etree._Element) -> set[str]:
    """Every form key the file names: on tasks and start events, and on message events."""
    keys = set()
    for node in root.iter():
        if isinstance(node.tag, str):
            key = node.get(CAMUNDA + "formKey") or _message_form(node)
            if key:
                keys.add(key)
    return keys
