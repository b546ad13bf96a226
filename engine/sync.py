"""Mirror a workflow's open user tasks and waiting timers into the tables that are queried.

Tasks are found by scanning each workflow's task dictionary, not by walking the task tree,
so SpiffWorkflow's 1,000-level search limit can never hide a ready task from the inbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.engine import Connection

from .expressions import Evaluator, timer_source, unwrap
from .schema import human_task, task_candidate, timer
from .services import CandidateResolver
from .validation import split_list

_B = sa.bindparam
OPEN_TASKS = (sa.select(human_task.c.id, human_task.c.spiff_task_id, human_task.c.element_id,
                        human_task.c.name)
              .where(human_task.c.case_id == _B("case_id"), human_task.c.state == "open"))
# Writes are batched: one statement per kind of change, however many rows it touches.
CLOSE_TASKS = (sa.update(human_task).where(human_task.c.id.in_(_B("ids", expanding=True)))
               .values(state=_B("state"), completed_at=_B("now")))
INSERT_TASKS = sa.insert(human_task).returning(human_task.c.id, sort_by_parameter_order=True)
INSERT_CANDIDATES = sa.insert(task_candidate)
OPEN_TIMERS = (sa.select(timer.c.id, timer.c.spiff_task_id, timer.c.due_at)
               .where(timer.c.case_id == _B("case_id"), timer.c.fired_at.is_(None)))
RETIRE_TIMERS = (sa.update(timer).where(timer.c.id.in_(_B("ids", expanding=True)))
                 .values(fired_at=_B("now")))
MOVE_TIMER = sa.update(timer).where(timer.c.id == _B("timer_id")).values(due_at=_B("due"))
INSERT_TIMERS = sa.insert(timer).returning(timer.c.id, sort_by_parameter_order=True)

UNFINISHED = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def all_tasks(workflow: BpmnWorkflow) -> Iterator[Any]:
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [t for t in all_tasks(workflow) if t.state == TaskState.READY and t.task_spec.manual]


def has_ready_automatic(workflow: BpmnWorkflow) -> bool:
    return any(t.state == TaskState.READY and not t.task_spec.manual for t in all_tasks(workflow))


def has_unfinished(workflow: BpmnWorkflow) -> bool:
    return any(t.state & UNFINISHED for t in all_tasks(workflow))


def find_task(workflow: BpmnWorkflow, task_id: UUID) -> Any | None:
    """The task of the case or of one of its sub-processes; None if it is not there (cut
    off with finished history), where ``get_task_from_id`` raises."""
    task = workflow.tasks.get(task_id)
    if task is None:
        for sub in workflow.subprocesses.values():
            task = sub.tasks.get(task_id)
            if task is not None:
                break
    return task


def element_id(task: Any) -> str:
    return str(task.task_spec.bpmn_id or task.task_spec.name)


def element_name(task: Any) -> str:
    return str(task.task_spec.bpmn_name or element_id(task))


def resolve_due(evaluator: Evaluator, source: str, data: Any, now: datetime) -> datetime:
    """Evaluate a due-date or timer expression to an absolute UTC time."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as T

    value = evaluator.evaluate(f"timer_value({timer_source(source)})", data)
    if value.startswith("P"):
        return now + T.get_timedelta_from_start(T.parse_iso_duration(value), now)
    return datetime.fromisoformat(value)


