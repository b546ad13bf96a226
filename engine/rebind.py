"""Re-bind a loaded case to another version of its process: the task-tree surgery.

SpiffWorkflow 3.2 has the pieces (``SpecDiff`` aligns task specs by id, ``migrate_workflow``
swaps specs and resets every ready or waiting task, which restarts every timer). We keep
more of the case as it is and say exactly what could not be kept:

* finished history above the deepest common ancestor of the open work is cut first (the
  audit log keeps it), so removed steps the case already passed never block it;
* each place the case waits (a task, with the boundary events armed on it) stays where it
  is when the target has the same element with the same shape: the task keeps its id, its
  inbox row and its timers' due times;
* it is *re-entered* when it is mapped to another element, or its shape changed (boundary
  events added, removed or with another timer): the old branch is cancelled and the target
  element starts fresh with the case's data (its timers restart);
* a ready user task kept in place whose definition changed (candidates, form, due date,
  name) gets a new id, so the inbox closes the old row and opens one with the new rules;
* anything else that cannot be placed raises :class:`Blocked` with the element and the
  reason. Nothing is written here: the caller saves only when everything succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from .compact import compact

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
UNSETTLED = TaskState.PREDICTED_MASK | TaskState.FUTURE
PREDICT = TaskState.PREDICTED_MASK | TaskState.DEFINITE_MASK
SPLIT, JOIN = ".BoundaryEventSplit", ".BoundaryEventJoin"


class Blocked(Exception):
    """The case cannot move; nothing about it was changed."""

    def __init__(self, reason: str, element: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.element = element


@dataclass
class Outcome:
    kept: list[str] = field(default_factory=list)  # elements the case stays at
    moved: dict[str, str] = field(default_factory=dict)  # element -> re-entered element
    reopened: list[str] = field(default_factory=list)  # user tasks whose rules changed
    dropped: int = 0  # finished tasks cut from the tree

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "moved": self.moved, "reopened": self.reopened}


def bpmn_id(spec: Any) -> str:
    return str(getattr(spec, "bpmn_id", None) or spec.name)


def _mapped(name: str, mapping: Mapping[str, str]) -> str:
    for suffix in (SPLIT, JOIN):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return mapping.get(base, base) + suffix
    return mapping.get(name, name)


def positions(workflow: Any) -> list[str]:
    """The elements a case waits at (tasks and events; no internal split/join tasks)."""
    found = []
    for sub in (workflow, *workflow.subprocesses.values()):
        for task in sub.tasks.values():
            if task.state & LIVE and getattr(task.task_spec, "bpmn_id", None):
                found.append(bpmn_id(task.task_spec))
    return sorted(set(found))


class Rebinder:
    def __init__(self, target_spec: Any, target_subs: Mapping[str, Any],
                 mapping: Mapping[str, str], registry: Any, version: int) -> None:
        self.spec = target_spec
        self.subs = target_subs
        self.mapping = dict(mapping)
        self.registry = registry
        self.version = version
        self.outcome = Outcome()

    def rebind(self, workflow: Any) -> Outcome:
        errors = [t for sub in (workflow, *workflow.subprocesses.values())
                  for t in sub.tasks.values() if t.state == TaskState.ERROR]
        if errors:
            raise Blocked("案件有一步出错（故障），请先处理 (a step of the case failed (an "
                          "incident): resolve it first)",
                          bpmn_id(errors[0].task_spec))
        before = sum(len(s.tasks) for s in (workflow, *workflow.subprocesses.values()))
        compact(workflow, threshold=0)
        workflow.subprocess_specs = dict(self.subs)
        self._one(workflow, self.spec)
        for sub_id, sub in sorted(workflow.subprocesses.items(), key=lambda i: i[1].depth):
            owner = workflow.get_task_from_id(sub_id)
            if owner is None:  # its task was cut with the finished history
                del workflow.subprocesses[sub_id]
                continue
            new_spec = self.subs.get(getattr(owner.task_spec, "spec", ""))
            finished = all(t.has_state(TaskState.FINISHED_MASK) for t in sub.tasks.values())
            if new_spec is None and finished:
                del workflow.subprocesses[sub_id]
                continue
            if new_spec is None:
                raise Blocked(f"案件正处于子流程 {bpmn_id(owner.task_spec)} 中，第 {self.version} "
                              f"版没有该子流程 (the case is inside sub-process "
                              f"{bpmn_id(owner.task_spec)}, which version {self.version} does "
                              "not have)",
                              bpmn_id(owner.task_spec))
            self._one(sub, new_spec)
        after = sum(len(s.tasks) for s in (workflow, *workflow.subprocesses.values()))
        self.outcome.dropped = max(0, before - after)
        return self.outcome

    # -- one (sub-)workflow ---------------------------------------------------------

    def _one(self, workflow: Any, spec: Any) -> None:
        workflow.spec = spec  # predictions look specs up by name in the workflow's spec
        groups: dict[Any, list[Any]] = {}
        for task in list(workflow.tasks.values()):
            if task.state & LIVE:
                groups.setdefault(self._anchor(task), []).append(task)
        keep: list[Any] = []
        reenter: list[tuple[Any, Any, Any]] = []
        for anchor, members in groups.items():
            main = self._main(anchor)
            decision = self._decide(spec, anchor, main, members)
            if decision is None:
                keep.extend(members)
            else:
                reenter.append((anchor, main, decision))
        created: set[Any] = set()
        for anchor, main, entry in reenter:
            created.add(self._reenter(workflow, anchor, main, entry))
        for task in keep:
            task._drop_children()
        old_specs = {t.id: t.task_spec for t in workflow.tasks.values()}
        self._swap_specs(workflow, spec, created)
        for task in keep:
            if task.id not in workflow.tasks:
                continue
            task.task_spec._predict(task, mask=PREDICT)
            if task.state == TaskState.READY and task.task_spec.manual and \
                    self._rules_changed(old_specs[task.id], task.task_spec):
                _give_new_id(workflow, task)
                self.outcome.reopened.append(bpmn_id(task.task_spec))
            elif bpmn_id(task.task_spec) not in self.outcome.kept and \
                    getattr(task.task_spec, "bpmn_id", None):
                self.outcome.kept.append(bpmn_id(task.task_spec))

    @staticmethod
    def _anchor(task: Any) -> Any:
        parent = task.parent
        if isinstance(task.task_spec, BoundaryEvent) and parent is not None:
            return parent
        if parent is not None and parent.task_spec.name == bpmn_id(task.task_spec) + SPLIT:
            return parent
        return task

    @staticmethod
    def _main(anchor: Any) -> Any:
        if not anchor.task_spec.name.endswith(SPLIT):
            return anchor
        for child in anchor.children:
            if not isinstance(child.task_spec, BoundaryEvent):
                return child
        return anchor

    def _decide(self, spec: Any, anchor: Any, main: Any, members: list[Any]) -> Any:
        """None to keep the group in place, else the target task spec to re-enter at."""
        element = bpmn_id(main.task_spec)
        if not getattr(main.task_spec, "bpmn_id", None):  # an internal task (a join...)
            if _mapped(main.task_spec.name, self.mapping) in spec.task_specs:
                return None
            raise Blocked(f"案件停在 {main.task_spec.name}，第 {self.version} 版没有该节点 "
                          f"(the case waits at {main.task_spec.name}, which version "
                          f"{self.version} does not have)", element)
        target = self.mapping.get(element, element)
        entry = spec.task_specs.get(target + SPLIT) or spec.task_specs.get(target)
        if entry is None:
            if element in self.mapping:
                raise Blocked(f"{target} 在第 {self.version} 版中不属于同一（子）流程 ({target} is "
                              f"not an element of the same (sub-)process in version "
                              f"{self.version})", element)
            raise Blocked(f"案件停在 {element}，第 {self.version} 版没有该节点，请把它映射到第 "
                          f"{self.version} 版的某个节点 (the case waits at {element}, which "
                          f"version {self.version} does not have: map it to an element of "
                          f"version {self.version})", element)
        same = target == element and self._same_shape(spec, anchor, main, members)
        if isinstance(main.task_spec, SubWorkflowTask) and main.state == TaskState.STARTED:
            if not same:
                raise Blocked(f"案件正处于子流程 {element} 中，运行期间不能映射或改变其结构 "
                              f"(the case is inside sub-process {element}, which cannot be "
                              "mapped or re-shaped while it runs)", element)
            return None
        if same:
            return None
        self.outcome.moved[element] = target
        return entry

    def _same_shape(self, spec: Any, anchor: Any, main: Any, members: list[Any]) -> bool:
        name = main.task_spec.name
        new_main = spec.task_specs.get(name)
        if new_main is None or type(new_main) is not type(main.task_spec):
            return False
        old_split = anchor is not main
        new_split = spec.task_specs.get(name + SPLIT)
        if old_split != (new_split is not None):
            return False
        if new_split is None:
            return True
        if sorted(o.name for o in anchor.task_spec.outputs) != \
                sorted(o.name for o in new_split.outputs):
            return False  # a boundary event was added or removed
        for task in members:
            if isinstance(task.task_spec, BoundaryEvent):
                new_event = spec.task_specs.get(task.task_spec.name)
                if new_event is None or self._convert(task.task_spec.event_definition) != \
                        self._convert(new_event.event_definition):
                    return False
        return True

    def _reenter(self, workflow: Any, anchor: Any, main: Any, entry: Any) -> Any:
        parent = anchor.parent
        if parent is None:
            raise Blocked("不能回到案件的第一步 (the case's first step cannot be re-entered)",
                          bpmn_id(main.task_spec))
        data = dict(main.data)
        manager = workflow.top_workflow.event_manager
        for task in list(anchor):
            manager.remove_task(task)
        workflow._remove_task(anchor.id)
        saved, parent.data = parent.data, data
        try:
            child = parent._add_child(entry, TaskState.FUTURE)
            entry._update(child)
        finally:
            parent.data = saved
        entry._predict(child, mask=PREDICT)
        return child.id

    def _swap_specs(self, workflow: Any, spec: Any, created: set[Any]) -> None:
        live_below: set[Any] = set()
        for task in workflow.tasks.values():
            if not task.has_state(TaskState.FINISHED_MASK):
                node = task
                while node is not None and node.id not in live_below:
                    live_below.add(node.id)
                    node = node.parent
        for task in list(workflow.tasks.values()):
            if task.id not in workflow.tasks or task.id in created:
                continue
            new = spec.task_specs.get(_mapped(task.task_spec.name, self.mapping))
            if new is not None:
                task.task_spec = new
            elif task.parent is not None and (task.state & UNSETTLED
                                              or task.id not in live_below):
                workflow._remove_task(task.id)  # a prediction, or history nothing needs
            else:
                raise Blocked(f"{bpmn_id(task.task_spec)} 仍是案件未完成的工作，第 {self.version} "
                              f"版没有它，请映射 ({bpmn_id(task.task_spec)} is still part of the "
                              f"case's open work and version {self.version} does not have it: "
                              "map it)",
                              bpmn_id(task.task_spec))

    def _rules_changed(self, old: Any, new: Any) -> bool:
        def rules(spec: Any) -> tuple[Any, ...]:
            ext = {k: v for k, v in (spec.extensions or {}).items() if k != "line"}
            return (spec.bpmn_name, sorted(ext.items(), key=lambda i: i[0]).__repr__())
        return rules(old) != rules(new)

    def _convert(self, value: Any) -> Any:
        return self.registry.convert(value)


def _give_new_id(workflow: Any, task: Any) -> None:
    """Re-identify a ready task so the inbox closes its old row and opens a new one."""
    old, new = task.id, uuid4()
    del workflow.tasks[old]
    task.id = new
    workflow.tasks[new] = task
    parent = task.parent
    if parent is not None:
        parent._children = [new if c == old else c for c in parent._children]
    for child in task.children:
        child._parent = new
    manager = workflow.top_workflow.event_manager
    if manager.tasks.pop(old, None) is not None:
        manager.tasks[new] = task
