"""The engine: deploy definitions, start cases, complete tasks, fire timers, drain the outbox.

Every operation takes the caller's connection and runs inside the caller's transaction: lock
the case row, load (cache hit or deserialize), check, run, mirror tasks and timers, append to
the audit log, save. The engine never begins or commits; what must wait for the commit (the
live-workflow cache) is registered with ``db.on_commit``. Errors the caller caused raise
before anything changes; failures inside the process become incidents (see steps.py); an
unexpected failure outside them raises ``Crashed`` for the caller to record after rollback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from . import audit, start_timers
from .clock import Clock, FixedClock, SystemClock, bound_clock, install_timer_clock
from .db import on_commit
from .definitions import (
    Definition,
    DefinitionCache,
    Deployed,
    content_hash,
    existing_deployment,
    insert_deployment,
    latest_forms,
    reject_if_problems,
)
from .drivers import Drivers
from .errors import (
    Conflict,
    Crashed,
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    ProcessFailed,
    StartFailed,
)
from .expression_functions import default_functions
from .expressions import Evaluator
from .forms import validate_submission
from .formsafe import data_problems
from .ownership import TaskOwnership
from .repair import CaseRepair
from .schema import human_task, process_case
from .serializer import CaseSerializer
from .services import (
    SYSTEM,
    Actor,
    CandidateResolver,
    CaseListener,
    HandlerRegistry,
    SafeScriptEngine,
    StepContext,
    step_context,
)
from .steps import TOO_DEEP, Stepper, StepResult, record_incident
from .store import CaseRow, CaseStore
from .sync import TaskMirror, mirrored
from .validation import DefinitionValidator, referenced_forms, split_list
from .xmlsafe import DEFAULT_MAX_BYTES, as_utf8_text, parse_untrusted

COMPLETE_TASK = (sa.update(human_task).where(human_task.c.id == sa.bindparam("task_id"))
                 .values(state="completed", completed_at=sa.bindparam("now"),
                         completed_by=sa.bindparam("by"), assignee=sa.bindparam("assignee")))


class Engine(TaskOwnership, Drivers, CaseRepair):
    def __init__(self, db: SqlEngine, *, resolver: CandidateResolver,
                 handlers: HandlerRegistry | None = None, clock: Clock | None = None,
                 listeners: Sequence[CaseListener] = (), step_budget: int = 200,
                 driver_budget: int = 5000,
                 business_tz: tzinfo | str = "Asia/Shanghai",
                 max_bpmn_bytes: int = DEFAULT_MAX_BYTES, cache_size: int = 2000) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.business_tz = ZoneInfo(business_tz) if isinstance(business_tz, str) else business_tz
        install_timer_clock(self.business_tz)
        self.handlers = handlers or HandlerRegistry()
        self.resolver = resolver
        self.evaluator = Evaluator(default_functions(self.business_tz))
        self.script_engine = SafeScriptEngine(self.evaluator, self.handlers)
        self.max_bpmn_bytes = max_bpmn_bytes
        self.definitions = DefinitionCache(max_bpmn_bytes)
        self.validator = DefinitionValidator(self.evaluator, resolver, self.handlers)
        self.store = CaseStore(CaseSerializer(), self.script_engine, cache_size)
        self.mirror = TaskMirror(self.evaluator, resolver)
        self.stepper = Stepper(self.store, self.mirror, self.clock, listeners, step_budget)
        self.driver_budget = driver_budget

    # -- deployments -------------------------------------------------------------------

    def deploy(self, conn: Connection, bpmn: bytes, forms: Mapping[str, Any] | None = None, *,
               actor: str, filename: str | None = None) -> list[Deployed]:
        """Validate and deploy; identical content returns the versions it already has."""
        root = parse_untrusted(bpmn, max_bytes=self.max_bpmn_bytes)
        given = dict(forms or {})
        wanted = referenced_forms(root)
        missing = {k for k in wanted if k not in given}
        if missing:
            given.update(latest_forms(conn, missing))
        checked = self.validator.check(root, given, filename)
        reject_if_problems(checked.problems)
        used = {k: v for k, v in given.items() if k in wanted}
        sha = content_hash(bpmn, used)
        existing = existing_deployment(conn, sha)
        if existing is not None:
            return existing
        now = self.clock.now()
        deployed = insert_deployment(conn, sha=sha, bpmn=as_utf8_text(root, bpmn), forms=used,
                                     processes=checked.processes, actor=actor,
                                     filename=filename, now=now)
        for item in deployed:
            with bound_clock(self.clock):
                start_timers.schedule(conn, self.definitions.get(conn, item.definition_id),
                                      self.evaluator, now)
        return deployed

    def definition(self, conn: Connection, key: str, version: int | None = None) -> Definition:
        return self.definitions.resolve(conn, key, version)

    def may_start(self, definition: Definition, actor: Actor) -> bool:
        """Admins, and anyone holding a role in ``candidateStarterGroups`` (any unit; which
        unit a case may be started for is the domain's check). No groups: anyone."""
        groups = split_list(definition.starter_groups)
        if actor.admin or not groups:
            return True
        return any(actor.holds(g.split("@")[0], None) for g in groups)

    def remember_after_commit(self, conn: Connection, row: CaseRow,
                              workflow: BpmnWorkflow) -> None:
        """Keep the live workflow for the next step once (and only if) the caller commits."""
        case_id, revision = row.id, row.revision
        on_commit(conn, lambda: self.store.live.put(case_id, revision, workflow))

    # -- cases -------------------------------------------------------------------------

    def start_case(self, conn: Connection, key: str, data: Mapping[str, Any], actor: Actor, *,
                   version: int | None = None, business_key: str | None = None) -> StepResult:
        """Start a case of ``key`` with start-form ``data`` inside the caller's transaction."""
        try:
            definition = self.definitions.resolve(conn, key, version)
            if not self.may_start(definition, actor):
                raise Forbidden("您无权发起该流程 (you may not start this process)")
            clean = self._validated(definition, definition.start_form, data)
            result, row, workflow = self._begin(conn, definition, clean, actor, business_key)
        except EngineError:
            raise
        except Exception as exc:  # nothing was stored: there is no case to hold an incident
            raise StartFailed(f"流程未能启动，未保存任何内容 (the process {key!r} could not "
                              f"start: {type(exc).__name__}: {exc})") from exc
        self.remember_after_commit(conn, row, workflow)
        return result

    def start_case_within(self, conn: Connection, definition: Definition,
                          data: Mapping[str, Any], actor: Actor, *,
                          business_key: str | None = None,
                          now: datetime | None = None) -> StepResult:
        """Start a case of a resolved definition with data the caller built (not checked
        against a start form), e.g. a service task that opens one case per unit: the new
        cases commit or roll back with the step that opened them."""
        clock = FixedClock(now) if now is not None else None
        result, _, _ = self._begin(conn, definition, data, actor, business_key, clock=clock)
        return result

    def _begin(self, conn: Connection, definition: Definition, data: Mapping[str, Any],
               actor: Actor, business_key: str | None,
               clock: Clock | None = None) -> tuple[StepResult, CaseRow, BpmnWorkflow]:
        """Create a case and run it until it waits, inside the caller's transaction."""
        now = (clock or self.clock).now()
        row = self.store.create(conn, definition.id, actor.id, business_key, now)
        workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs,
                                script_engine=self.script_engine)
        known = mirrored(workflow)  # a new case has no task or timer rows to read
        known.tasks, known.timers = {}, {}
        start_data = {**data, "initiator": actor.id}
        _seed(workflow, start_data)
        result, workflow = self.stepper.advance(
            conn, row, definition, workflow, actor, action="start", origin="start",
            reapply=lambda wf: _seed(wf, start_data), payload={"data": dict(data)},
            now=now, clock=clock)
        return result, row, workflow

    def complete_task(self, conn: Connection, task_id: int, actor: Actor,
                      data: Mapping[str, Any], *,
                      expected_revision: int | None = None) -> StepResult:
        """Complete an open human task inside the caller's transaction. An unexpected
        failure raises :class:`Crashed`: roll back, then :meth:`record_crash`."""
        try:
            return self._complete_task(conn, task_id, actor, data, expected_revision)
        except EngineError:
            raise
        except Exception as exc:
            raise Crashed("completion", exc, task_id=task_id) from exc

    def _complete_task(self, conn: Connection, task_id: int, actor: Actor,
                       data: Mapping[str, Any], expected_revision: int | None) -> StepResult:
        row, task_row = self._lock_task(conn, task_id)
        if expected_revision is not None and expected_revision != row.revision:
            raise Conflict(f"案件已被他人更新，请刷新后重试 (case {row.id} is at revision "
                           f"{row.revision}, not {expected_revision}; reload and try again)",
                           case_id=row.id, task_id=task_id, code="stale_revision")
        self._check_open(task_row)
        self._check_entitled(conn, task_row, actor)
        definition = self.definitions.get(conn, row.definition_id)
        ext = definition.user_task_ext(task_row.element_id)
        self._check_excluded(conn, row.id, task_row, ext, actor)
        clean = self._validated(definition, task_row.form_key, data, task_id=task_id)
        workflow = self.store.load(conn, row, definition)
        spiff_id = UUID(task_row.spiff_task_id)
        task = workflow.get_task_from_id(spiff_id)
        if task is None or task.state != TaskState.READY:
            raise Conflict("该任务已不可办理 (the task is no longer ready)", case_id=row.id,
                           task_id=task_id)

        def apply(wf: BpmnWorkflow) -> None:
            target = wf.get_task_from_id(spiff_id)
            target.data.update(clean)
            target.run()

        now = self.clock.now()
        with bound_clock(self.clock), step_context(
                StepContext(conn=conn, case_id=row.id, actor=actor, now=now)):
            apply(workflow)
        conn.execute(COMPLETE_TASK, {"task_id": task_id, "now": now, "by": actor.id,
                                     "assignee": task_row.assignee or actor.id})
        known = mirrored(workflow).tasks
        if known is not None:
            known.pop(task_row.spiff_task_id, None)
        result, workflow = self.stepper.advance(
            conn, row, definition, workflow, actor, action="complete", origin="completion",
            reapply=apply, payload={"task": task_id, "data": clean},
            element=task_row.element_id, now=now)
        self.remember_after_commit(conn, row, workflow)
        return result

    def send_message(self, conn: Connection, case_id: int, name: str,
                     payload: Mapping[str, Any], actor: Actor) -> StepResult:
        """Deliver a BPMN message to one case; the payload lands in the variable ``name``."""
        if not isinstance(payload, Mapping):
            raise InvalidInput("消息数据必须是对象 (a message's data must be a JSON object)",
                               case_id=case_id)
        too_large = data_problems(dict(payload))
        if too_large:  # a message without a form is still bounded like any submission
            raise InvalidInput("消息数据过大 (the message's data is too large)", too_large,
                               case_id=case_id, code="invalid_form")
        row = self.store.lock(conn, case_id)
        self._check_running(row)
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load(conn, row, definition)
        event = BpmnEvent(MessageEventDefinition(name), {})
        for catcher in workflow.event_manager.tasks.values():
            if catcher.task_spec.catches(catcher, event):
                props = (catcher.task_spec.extensions or {}).get("properties") or {}
                if props.get("formKey"):
                    payload = self._validated(definition, props["formKey"], payload)
        event_payload = {"payload": dict(payload), "result_var": name}

        def deliver(wf: BpmnWorkflow) -> int:
            return int(wf.event_manager.catch(
                BpmnEvent(MessageEventDefinition(name), event_payload), internal=False))

        if not deliver(workflow):
            raise Conflict(f"案件 {case_id} 没有在等待消息 {name!r} (case {case_id} is not "
                           f"waiting for message {name!r})",
                           case_id=case_id)
        result, workflow = self.stepper.advance(
            conn, row, definition, workflow, actor, action="message", origin="message",
            reapply=lambda wf: _ignore(deliver(wf)),
            payload={"message": name, "data": dict(payload)})
        self.remember_after_commit(conn, row, workflow)
        return result

    def record_crash(self, conn: Connection, crash: Crashed) -> EngineError:
        """Record a :class:`Crashed` failure as an incident, in a transaction the caller
        opened after rolling back the one that crashed; returns the error to raise."""
        case_id = crash.case_id
        if case_id is None and crash.task_id is not None:
            case_id = conn.execute(sa.select(human_task.c.case_id).where(
                human_task.c.id == crash.task_id)).scalar()
        if case_id is None:
            return crash
        self.store.live.evict(case_id)
        row = self.store.lock(conn, case_id)
        now = self.clock.now()
        exc = crash.cause
        message = TOO_DEEP if isinstance(exc, RecursionError) \
            else f"{type(exc).__name__}: {exc}"[:2000]
        incident_id = record_incident(conn, case_id, crash.origin, message, now)
        conn.execute(sa.update(process_case).where(process_case.c.id == case_id)
                     .values(status="incident", updated_at=now))
        audit.append(conn, row.id, SYSTEM.id, "incident",
                     {"incident": incident_id, "origin": crash.origin, "message": message}, now)
        return ProcessFailed(f"流程出错，已记录为故障，监管人员可查看并重试 (the process failed; "
                             f"a supervisor can see and retry incident {incident_id})",
                             incident_id=incident_id, case_id=case_id)

    # -- checks --------------------------------------------------------------------------

    @staticmethod
    def _check_running(row: CaseRow) -> None:
        if row.status in ("completed", "terminated"):
            raise Conflict(f"案件 {row.id} 已结束 (case {row.id} is {row.status})",
                           case_id=row.id)
        if row.status == "suspended":
            raise Conflict(f"案件 {row.id} 已挂起 (case {row.id} is suspended)", case_id=row.id,
                           code="suspended")

    def _validated(self, definition: Definition, form_key: str | None,
                   data: Mapping[str, Any], task_id: int | None = None) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise InvalidInput("表单数据必须是对象 (form data must be a JSON object)",
                               task_id=task_id)
        if form_key is None:
            if data:
                raise InvalidInput("此步骤没有表单，请不要提交数据 (this step has no form; "
                                   "send no data)", task_id=task_id)
            return {}
        schema = definition.forms.get(form_key)
        if schema is None:
            raise NotFound(f"部署中缺少表单 {form_key!r} (form {form_key!r} is missing from the "
                           "deployment)")
        problems = validate_submission(schema, dict(data))
        if problems:
            raise InvalidInput("表单填写有误 (the form has errors)", problems, task_id=task_id,
                               code="invalid_form")
        return dict(data)

def _seed(workflow: BpmnWorkflow, data: Mapping[str, Any]) -> None:
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)


def _ignore(_: Any) -> None:
    return None