class TaskMirror:
    def __init__(self, evaluator: Evaluator, resolver: CandidateResolver) -> None:
        self.evaluator = evaluator
        self.resolver = resolver

    def sync(self, conn: Connection, case_id: int, workflow: BpmnWorkflow, now: datetime,
             create: bool = True) -> list[tuple[int, str, str]]:
        """Close rows of tasks no longer ready, open rows for new ready tasks.

        Returns (human task id, element id, name) of the open tasks. With ``create=False``
        (an incident is being recorded) no new rows are opened: the retry opens them. The ids
        of the rows this call opened are left in ``mirrored(workflow).opened``.
        """
        ready = {str(t.id): t for t in ready_user_tasks(workflow)}
        known = mirrored(workflow).tasks
        if known is None:
            known = {r.spiff_task_id: (int(r.id), r.element_id, r.name)
                     for r in conn.execute(OPEN_TASKS, {"case_id": case_id})}
        active: dict[str, tuple[int, str, str]] = {}
        gone: dict[str, list[int]] = {}  # state -> ids of the rows to close
        for spiff_id, row in known.items():
            if spiff_id in ready:
                active[spiff_id] = row
                del ready[spiff_id]
                continue
            task = find_task(workflow, UUID(spiff_id))
            gone_state = "completed" if task is not None and task.state == TaskState.COMPLETED \
                else "cancelled"
            gone.setdefault(gone_state, []).append(row[0])
        # everything that may fail (expressions, candidate resolution) before any write
        new = [self._row(conn, case_id, spiff_id, task, now) for spiff_id, task in ready.items()] \
            if create else []
        for state, ids in gone.items():
            conn.execute(CLOSE_TASKS, {"ids": ids, "state": state, "now": now})
        opened: list[int] = []
        if new:
            ids = [int(i) for i in conn.execute(INSERT_TASKS, [r for r, _ in new]).scalars()]
            candidates = [{"human_task_id": task_row, **c}
                          for task_row, (_, found) in zip(ids, new, strict=True) for c in found]
            if candidates:
                conn.execute(INSERT_CANDIDATES, candidates)
            for task_row, (values, _) in zip(ids, new, strict=True):
                active[values["spiff_task_id"]] = (task_row, values["element_id"], values["name"])
                opened.append(task_row)
        mirrored(workflow).tasks = dict(active)
        mirrored(workflow).opened = opened
        return list(active.values())

    def _row(self, conn: Connection, case_id: int, spiff_id: str, task: Any,
             now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The human_task row of a newly ready task, and its candidates (role, unit)."""
        ext = task.task_spec.extensions or {}
        data = task.data
        assignee = ext.get("assignee")
        if assignee and assignee.startswith("${"):
            value = self.evaluator.evaluate(unwrap(assignee), data)
            assignee = str(value) if value not in (None, "") else None
        due_at = resolve_due(self.evaluator, ext["dueDate"], data, now) \
            if ext.get("dueDate") else None
        priority = ext.get("priority", "50")
        priority = int(priority) if str(priority).isdigit() \
            else int(self.evaluator.evaluate(unwrap(priority), data) or 50)
        values = {
            "case_id": case_id, "spiff_task_id": spiff_id, "element_id": element_id(task),
            "name": element_name(task), "form_key": ext.get("formKey"), "state": "open",
            "assignee": assignee, "priority": max(0, min(priority, 100)), "due_at": due_at,
            "created_at": now}
        candidates: list[dict[str, Any]] = []
        for group in split_list(ext.get("candidateGroups")):
            for role, unit in self.resolver.resolve(group, data, conn):
                candidates.append({"role": role, "unit": unit})
        for user in split_list(ext.get("candidateUsers")):
            candidates.append({"role": f"user:{user}", "unit": None})
        return values, candidates


@dataclass
class Mirrored:
    """What the tables hold for a live workflow after its last committed step.

    Kept on the workflow object itself, which the live cache only hands out while the case's
    revision is unchanged: a hit skips re-reading the open task and timer rows. A workflow
    loaded from the database starts with nothing known, and the rows are read.
    """

    tasks: dict[str, tuple[int, str, str]] | None = None  # spiff id -> (id, element, name)
    timers: dict[str, tuple[int, datetime]] | None = None  # spiff id -> (timer id, due)
    opened: list[int] = field(default_factory=list)  # task rows opened by the last sync


def mirrored(workflow: BpmnWorkflow) -> Mirrored:
    found: Mirrored | None = workflow.__dict__.get("_hf_mirrored")
    if found is None:
        found = workflow.__dict__["_hf_mirrored"] = Mirrored()
    return found


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[Any, datetime]]:
    """spiff task id -> (task, due time) for every timer the case waits on."""
    found: dict[str, tuple[Any, datetime]] = {}
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, (TimerEventDefinition, MultipleEventDefinition)):
            continue
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            value = value.get("next")
        if not isinstance(value, str) or value.startswith("P"):
            continue
        found[str(task.id)] = (task, TimerEventDefinition.get_datetime(value))
    return found


def sync_timers(conn: Connection, case_id: int, workflow: BpmnWorkflow, now: datetime,
                waiting: dict[str, tuple[Any, datetime]] | None = None,
                retire: list[int] | None = None) -> None:
    """Retire, move and insert the case's timer rows (``waiting``: computed beforehand).

    With ``retire``, the ids of the rows to retire are added to it instead: the caller
    retires a whole chunk's in one statement (``fired_at`` = ``now``)."""
    waiting = waiting_timers(workflow) if waiting is None else dict(waiting)
    known = mirrored(workflow).timers
    if known is None:
        known = {r.spiff_task_id: (int(r.id), r.due_at)
                 for r in conn.execute(OPEN_TIMERS, {"case_id": case_id})}
    kept: dict[str, tuple[int, datetime]] = {}
    retired: list[int] = []
    moved: list[dict[str, Any]] = []
    for spiff_id, (timer_id, due_at) in known.items():
        current = waiting.pop(spiff_id, None)
        if current is None:
            retired.append(timer_id)
            continue
        if current[1] != due_at:
            moved.append({"timer_id": timer_id, "due": current[1]})
        kept[spiff_id] = (timer_id, current[1])
    if retire is not None:
        retire.extend(retired)
    elif retired:
        conn.execute(RETIRE_TIMERS, {"ids": retired, "now": now})
    if moved:
        conn.execute(MOVE_TIMER, moved)
    if waiting:
        rows: list[dict[str, Any]] = [
            {"case_id": case_id, "spiff_task_id": spiff_id, "element_id": element_id(task),
             "expression": str(getattr(task.task_spec.event_definition, "expression",
                                       ""))[:255],
             "due_at": due, "created_at": now, "process_key": None, "fired_at": None}
            for spiff_id, (task, due) in waiting.items()]
        ids = conn.execute(INSERT_TIMERS, rows).scalars()
        for timer_id, (spiff_id, (_, due)) in zip(ids, waiting.items(), strict=True):
            kept[spiff_id] = (int(timer_id), due)
    mirrored(workflow).timers = kept
