"""The diagram's shape, refused at deploy with each element's kind, name and id in Chinese:
unconnected elements, unnamed tasks, splitting gateways without a default; and the rules the
validator already had (assignment, form, timer) now speak Chinese too."""

from __future__ import annotations

import pytest
from lxml import etree

from hazardflow.engine import DeploymentError, Engine
from hazardflow.engine.lint import structure_problems

from .support import bpmn_bytes, load_forms

HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">'
        '<bpmn:process id="p" isExecutable="true">')
TAIL = "</bpmn:process></bpmn:definitions>"


def problems(body: str) -> dict[str, list[str]]:
    """Element id -> the messages about it."""
    out: dict[str, list[str]] = {}
    for p in structure_problems(etree.fromstring((HEAD + body + TAIL).encode())):
        out.setdefault(p.element or "", []).append(p.message)
    return out


def flow(ident: str, source: str, target: str, inner: str = "") -> str:
    return (f'<bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}">'
            f"{inner}</bpmn:sequenceFlow>")


LINE = ('<bpmn:startEvent id="S" name="开始"/><bpmn:userTask id="T" name="检查"/>'
        '<bpmn:endEvent id="E" name="结束"/>' + flow("F1", "S", "T") + flow("F2", "T", "E"))
COND = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${ok}'
        "</bpmn:conditionExpression>")


def test_a_connected_line_of_named_elements_is_clean() -> None:
    assert problems(LINE) == {}


def test_an_unconnected_task_is_named_with_its_kind_name_and_id() -> None:
    found = problems(LINE + '<bpmn:task id="Task_Alone" name="孤立任务"/>')
    assert list(found) == ["Task_Alone"]
    [message] = found["Task_Alone"]
    assert message.startswith("任务「孤立任务」(Task_Alone) 未连接")
    assert "没有连入的顺序流" in message and "没有连出的顺序流" in message


def test_the_testers_task_unnamed_and_unconnected_gets_both_reasons() -> None:
    found = problems(LINE + '<bpmn:task id="Activity_1"/>')
    assert len(found["Activity_1"]) == 2
    assert any("没有名称" in m for m in found["Activity_1"])


@pytest.mark.parametrize(("body", "element", "reason"), [
    ('<bpmn:startEvent id="S" name="开始"/>', "S", "没有连出的顺序流"),
    ('<bpmn:endEvent id="E" name="结束"/>', "E", "没有连入的顺序流"),
    ('<bpmn:startEvent id="S" name="开始"/><bpmn:serviceTask id="X" name="记录"/>'
     + flow("F", "S", "X"), "X", "没有连出的顺序流"),
    ('<bpmn:intermediateCatchEvent id="W" name="等待"/>', "W", "没有连入的顺序流"),
    ('<bpmn:parallelGateway id="G"/>', "G", "未连接"),
    ('<bpmn:boundaryEvent id="B" name="到期" attachedToRef="T"/>' + LINE, "B",
     "没有连出的顺序流"),
])
def test_each_kind_needs_the_flows_it_needs(body: str, element: str, reason: str) -> None:
    found = problems(body)
    assert any(reason in m for m in found[element]), found


def test_link_events_compensation_event_sub_processes_and_ad_hoc_children_are_exempt() -> None:
    body = LINE + (
        '<bpmn:intermediateThrowEvent id="L1" name="去"><bpmn:incoming>x</bpmn:incoming>'
        '<bpmn:linkEventDefinition name="a"/></bpmn:intermediateThrowEvent>'
        '<bpmn:intermediateCatchEvent id="L2" name="来"><bpmn:linkEventDefinition name="a"/>'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:serviceTask id="C" name="补偿" isForCompensation="true"/>'
        '<bpmn:subProcess id="ES" triggeredByEvent="true"><bpmn:startEvent id="ES1" name="s"/>'
        '<bpmn:endEvent id="ES2" name="e"/>' + flow("EF", "ES1", "ES2") + "</bpmn:subProcess>"
        '<bpmn:adHocSubProcess id="AH" name="自由"><bpmn:userTask id="AH1" name="a"/>'
        "</bpmn:adHocSubProcess>") + flow("FX", "T", "L1") + flow("FY", "L2", "E")
    found = problems(body)
    assert set(found) == {"AH"}, found  # only the ad-hoc sub-process itself is unconnected


