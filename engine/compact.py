"""Keep a looping case's task tree shallow by cutting off finished history.

SpiffWorkflow walks the whole task tree on every step and recurses up parent chains, so a
case whose rectify/verify loop has run N times costs O(N) per step, hits Python's recursion
limit after about 200 loops and, past 1,000 levels, stops seeing its own ready tasks.

When the deepest common ancestor of every unfinished task lies more than ``threshold``
levels below the root, everything between the root and that ancestor is finished history
that no future step can reach: that ancestor is re-attached under the root and the history
is dropped from the state. It is not lost: the audit log and the human-task table keep who
did what, when, with which data. Cost per step then stays flat however often a case loops.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

DEFAULT_THRESHOLD = 40


def _path_from_root(task: Any) -> list[Any]:
    path = []
    while task is not None:
        path.append(task)
        task = task.parent
    path.reverse()
    return path


def _compact_one(workflow: Any, threshold: int) -> int:
    unfinished = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return 0
    common = _path_from_root(unfinished[0])
    for task in unfinished[1:]:
        path = _path_from_root(task)
        size = 0
        for mine, theirs in zip(common, path, strict=False):
            if mine is not theirs:
                break
            size += 1
        common = common[:size]
        if len(common) <= threshold:
            return 0
    if len(common) <= threshold:
        return 0
    root, keep_top = workflow.task_tree, common[-1]
    if keep_top is root:
        return 0
    keep: set[Any] = {root.id}
    stack = [keep_top]
    while stack:
        task = stack.pop()
        keep.add(task.id)
        stack.extend(task.children)
    root._children = [keep_top.id]
    keep_top._parent = root.id
    before = len(workflow.tasks)
    workflow.tasks = {tid: t for tid, t in workflow.tasks.items() if tid in keep}
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = keep_top
    return before - len(workflow.tasks)


def _drop_orphans(workflow: BpmnWorkflow) -> int:
    """Drop the sub-processes whose task was cut off, and theirs in turn.

    Left in place they would be unreachable yet still walked, saved and reported while the
    case stays in memory, and silently gone once it is restored (SpiffWorkflow restores a
    sub-process only under its task): the live case and the stored one would differ.
    """
    removed = 0
    while True:
        owners = set(workflow.tasks)
        for sub in workflow.subprocesses.values():
            owners.update(sub.tasks)
        orphans = [sid for sid in workflow.subprocesses if sid not in owners]
        if not orphans:
            return removed
        for sid in orphans:
            removed += len(workflow.subprocesses.pop(sid).tasks)


def compact(workflow: BpmnWorkflow, threshold: int = DEFAULT_THRESHOLD) -> int:
    """Drop unreachable finished history; returns how many tasks were removed."""
    removed = _compact_one(workflow, threshold)
    for sub in list(workflow.subprocesses.values()):
        removed += _compact_one(sub, threshold)
    if removed:
        removed += _drop_orphans(workflow)
    return removed
