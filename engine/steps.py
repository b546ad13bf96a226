"""Running a loaded case forward inside its transaction: the budget, incidents, the save.

``Stepper.advance`` runs automatic steps until the case waits or the step budget is spent,
inside a savepoint. If anything in the process fails, the savepoint is rolled back, the case
is reloaded and the caller's accepted part re-applied, and an incident is recorded; the
transaction still commits, so what the caller did is never lost and the failure is visible.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.engine import Connection, NestedTransaction
from sqlalchemy.exc import SQLAlchemyError

from . import audit
from .clock import Clock, bound_clock
from .compact import compact
from .db import new_id, on_commit
from .definitions import Definition
from .schema import incident, outbox, process_case
from .services import Actor, CaseListener, CaseView, StepContext, step_context
from .store import CaseRow, CaseStore
from .sync import (
    TaskMirror,
    all_tasks,
    element_id,
    has_ready_automatic,
    has_unfinished,
    mirrored,
    sync_timers,
    waiting_timers,
)

Reapply = Callable[[BpmnWorkflow], None]
log = logging.getLogger("hazardflow.engine")


class _BudgetSpent(Exception):
    pass


class DepthTrap(Exception):
    """SpiffWorkflow stopped seeing work that is still there (its task-tree search limit)."""


@dataclass
class StepResult:
    case_id: int
    status: str
    revision: int
    pending: bool = False
    incident_id: int | None = None
    open_tasks: list[tuple[int, str, str]] = field(default_factory=list)  # id, element, name

    @property
    def active(self) -> list[tuple[str, str]]:
        """(element id, name) of the open human tasks."""
        return [(element, name) for _, element, name in self.open_tasks]


@dataclass
class Deferred:
    """Writes a chunk of steps leaves for its caller to make in a few statements: the timer
    rows to retire and the saves (state, status and audit record) of the cases that ran
    through. A step that fails is not in it: its incident is recorded at once."""

    retire: dict[datetime, list[int]] = field(default_factory=dict)  # fired at -> timer ids
    saves: list[tuple[CaseRow, BpmnWorkflow, str, datetime, audit.Entry]] = \
        field(default_factory=list)


class Stepper:
    def __init__(self, store: CaseStore, mirror: TaskMirror, clock: Clock,
                 listeners: Sequence[CaseListener], budget: int) -> None:
        self.store = store
        self.mirror = mirror
        self.clock = clock
        self.listeners = listeners
        self.budget = budget
        # told a case's id after the commit of a step that left work in the outbox (a
        # distributed runtime queues it for a worker at once; the sweep finds it anyway)
        self.on_pending: Callable[[int], None] | None = None
        # told (process key, seconds) when a step finishes, ran through or failed into an
        # incident (the runtime's metrics; the engine knows nothing of Prometheus)
        self.on_step: Callable[[str, float], None] | None = None

    def advance(self, conn: Connection, row: CaseRow, definition: Definition,
                workflow: BpmnWorkflow, actor: Actor, *, action: str, origin: str,
                reapply: Reapply | None, payload: dict[str, Any],
                element: str | None = None, now: datetime | None = None,
                clock: Clock | None = None, budget: int | None = None,
                deferred: Deferred | None = None) -> tuple[StepResult, BpmnWorkflow]:
        """Run the case forward and save it. With ``deferred``, a step that runs through
        leaves its save and its retired timers there (the result's revision is then the
        one before the save); an incident is written at once."""
        started = time.perf_counter()
        try:
            return self._advance(conn, row, definition, workflow, actor, action=action,
                                 origin=origin, reapply=reapply, payload=payload,
                                 element=element, now=now, clock=clock, budget=budget,
                                 deferred=deferred)
        finally:
            self._observe(definition.key, time.perf_counter() - started)

    def _observe(self, process_key: str, seconds: float) -> None:
        observer = self.on_step
        if observer is None:
            return
        try:
            observer(process_key, seconds)
        except Exception:  # a broken metric never breaks a step
            log.warning("step observer failed", exc_info=True)

    def _advance(self, conn: Connection, row: CaseRow, definition: Definition,
                 workflow: BpmnWorkflow, actor: Actor, *, action: str, origin: str,
                 reapply: Reapply | None, payload: dict[str, Any], element: str | None,
                 now: datetime | None, clock: Clock | None, budget: int | None,
                 deferred: Deferred | None = None) -> tuple[StepResult, BpmnWorkflow]:
        now = now or self.clock.now()
        was_incident = row.status == "incident"
        if was_incident:
            deferred = None  # resolving the incident appends to the log: save at once
        retired: list[int] | None = [] if deferred is not None else None
        ctx = StepContext(conn=conn, case_id=row.id, actor=actor, now=now)
        ran: list[str] = []
        # A savepoint is begun only before a step that can write (a service task's handler
        # is given the connection); until then nothing the step did is in the database:
        # what may fail is computed before the mirrors write.
        begun: list[NestedTransaction] = []

        def may_write(task: Any) -> None:
            if not begun and isinstance(task.task_spec, ScriptEngineTask):
                begun.append(conn.begin_nested())

        try:
            with bound_clock(clock or self.clock), step_context(ctx):
                pending = self._run(workflow, ran, self.budget if budget is None else budget,
                                    may_write)
                compact(workflow)
                waiting = waiting_timers(workflow)
                active = self.mirror.sync(conn, row.id, workflow, now)
                sync_timers(conn, row.id, workflow, now, waiting, retired)
            for savepoint in begun:
                savepoint.commit()
        except Exception as exc:
            for savepoint in begun:
                savepoint.rollback()
            if not begun and isinstance(exc, SQLAlchemyError):
                raise  # not the process's failure: the caller rolls back and records it
            return self._fail(conn, row, definition, actor, exc, origin=origin,
                              reapply=reapply, action=action, payload=payload,
                              element=element, now=now, clock=clock)
        status = "completed" if not pending and not has_unfinished(workflow) else "active"
        if pending:
            self.request_continuation(conn, row.id, now)
            hook, case_id = self.on_pending, row.id
            if hook is not None:
                on_commit(conn, lambda: hook(case_id))
        payload = {**payload, "ran": ran} if ran else payload
        if ctx.service_outputs:
            payload["services"] = ctx.service_outputs
        entry = audit.Entry(actor.id, action, payload, now, element)
        if deferred is not None:
            if retired:
                deferred.retire.setdefault(now, []).extend(retired)
            deferred.saves.append((row, workflow, status, now, entry))
        else:
            self.store.save(conn, row, workflow, status, now, entry)
        self._tell(conn, row, definition, workflow, status, active, now)
        resolved = 0
        if was_incident:  # the failed step ran through: its incident is resolved
            resolved = conn.execute(sa.update(incident).where(
                incident.c.case_id == row.id, incident.c.resolved_at.is_(None))
                .values(resolved_at=now, resolved_by=actor.id)).rowcount
        if resolved:
            audit.append(conn, row.id, actor.id, "incident_resolved", {"count": resolved}, now)
        log.info("%s case %s: %s", action, row.id, status,
                 extra={"case_id": row.id, "action": action, "status": status})
        return StepResult(row.id, status, row.revision, pending, None, active), workflow

    def _run(self, workflow: BpmnWorkflow, ran: list[str], budget: int,
             on_task: Callable[[Any], None] | None = None) -> bool:
        """Run automatic steps; True if the budget ran out with work left."""
        count = 0

        def will_run(task: Any) -> None:
            nonlocal count
            if count >= budget:
                raise _BudgetSpent
            count += 1
            if on_task is not None:
                on_task(task)

        def did_run(task: Any) -> None:
            if task.task_spec.bpmn_id:
                ran.append(element_id(task))

        try:
            while True:
                before = count
                workflow.do_engine_steps(will_complete_task=will_run, did_complete_task=did_run)
                if not has_ready_automatic(workflow):
                    break
                if count == before:
                    raise DepthTrap("案件历史过深，待办步骤已无法找到 (ready steps are no "
                                    "longer reachable: the case's history is too deep for "
                                    "SpiffWorkflow's task search)")
                # timers found due by the final refresh are ready now: run them too
        except _BudgetSpent:
            return True
        if workflow.is_completed() and has_unfinished(workflow):
            raise DepthTrap("流程引擎报告案件已完成，但仍有未完成的工作 (SpiffWorkflow reports "
                            "the case complete while work is pending)")
        return False

    def _fail(self, conn: Connection, row: CaseRow, definition: Definition, actor: Actor,
              exc: Exception, *, origin: str, reapply: Reapply | None, action: str,
              payload: dict[str, Any], element: str | None, now: datetime,
              clock: Clock | None) -> tuple[StepResult, BpmnWorkflow]:
        if row.revision > 0:
            workflow = self.store.load_fresh(conn, row, definition)
        else:  # a case that failed while starting: begin again from its spec
            workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs,
                                    script_engine=self.store.script_engine)
        if reapply is not None:
            with bound_clock(clock or self.clock), step_context(
                    StepContext(conn=conn, case_id=row.id, actor=actor, now=now)):
                reapply(workflow)
        failed_task = getattr(exc, "task", None)
        failed_element = element_id(failed_task) if failed_task is not None else None
        message = _describe(exc)
        incident_id = record_incident(conn, row.id, origin, message, now,
                                      element=failed_element,
                                      spiff_task_id=str(failed_task.id) if failed_task else None,
                                      detail="".join(traceback.format_exception(exc))[-4000:])
        active = self.mirror.sync(conn, row.id, workflow, now, create=False)
        if reapply is not None:
            self.store.save(conn, row, workflow, "incident", now,
                            audit.Entry(actor.id, action, payload, now, element))
        else:
            conn.execute(sa.update(process_case).where(process_case.c.id == row.id)
                         .values(status="incident", updated_at=now))
            row.status = "incident"
        audit.append(conn, row.id, actor.id, "incident", {
            "incident": incident_id, "origin": origin, "message": message,
            "element": failed_element}, now, failed_element)
        self._tell(conn, row, definition, workflow, "incident", active, now)
        log.warning("incident %s on case %s at %s: %s", incident_id, row.id, failed_element,
                    message, extra={"case_id": row.id, "incident_id": incident_id,
                                    "action": action, "status": "incident"})
        return StepResult(row.id, "incident", row.revision, False, incident_id, active), workflow

    def _tell(self, conn: Connection, row: CaseRow, definition: Definition,
              workflow: BpmnWorkflow, status: str, active: list[tuple[int, str, str]],
              now: datetime) -> None:
        if not self.listeners:
            return
        data = current_data(workflow)
        view = CaseView(case_id=row.id, process_key=definition.key, version=definition.version,
                        status=status, data=data, active=tuple((e, n) for _, e, n in active),
                        started_by=row.started_by, now=now,
                        opened=tuple(mirrored(workflow).opened))
        for listener in self.listeners:
            listener.case_changed(conn, view)

    @staticmethod
    def request_continuation(conn: Connection, case_id: int, now: datetime) -> None:
        exists = conn.execute(sa.select(outbox.c.id).where(
            outbox.c.case_id == case_id, outbox.c.done_at.is_(None))).first()
        if exists is None:
            conn.execute(sa.insert(outbox).values(case_id=case_id, reason="continue",
                                                  created_at=now))


def current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The case's variables as they stand now, sub-processes included.

    SpiffWorkflow fills ``workflow.data`` only at the end, and the top workflow's last task
    does not see inside a running sub-process. The freshest view is the data of the ready
    task (a user task, or a step left for the outbox) that became ready last, or else of the
    task that finished last.
    """
    newest_open, newest_done = None, None
    for task in all_tasks(workflow):
        if task.state == TaskState.READY:
            if newest_open is None or task.last_state_change > newest_open.last_state_change:
                newest_open = task
        elif task.state == TaskState.COMPLETED:
            if newest_done is None or task.last_state_change > newest_done.last_state_change:
                newest_done = task
    data = dict(workflow.data or {})
    chosen = newest_open or newest_done
    if chosen is not None:
        data.update(chosen.data)
    return data