def test_unnamed_tasks_of_every_kind_are_refused_but_gateways_and_events_are_not() -> None:
    body = ('<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:serviceTask id="X"/>'
            '<bpmn:endEvent id="E"/>' + flow("F1", "S", "T") + flow("F2", "T", "X")
            + flow("F3", "X", "E"))
    found = problems(body)
    assert set(found) == {"T", "X"}
    assert found["T"] == ["用户任务 T 没有名称：请填写名称 (the userTask has no name)"]


@pytest.mark.parametrize("kind", ["exclusiveGateway", "inclusiveGateway"])
def test_a_splitting_decision_needs_a_default_and_its_other_flows_conditions(kind: str) -> None:
    split = ('<bpmn:startEvent id="S" name="s"/><bpmn:endEvent id="A" name="a"/>'
             '<bpmn:endEvent id="B" name="b"/>' + flow("F0", "S", "G")
             + flow("FA", "G", "A", COND) + flow("FB", "G", "B", COND))
    found = problems(f'<bpmn:{kind} id="G" name="通过？"/>' + split)
    assert list(found) == ["G"] and "没有默认流" in found["G"][0] and "「通过？」" in found["G"][0]
    assert problems(f'<bpmn:{kind} id="G" name="通过？" default="FB"/>' + split) == {}
    loose = split.replace(COND, "", 1)  # FA: neither a condition nor the default
    found = problems(f'<bpmn:{kind} id="G" name="通过？" default="FB"/>' + loose)
    assert list(found) == ["FA"] and "既没有条件也不是默认流" in found["FA"][0]


def test_sub_processes_are_checked_inside() -> None:
    found = problems(LINE.replace('<bpmn:userTask id="T" name="检查"/>',
                                  '<bpmn:subProcess id="T" name="处置"><bpmn:task id="In"/>'
                                  "</bpmn:subProcess>"))
    assert set(found) == {"In"} and len(found["In"]) == 2


# -- through the engine: the refusal speaks Chinese and names every element --------------

def _variant(old: str, new: str) -> bytes:
    text = bpmn_bytes().decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def _refusal(engine: Engine, bpmn: bytes) -> DeploymentError:
    with pytest.raises(DeploymentError) as info:
        engine.deploy(bpmn, load_forms(), actor="designer")
    return info.value


def test_a_refused_deploy_lists_every_problem_in_chinese(make_engine) -> None:
    bpmn = _variant("</bpmn:process>", '<bpmn:task id="Task_Alone"/></bpmn:process>')
    bpmn = bpmn.replace(b'id="Task_Fix" name="Fix"', b'id="Task_Fix"')
    bpmn = bpmn.replace(b' camunda:assignee="${initiator}"', b"")
    err = _refusal(make_engine(), bpmn)
    assert err.message.startswith("流程图未通过校验，有 4 个问题")
    assert {d.element for d in err.details} == {"Task_Alone", "Task_Fix"}
    messages = [d.message for d in err.details]
    assert any(m.startswith("用户任务 Task_Fix 没有分配办理人") for m in messages)
    assert any(m.startswith("用户任务 Task_Fix 没有名称") for m in messages)
    assert all(d.line for d in err.details)


def test_a_timer_meant_as_iso_8601_but_invalid_says_so(make_engine) -> None:
    err = _refusal(make_engine(), _variant("<bpmn:timeDuration>P2D", "<bpmn:timeDuration>P3X"))
    [detail] = err.details
    assert detail.element == "Timer_Remind"
    assert detail.message.startswith("边界事件「Remind」(Timer_Remind) 的定时器 'P3X' 不是有效的 "
                                     "ISO 8601")


def test_a_form_key_naming_no_form_names_the_task(make_engine) -> None:
    err = _refusal(make_engine(), _variant('camunda:formKey="fix_form"',
                                           'camunda:formKey="no_such_form"'))
    [detail] = err.details
    assert detail.message.startswith("用户任务「Fix」(Task_Fix) 的表单 'no_such_form' 既不在")
