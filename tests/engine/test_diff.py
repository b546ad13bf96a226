"""The semantic diff of two BPMN documents, and the shipped range of test diagrams."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hazardflow.engine.diff import diff, elements
from hazardflow.engine.xmlsafe import parse_untrusted

DATA = Path(__file__).parent / "data"
REVIEW = Path(__file__).parent / "bpmn" / "review.bpmn"
HAZARD = Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn"
RANGE = sorted(DATA.glob("*.bpmn")) + [HAZARD]


def _root(path: Path) -> etree._Element:
    return parse_untrusted(path.read_bytes())


def _edited(path: Path, old: str, new: str) -> etree._Element:
    text = path.read_text(encoding="utf-8")
    assert old in text
    return parse_untrusted(text.replace(old, new, 1).encode("utf-8"))


@pytest.mark.parametrize("path", RANGE, ids=lambda p: p.name)
def test_a_diagram_compared_with_itself_has_no_changes(path: Path) -> None:
    assert diff(_root(path), _root(path)).empty


def test_new_version_lists_added_removed_changed_with_attribute_changes() -> None:
    result = diff(_root(REVIEW), _root(DATA / "review_v2.bpmn")).as_dict()
    assert {e["id"] for e in result["added"]} == {"Task_Rework", "Task_Approve", "Flow_ToRecord"}
    assert [e["id"] for e in result["removed"]] == ["Task_Fix"]
    changed = {e["id"]: {c["attribute"]: (c["before"], c["after"]) for c in e["changes"]}
               for e in result["changed"]}
    assert changed["Task_Review"]["camunda:priority"] == ("70", "80")
    assert changed["Task_Review"]["camunda:property[excludePerformersOf]"] == (
        "Task_Fix", "Task_Rework")
    assert changed["Flow_Approved"]["targetRef"] == ("Service_Record", "Task_Approve")
    assert changed["review"]["name"] == ("Review", "Review v2")
    assert result["renamed"] == {"Task_Fix": "Task_Rework"}


def test_timer_condition_and_candidate_changes_are_named() -> None:
    edited = _edited(HAZARD, "${add_days(deadline, -3)}", "${add_days(deadline, -5)}")
    [timer] = diff(_root(HAZARD), edited).changed
    assert (timer.id, timer.changes[0].as_dict()) == ("BoundaryEvent_RectifyRemind", {
        "attribute": "timer.timeDate", "before": "${add_days(deadline, -3)}",
        "after": "${add_days(deadline, -5)}"})
    condition = _edited(DATA.parent / "bpmn" / "review.bpmn", 'decision == "approve"',
                        'decision == "ok"')
    [flow] = diff(_root(REVIEW), condition).changed
    assert (flow.id, flow.changes[0].attribute) == ("Flow_Approved", "conditionExpression")
    groups = _edited(HAZARD, 'camunda:candidateGroups="principal@unit"',
                     'camunda:candidateGroups="principal@unit,safety_officer@unit"')
    [task] = diff(_root(HAZARD), groups).changed
    assert (task.id, task.changes[0].attribute) == ("Task_Controls", "camunda:candidateGroups")


def test_moving_a_shape_is_not_a_change_of_the_process() -> None:
    moved = _edited(DATA / "collaboration.bpmn", '<dc:Bounds x="280" y="80"',
                    '<dc:Bounds x="300" y="90"')
    assert diff(_root(DATA / "collaboration.bpmn"), moved).empty


def test_lanes_pools_message_flows_annotations_and_data_objects_are_elements() -> None:
    found = elements(_root(DATA / "collaboration.bpmn"))
    kinds = {t for t, _ in found.values()}
    assert {"participant", "lane", "messageFlow", "textAnnotation", "association",
            "dataObject", "dataObjectReference", "sendTask"} <= kinds
    assert found["Lane_Safety"][1]["members"] == "Start_Report,Task_Fill"
    assert found["Note_Report"][1]["text"] == "每月5日前上报"
    moved = _edited(DATA / "collaboration.bpmn", "<bpmn:flowNodeRef>Task_Fill</bpmn:flowNodeRef>",
                    "")
    lanes = {e.id for e in diff(_root(DATA / "collaboration.bpmn"), moved).changed}
    assert lanes == {"Lane_Safety"}
