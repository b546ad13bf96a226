"""Operators' repairs of one case: suspend, resume, terminate, move the token, hand a task to
someone else (or back to its group), change variables and re-derive the dates that follow.

Each operation runs in the caller's transaction like every other engine operation: lock the
case row, load, check, change, mirror the tasks and timers, append to the case's audit log
(with the operator's reason), save. Refusals raise engine errors carrying the case and task; nothing
changes then. A suspended case refuses completions, claims, messages, retries and timer
firings (its due timers wait, and fire once it is resumed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.engine import Connection

from . import audit
from .clock import Clock, bound_clock
from .definitions import Definition, DefinitionCache
from .errors import Conflict, Detail, InvalidInput, NotFound
from .expressions import Evaluator, timer_source, unwrap
from .ownership import NOT_CANDIDATE, NOT_CANDIDATE_FIELD, TaskRow, read_task
from .schema import human_task, incident, outbox, process_case, timer
from .services import Actor, StepContext, step_context
from .steps import Stepper, StepResult, current_data
from .store import CaseRow, CaseStore
from .sync import UNFINISHED, all_tasks, element_id, mirrored, resolve_due, waiting_timers

MAX_HOPS = 30
SUSPENDED = "suspended"
FINISHED = ("completed", "terminated")


def _reason(reason: str, case_id: int | None = None, task_id: int | None = None) -> str:
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if not text:
        raise InvalidInput("请填写原因 (a reason is required)",
                           [Detail("请填写原因 (reason required)", field="reason")],
                           case_id=case_id, task_id=task_id, code="reason_required")
    return text[:1000]


def _replace_data(task: Any, values: Mapping[str, Any]) -> None:
    task.data = {**task.data, **values}  # replace, never mutate: data is shared shallowly


class CaseRepair:
    store: CaseStore
    clock: Clock
    definitions: DefinitionCache
    stepper: Stepper
    evaluator: Evaluator
    fire_case_timers: Callable[[Connection, int, datetime], bool]
    remember_after_commit: Callable[[Connection, CaseRow, BpmnWorkflow], None]
    _is_candidate: Callable[[TaskRow, Actor], bool]

    # -- suspend / resume / terminate -----------------------------------------------------

    def suspend(self, conn: Connection, case_id: int, actor: Actor, reason: str) -> None:
        why = _reason(reason, case_id)
        row = self.store.lock(conn, case_id)
        if row.status == SUSPENDED:
            raise Conflict(f"案件 {case_id} 已挂起 (case {case_id} is already suspended)",
                           case_id=case_id,
                           code="suspended")
        self._refuse_finished(row)
        now = self.clock.now()
        self._set_status(conn, case_id, SUSPENDED, now)
        audit.append(conn, case_id, actor.id, "suspend",
                     {"reason": why, "was": row.status}, now)

    def resume(self, conn: Connection, case_id: int, actor: Actor, reason: str) -> str:
        """Resume a suspended case; timers that came due meanwhile fire now. Returns the
        status it resumes in (``active``, or ``incident`` while an incident is open)."""
        why = _reason(reason, case_id)
        row = self.store.lock(conn, case_id)
        if row.status != SUSPENDED:
            raise Conflict(f"案件 {case_id} 未挂起 (case {case_id} is not suspended (it is "
                           f"{row.status}))",
                           case_id=case_id)
        now = self.clock.now()
        open_incident = conn.execute(sa.select(incident.c.id).where(
            incident.c.case_id == case_id, incident.c.resolved_at.is_(None))).first()
        status = "incident" if open_incident is not None else "active"
        self._set_status(conn, case_id, status, now)
        audit.append(conn, case_id, actor.id, "resume", {"reason": why, "status": status},
                     now)
        due = conn.execute(sa.select(timer.c.id).where(
            timer.c.case_id == case_id, timer.c.fired_at.is_(None),
            timer.c.due_at <= now)).first()
        if status == "active" and due is not None:
            self.fire_case_timers(conn, case_id, now)
        return status

    def terminate(self, conn: Connection, case_id: int, actor: Actor, reason: str) -> None:
        """Stop a case for good: its open tasks are cancelled, its timers retired."""
        why = _reason(reason, case_id)
        row = self.store.lock(conn, case_id)
        self._refuse_finished(row)
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load(conn, row, definition)
        workflow.cancel()
        now = self.clock.now()
        cancelled = conn.execute(sa.update(human_task).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")
            .values(state="cancelled", completed_at=now)).rowcount
        conn.execute(sa.update(timer).where(timer.c.case_id == case_id,
                                            timer.c.fired_at.is_(None))
                     .values(fired_at=now))
        conn.execute(sa.update(outbox).where(outbox.c.case_id == case_id,
                                             outbox.c.done_at.is_(None))
                     .values(done_at=now))
        conn.execute(sa.update(incident).where(incident.c.case_id == case_id,
                                               incident.c.resolved_at.is_(None))
                     .values(resolved_at=now, resolved_by=actor.id))
        mirrored(workflow).tasks = {}
        mirrored(workflow).timers = {}
        self.store.save(conn, row, workflow, "terminated", now)
        audit.append(conn, case_id, actor.id, "terminate",
                     {"reason": why, "was": row.status, "tasks_cancelled": cancelled}, now)
        self.remember_after_commit(conn, row, workflow)

    # -- tasks ------------------------------------------------------------------------------

    def reassign_task(self, conn: Connection, task_id: int, actor: Actor, assignee: Actor | None,
                      reason: str) -> None:
        """Give an open task to one of its candidates, or (``None``) back to its group.

        Who may do this is the caller's check (a supervisor over the case's unit)."""
        why = _reason(reason, task_id=task_id)
        row = self.store.lock_of_task(conn, task_id)
        if row is None:
            raise NotFound(f"任务 {task_id} 不存在 (task {task_id} does not exist)",
                           task_id=task_id)
        task_row = read_task(conn, task_id)
        assert task_row is not None  # the lock found the case through this task
        if task_row.state != "open":
            raise Conflict(f"该任务已办结 (the task was already {task_row.state})",
                           case_id=row.id,
                           task_id=task_id)
        if assignee is not None and not self._is_candidate(task_row, assignee):
            raise InvalidInput(NOT_CANDIDATE, [Detail(NOT_CANDIDATE_FIELD, field="assignee")],
                               case_id=row.id, task_id=task_id)
        if assignee is None and not task_row.candidates:
            raise Conflict("该任务没有可退回的候选组 (the task has no candidate group to "
                           "return to)",
                           case_id=row.id, task_id=task_id)
        now = self.clock.now()
        conn.execute(sa.update(human_task).where(human_task.c.id == task_id).values(
            assignee=assignee.id if assignee else None,
            claimed_at=now if assignee else None))
        audit.append(conn, row.id, actor.id, "reassign" if assignee else "return_to_group",
                     {"task": task_id, "from": task_row.assignee,
                      "to": assignee.id if assignee else None, "reason": why},
                     now, task_row.element_id)

    # -- variables ------------------------------------------------------------------------

    def set_variables(self, conn: Connection, case_id: int, values: Mapping[str, Any], actor: Actor,
                      reason: str) -> StepResult:
        """Change case variables; due dates and waiting timers whose expressions read them
        are evaluated again (a deadline extension moves its escalation timers with it)."""
        why = _reason(reason, case_id)
        if not isinstance(values, Mapping) or not values:
            raise InvalidInput("请填写要修改的变量 (send the variables to change)",
                               case_id=case_id)
        changed = dict(values)
        row = self.store.lock(conn, case_id)
        self._refuse_finished(row)
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load(conn, row, definition)
        now = self.clock.now()

        def apply(wf: BpmnWorkflow) -> None:
            for task in all_tasks(wf):
                if task.state & UNFINISHED:
                    _replace_data(task, changed)
            self._rederive_timers(wf, changed)

        with bound_clock(self.clock):
            apply(workflow)
        moved = self._rederive_due_dates(conn, case_id, definition, workflow, changed, now)
        result, workflow = self._advance(
            conn, row, definition, workflow, actor, "set_variables", apply,
            {"values": changed, "reason": why, "due_moved": moved}, now)
        self.remember_after_commit(conn, row, workflow)
        return result

    def _rederive_timers(self, workflow: BpmnWorkflow, changed: Mapping[str, Any]) -> None:
        for task, _due in waiting_timers(workflow).values():
            expression = str(getattr(task.task_spec.event_definition, "expression", "") or "")
            if not _reads(expression, changed):
                continue
            source = expression if expression.startswith("timer_value(") \
                else f"timer_value({timer_source(expression)})"
            value = self.evaluator.evaluate(source, task.data)
            if isinstance(value, str) and not value.startswith(("P", "R")):
                due = datetime.fromisoformat(value)
                task.internal_data["event_value"] = due.astimezone(UTC).isoformat()

    def _rederive_due_dates(self, conn: Connection, case_id: int, definition: Definition,
                            workflow: BpmnWorkflow, changed: Mapping[str, Any],
                            now: datetime) -> list[int]:
        moved: list[int] = []
        for row in conn.execute(sa.select(human_task.c.id, human_task.c.element_id,
                                          human_task.c.spiff_task_id, human_task.c.due_at)
                                .where(human_task.c.case_id == case_id,
                                       human_task.c.state == "open")).all():
            source = str(definition.user_task_ext(row.element_id).get("dueDate") or "")
            task = workflow.get_task_from_id(UUID(row.spiff_task_id))
            if task is None or not _reads(source, changed):
                continue
            due = resolve_due(self.evaluator, source, task.data, now)
            if due != row.due_at:
                conn.execute(sa.update(human_task).where(human_task.c.id == row.id)
                             .values(due_at=due))
                moved.append(int(row.id))
        return moved

    # -- moving the token ---------------------------------------------------------------

    def move_token(self, conn: Connection, case_id: int, target: str, actor: Actor, reason: str,
                   data: Mapping[str, Any] | None = None) -> StepResult:
        """Put the case at user task ``target``: back to its last completed instance (a
        reset: the task re-opens for its candidates), or forward by skipping the open user
        tasks (their work is not done; gateways decide with the case's data, plus ``data``).
        """
        why = _reason(reason, case_id)
        extra = dict(data or {})
        row = self.store.lock(conn, case_id)
        self._refuse_finished(row)
        if row.status == SUSPENDED:
            raise Conflict(f"案件 {case_id} 已挂起，请先恢复 (case {case_id} is suspended; "
                           "resume it first)",
                           case_id=case_id, code="suspended")
        definition = self.definitions.get(conn, row.definition_id)
        if not _is_user_task(definition, target):
            raise InvalidInput(f"{target!r} 不是本流程的用户任务 ({target!r} is not a user "
                               "task of this process)",
                               [Detail("没有这个用户任务 (unknown user task)", element=target,
                                       field="target")], case_id=case_id)
        workflow = self.store.load_fresh(conn, row, definition)
        if any(element_id(t) == target and t.state == TaskState.READY
               for t in all_tasks(workflow)):
            raise Conflict(f"案件已经停在 {target} (the case is already at {target})",
                           case_id=case_id)
        now = self.clock.now()
        earlier = _last_completed(workflow, target)
        skipped: list[str] = []
        ctx = StepContext(conn=conn, case_id=case_id, actor=actor, now=now)

        def apply(wf: BpmnWorkflow) -> None:
            skipped.clear()
            if earlier is not None:
                base = {**current_data(wf), **extra}
                wf.reset_from_task_id(earlier, data=base)
                _renew_id(wf, earlier)
                _forget_dropped_events(wf)
            else:
                _skip_to(wf, target, extra, skipped)
            _close_vanished(conn, case_id, wf, skipped, now)

        try:
            with bound_clock(self.clock), step_context(ctx):
                apply(workflow)
        except Conflict:
            raise
        except Exception as exc:
            raise Conflict(f"无法把案件 {case_id} 移到 {target} (cannot move case {case_id} to "
                           f"{target}: {type(exc).__name__}: {exc})", case_id=case_id) from exc
        payload = {"target": target, "reason": why, "mode": "reset" if earlier else "skip",
                   "skipped": len(skipped), "data": extra}
        result, workflow = self._advance(conn, row, definition, workflow, actor,
                                         "move_token", apply, payload, now, element=target)
        self.remember_after_commit(conn, row, workflow)
        return result

    # -- helpers ------------------------------------------------------------------------------

    def _advance(self, conn: Connection, row: CaseRow, definition: Definition,
                 workflow: BpmnWorkflow, actor: Actor, action: str,
                 apply: Callable[[BpmnWorkflow], None], payload: dict[str, Any],
                 now: datetime,
                 element: str | None = None) -> tuple[StepResult, BpmnWorkflow]:
        return self.stepper.advance(
            conn, row, definition, workflow, actor, action=action, origin=action,
            reapply=apply, payload=payload, element=element, now=now)

    @staticmethod
    def _refuse_finished(row: CaseRow) -> None:
        if row.status in FINISHED:
            raise Conflict(f"案件 {row.id} 已结束 (case {row.id} is {row.status})",
                           case_id=row.id)

    @staticmethod
    def _set_status(conn: Connection, case_id: int, status: str, now: datetime) -> None:
        conn.execute(sa.update(process_case).where(process_case.c.id == case_id)
                     .values(status=status, updated_at=now))


def _reads(expression: str, changed: Mapping[str, Any]) -> bool:
    """Whether an expression (``${...}``) names one of the changed variables."""
    body = unwrap(expression)
    return any(_names(body, name) for name in changed)


def _names(body: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", body) is not None


def _is_user_task(definition: Definition, target: str) -> bool:
    specs = [definition.spec, *definition.subprocess_specs.values()]
    for spec in specs:
        found = spec.task_specs.get(target)
        if found is not None:
            return bool(getattr(found, "manual", False))
    return False


def _last_completed(workflow: BpmnWorkflow, target: str) -> UUID | None:
    done = [t for t in all_tasks(workflow)
            if element_id(t) == target and t.state == TaskState.COMPLETED]
    if not done:
        return None
    newest: UUID = max(done, key=lambda t: t.last_state_change).id
    return newest


def _renew_id(workflow: BpmnWorkflow, task_id: UUID) -> None:
    """Give a reset task a new id: its earlier instance keeps its own human-task row."""
    task = workflow.get_task_from_id(task_id)
    owner = task.workflow
    fresh = uuid4()
    task.id = fresh
    # keep the dictionary's order: the serializer restores a task's data from its parent's
    owner.tasks = {(fresh if key == task_id else key): value
                   for key, value in owner.tasks.items()}
    parent = task.parent
    if parent is not None:
        parent._children = [fresh if c == task_id else c for c in parent._children]
    for child in task.children:
        child._parent = fresh


def _forget_dropped_events(workflow: BpmnWorkflow) -> None:
    """A reset drops waiting catch events from the tree; SpiffWorkflow's event manager
    still lists them (and would refresh a timer without a parent): forget them."""
    present = {t.id for t in all_tasks(workflow)}
    for manager in {id(w.event_manager): w.event_manager
                    for w in (workflow, *workflow.subprocesses.values())
                    if getattr(w, "event_manager", None) is not None}.values():
        for task_id in [k for k in manager.tasks if k not in present]:
            del manager.tasks[task_id]


def _close_vanished(conn: Connection, case_id: int, workflow: BpmnWorkflow,
                    skipped: list[str], now: datetime) -> None:
    """Cancel the rows of open tasks that were skipped or that a reset removed."""
    present = {str(t.id) for t in all_tasks(workflow)}
    rows = conn.execute(sa.select(human_task.c.id, human_task.c.spiff_task_id).where(
        human_task.c.case_id == case_id, human_task.c.state == "open")).all()
    gone = [r for r in rows if r.spiff_task_id in skipped or r.spiff_task_id not in present]
    if gone:
        conn.execute(sa.update(human_task).where(human_task.c.id.in_([r.id for r in gone]))
                     .values(state="cancelled", completed_at=now))
    known = mirrored(workflow).tasks
    if known is not None:
        for r in gone:
            known.pop(r.spiff_task_id, None)


def _skip_to(workflow: BpmnWorkflow, target: str, data: Mapping[str, Any],
             skipped: list[str]) -> None:
    """Complete (without doing) the ready user tasks until ``target`` is ready."""
    for _ in range(MAX_HOPS):
        ready = [t for t in all_tasks(workflow) if t.state == TaskState.READY]
        if any(element_id(t) == target and t.task_spec.manual for t in ready):
            return
        manual = [t for t in ready if t.task_spec.manual]
        if not manual:
            break
        for task in manual:
            _replace_data(task, data)
            skipped.append(str(task.id))
            task.complete()
        workflow.do_engine_steps()
    now_at = sorted({element_id(t) for t in all_tasks(workflow)
                     if t.state == TaskState.READY and t.task_spec.manual})
    raise Conflict(f"向后跳过到不了 {target}，案件会停在 {', '.join(now_at) or '（无用户任务）'} "
                   f"(skipping forward does not reach {target}; the case would wait at "
                   f"{', '.join(now_at) or 'no user task'})")
