"""A semantic diff of two BPMN documents: elements added, removed and changed.

Elements are matched by id. Each element is described by what a designer changes and the
runtime reads: its type, name, container, attributes (Camunda's included), the Camunda
properties and input parameters, a flow's source, target and condition, an event's timer
or message, a lane's members, its documentation. Diagram interchange (shapes and edges)
is left out: moving a box is not a change of the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .parser import CAMUNDA

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SKIP_CHILDREN = {"incoming", "outgoing", "extensionElements", "documentation",
                  "conditionExpression", "flowNodeRef", "completionCondition"}
_EVENT_DEFINITION = "EventDefinition"


@dataclass
class Change:
    attribute: str
    before: str | None
    after: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "before": self.before, "after": self.after}


@dataclass
class ElementDiff:
    id: str
    type: str
    name: str | None
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "name": self.name}
        if self.changes:
            out["changes"] = [c.as_dict() for c in self.changes]
        return out


@dataclass
class BpmnDiff:
    added: list[ElementDiff]
    removed: list[ElementDiff]
    changed: list[ElementDiff]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def renames(self) -> dict[str, str]:
        """Removed id -> added id, where one element of the same type and name left and one
        came: most likely the same activity under a new id."""
        out: dict[str, str] = {}
        for gone in self.removed:
            same = [a for a in self.added if a.type == gone.type and a.name
                    and a.name == gone.name]
            if len(same) == 1:
                out[gone.id] = same[0].id
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"added": [e.as_dict() for e in self.added],
                "removed": [e.as_dict() for e in self.removed],
                "changed": [e.as_dict() for e in self.changed],
                "renamed": self.renames(),
                "summary": {"added": len(self.added), "removed": len(self.removed),
                            "changed": len(self.changed)}}


def _local(node: etree._Element) -> str:
    return str(etree.QName(node).localname)


def _attr_name(qname: str) -> str:
    if qname.startswith(CAMUNDA):
        return "camunda:" + qname[len(CAMUNDA):]
    if qname.startswith("{"):
        return etree.QName(qname).localname
    return qname


def _text(node: etree._Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def describe(node: etree._Element) -> dict[str, str]:
    """What matters about one element, as attribute -> text."""
    out: dict[str, str] = {}
    for key, value in node.attrib.items():
        name = _attr_name(str(key))
        if name != "id":
            out[name] = str(value)
    parent = node.getparent()
    while parent is not None and parent.get("id") is None:
        parent = parent.getparent()
    if parent is not None and _local(parent) != "definitions":
        out["container"] = str(parent.get("id"))
    for child in node:
        if not isinstance(child.tag, str):
            continue
        tag = _local(child)
        if tag == "documentation" and _text(child):
            out["documentation"] = _text(child)
        elif tag in ("conditionExpression", "completionCondition"):
            out[tag] = _text(child)
        elif tag == "flowNodeRef":
            out["members"] = ",".join(sorted(filter(None, [out.get("members"), _text(child)])))
        elif tag.endswith(_EVENT_DEFINITION):
            out["event"] = tag.removesuffix(_EVENT_DEFINITION)
            for key, value in child.attrib.items():
                if _attr_name(str(key)) != "id":
                    out[f"{out['event']}.{_attr_name(str(key))}"] = str(value)
            for timer in child:
                if isinstance(timer.tag, str):
                    out[f"timer.{_local(timer)}"] = _text(timer)
        elif tag == "extensionElements":
            out.update(_extensions(child))
        elif tag not in _SKIP_CHILDREN and child.get("id") is None and _text(child):
            out[tag] = _text(child)  # text of e.g. a textAnnotation
    return out


def _extensions(node: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for prop in node.iterfind(f"{CAMUNDA}properties/{CAMUNDA}property"):
        out[f"camunda:property[{prop.get('name')}]"] = prop.get("value", "")
    for param in node.iterfind(f"{CAMUNDA}inputOutput/{CAMUNDA}inputParameter"):
        out[f"camunda:inputParameter[{param.get('name')}]"] = _text(param)
    for param in node.iterfind(f"{CAMUNDA}inputOutput/{CAMUNDA}outputParameter"):
        out[f"camunda:outputParameter[{param.get('name')}]"] = _text(param)
    for form_field in node.iterfind(f"{CAMUNDA}formData/{CAMUNDA}formField"):
        out[f"camunda:formField[{form_field.get('id')}]"] = form_field.get("type", "")
    return out


def elements(root: etree._Element) -> dict[str, tuple[str, dict[str, str]]]:
    """id -> (type, description) of every semantic element (no diagram, no event
    definitions: those belong to their event)."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or node is root:
            continue
        if etree.QName(node).namespace != BPMN_MODEL:
            continue
        element_id = node.get("id")
        tag = _local(node)
        if not element_id or tag.endswith(_EVENT_DEFINITION):
            continue
        out[element_id] = (tag, describe(node))
    return out


def diff(old: etree._Element, new: etree._Element) -> BpmnDiff:
    before, after = elements(old), elements(new)
    added = [ElementDiff(i, t, d.get("name")) for i, (t, d) in after.items() if i not in before]
    removed = [ElementDiff(i, t, d.get("name")) for i, (t, d) in before.items()
               if i not in after]
    changed = []
    for element_id, (old_type, old_desc) in before.items():
        if element_id not in after:
            continue
        new_type, new_desc = after[element_id]
        changes = []
        if old_type != new_type:
            changes.append(Change("type", old_type, new_type))
        for key in sorted(old_desc.keys() | new_desc.keys()):
            if old_desc.get(key) != new_desc.get(key):
                changes.append(Change(key, old_desc.get(key), new_desc.get(key)))
        if changes:
            changed.append(ElementDiff(element_id, new_type, new_desc.get("name"), changes))
    return BpmnDiff(added, removed, changed)
