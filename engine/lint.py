"""The diagram's shape, checked on the server: the designer's lint (bpmnlint in the browser)
calls these errors, and the server has no Node to run it, so the rules that matter for a
running process are written here again, generic BPMN (nothing about hazards):

- a flow node without the sequence flows it needs: tasks, sub-processes, gateways and
  intermediate events need one in and one out, start and boundary events one out, end events
  one in (bpmnlint's no-disconnected, no-implicit-start, no-implicit-end);
- a task (any kind) or call activity without a name (label-required);
- an exclusive or inclusive gateway with several outgoing flows and no default flow, and a
  flow leaving a splitting gateway with neither a condition nor being its default
  (hazardflow/exclusive-gateway-default, conditional-flows).

User tasks' assignment and form, form keys and timers are checked by
:class:`~hazardflow.engine.validation.DefinitionValidator`; every message here names the
element (its kind, name and id) in Chinese, then in English.
"""

from __future__ import annotations

from lxml import etree

from .errors import Detail

KINDS = {
    "task": "任务", "userTask": "用户任务", "serviceTask": "服务任务", "manualTask": "手工任务",
    "receiveTask": "接收任务", "sendTask": "发送任务", "businessRuleTask": "业务规则任务",
    "scriptTask": "脚本任务", "callActivity": "调用活动", "subProcess": "子流程",
    "transaction": "事务子流程", "adHocSubProcess": "自由子流程",
    "exclusiveGateway": "排他网关", "inclusiveGateway": "包容网关", "parallelGateway": "并行网关",
    "eventBasedGateway": "事件网关", "complexGateway": "复杂网关",
    "startEvent": "开始事件", "endEvent": "结束事件", "boundaryEvent": "边界事件",
    "intermediateCatchEvent": "中间捕获事件", "intermediateThrowEvent": "中间抛出事件",
    "sequenceFlow": "顺序流",
}
SUB_PROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
CONTAINERS = {"process"} | SUB_PROCESSES
NAMED = {k for k in KINDS if k.endswith("Task") or k in ("task", "callActivity")}
GATEWAYS = {k for k in KINDS if k.endswith("Gateway")}
DECISIONS = {"exclusiveGateway", "inclusiveGateway"}
CONNECTED = NAMED | SUB_PROCESSES | GATEWAYS | {
    "startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent"}


def label(node: etree._Element) -> str:
    """``用户任务「整改」(Task_Rectify)``: the element's kind, name and id."""
    tag = etree.QName(node).localname
    name = " ".join((node.get("name") or "").split())
    kind = KINDS.get(tag, tag)
    return f"{kind}「{name}」({node.get('id')})" if name else f"{kind} {node.get('id')}"


def structure_problems(root: etree._Element) -> list[Detail]:
    """Every structural problem of every process and sub-process in the file."""
    problems: list[Detail] = []
    for container in root.iter():
        if isinstance(container.tag, str) and etree.QName(container).localname in CONTAINERS:
            problems += _container(container)
    return problems


def _children(container: etree._Element) -> list[etree._Element]:
    return [c for c in container if isinstance(c.tag, str)]


def _container(container: etree._Element) -> list[Detail]:
    children = _children(container)
    flows = [c for c in children if etree.QName(c).localname == "sequenceFlow"]
    incoming: dict[str, list[etree._Element]] = {}
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in flows:
        incoming.setdefault(flow.get("targetRef") or "", []).append(flow)
        outgoing.setdefault(flow.get("sourceRef") or "", []).append(flow)
    ad_hoc = etree.QName(container).localname == "adHocSubProcess"
    problems: list[Detail] = []
    for node in children:
        tag = etree.QName(node).localname
        if tag not in KINDS or tag == "sequenceFlow":
            continue
        ident = node.get("id") or ""
        ins, outs = incoming.get(ident, []), outgoing.get(ident, [])
        if not ad_hoc:
            problems += _connections(node, tag, bool(ins), bool(outs))
        if tag in NAMED and not (node.get("name") or "").strip():
            problems.append(_at(node, f"{label(node)} 没有名称：请填写名称 (the {tag} has no "
                                      "name)"))
        if tag in DECISIONS and len(outs) > 1:
            problems += _decision(node, outs)
    return problems


def _connections(node: etree._Element, tag: str, has_in: bool,
                 has_out: bool) -> list[Detail]:
    if tag not in CONNECTED or node.get("isForCompensation") == "true" \
            or node.get("triggeredByEvent") == "true":
        return []
    definitions = {etree.QName(d).localname for d in node
                   if isinstance(d.tag, str) and d.tag.endswith("EventDefinition")}
    link = definitions == {"linkEventDefinition"}
    needs_in = tag not in ("startEvent", "boundaryEvent") and not (
        tag == "intermediateCatchEvent" and link)
    needs_out = tag != "endEvent" and not (tag == "intermediateThrowEvent" and link) and not (
        tag == "boundaryEvent" and definitions == {"compensateEventDefinition"})
    missing = []
    if needs_in and not has_in:
        missing.append("没有连入的顺序流 (no incoming sequence flow)")
    if needs_out and not has_out:
        missing.append("没有连出的顺序流 (no outgoing sequence flow)")
    if not missing:
        return []
    return [_at(node, f"{label(node)} 未连接：{'，'.join(missing)}")]


def _decision(gateway: etree._Element, outs: list[etree._Element]) -> list[Detail]:
    default = gateway.get("default")
    if not default:
        return [_at(gateway, f"{label(gateway)} 有 {len(outs)} 条出口顺序流但没有默认流：请把"
                             "其中一条设为默认流 (a splitting gateway needs a default flow, "
                             "taken when no condition holds)")]
    problems = []
    for flow in outs:
        if flow.get("id") != default and flow.find("{*}conditionExpression") is None:
            problems.append(_at(flow, f"{label(flow)} 从{label(gateway)}出发，既没有条件也不是"
                                      "默认流 (a flow out of a splitting gateway needs a "
                                      "condition unless it is the default)"))
    return problems


def _at(node: etree._Element, message: str) -> Detail:
    line = node.sourceline
    return Detail(message, element=node.get("id") or etree.QName(node).localname,
                  line=line if isinstance(line, int) else None)