TOO_DEEP = "案件历史过深，无法处理（递归层数超限） (the case's history is too deep to process " \
           "(recursion limit))"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SpiffWorkflowException):
        text = str(exc)
        notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None) or []
        return " ".join([text, *[str(n) for n in notes]])[:2000]
    if isinstance(exc, RecursionError):
        return TOO_DEEP
    return f"{type(exc).__name__}: {exc}"[:2000]


def record_incident(conn: Connection, case_id: int, origin: str, message: str, now: datetime,
                    *, element: str | None = None, spiff_task_id: str | None = None,
                    detail: str | None = None) -> int:
    """Open an incident, or count another attempt on the case's open one."""
    current = conn.execute(sa.select(incident.c.id, incident.c.attempts).where(
        incident.c.case_id == case_id, incident.c.resolved_at.is_(None))).first()
    if current is not None:
        conn.execute(sa.update(incident).where(incident.c.id == current.id).values(
            attempts=current.attempts + 1, message=message, detail=detail, origin=origin,
            element_id=element, spiff_task_id=spiff_task_id, updated_at=now))
        return int(current.id)
    return new_id(conn.execute(sa.insert(incident).values(
        case_id=case_id, element_id=element, spiff_task_id=spiff_task_id, origin=origin,
        message=message, detail=detail, created_at=now, updated_at=now)))
