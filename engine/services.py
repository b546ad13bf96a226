"""What the domain plugs into the engine: actors, candidate resolution, service-task handlers,
and the script engine that routes every expression and service call through them."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from sqlalchemy.engine import Connection

from .errors import ExpressionError
from .expressions import Evaluator, unwrap
from .sandbox import MAX_INSTANCES, SandboxEnvironment

Grant = tuple[str, str | None]  # (role, unit); unit None: the role wherever it is held


@dataclass(frozen=True)
class Actor:
    """Who acts: an opaque id and the (role, unit) pairs they hold."""

    id: str
    grants: frozenset[Grant] = frozenset()
    admin: bool = False

    def holds(self, role: str, unit: str | None) -> bool:
        if unit is None:
            return any(r == role for r, _ in self.grants)
        return (role, unit) in self.grants

    @property
    def roles(self) -> set[str]:
        return {r for r, _ in self.grants}


SYSTEM = Actor("system")


class CandidateResolver(Protocol):
    """Turns one candidate expression (``safety_officer@unit``) into (role, unit) pairs."""

    def check(self, expression: str) -> str | None:
        """An error message when the expression can never resolve, else None."""
        ...

    def resolve(self, expression: str, data: Mapping[str, Any],
                conn: Connection) -> list[Grant]:
        ...


@dataclass(frozen=True)
class ServiceCall:
    """What a service-task handler receives. ``data`` is a copy; return new values instead."""

    conn: Connection
    case_id: int
    element_id: str
    topic: str
    params: Mapping[str, Any]
    data: Mapping[str, Any]
    now: datetime
    actor: Actor


Handler = Callable[[ServiceCall], Mapping[str, Any] | None]


@dataclass
class HandlerRegistry:
    """Service-task handlers by ``camunda:topic``, with the variables each one sets."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    outputs: dict[str, frozenset[str]] = field(default_factory=dict)

    def register(self, topic: str, handler: Handler, outputs: tuple[str, ...] = ()) -> None:
        if topic in self.handlers:
            raise ValueError(f"a handler for topic {topic!r} is already registered")
        self.handlers[topic] = handler
        self.outputs[topic] = frozenset(outputs)

    def topic(self, name: str, outputs: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
        def decorate(func: Handler) -> Handler:
            self.register(name, func, outputs)
            return func
        return decorate


@dataclass
class StepContext:
    conn: Connection
    case_id: int
    actor: Actor
    now: datetime
    service_outputs: list[dict[str, Any]] = field(default_factory=list)


_step: contextvars.ContextVar[StepContext | None] = contextvars.ContextVar(
    "hazardflow_step", default=None)


@contextlib.contextmanager
def step_context(ctx: StepContext) -> Iterator[StepContext]:
    token = _step.set(ctx)
    try:
        yield ctx
    finally:
        _step.reset(token)


class SafeScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine with eval/exec replaced by the safe evaluator.

    Its ``environment``, which some SpiffWorkflow code calls directly, is the same
    evaluator (:class:`~.sandbox.SandboxEnvironment`): no path reaches Python's ``eval``.
    """

    def __init__(self, evaluator: Evaluator, handlers: HandlerRegistry) -> None:
        super().__init__(environment=SandboxEnvironment(evaluator))
        self.evaluator = evaluator
        self.handlers = handlers

    def validate(self, expression: str) -> None:
        try:
            self.evaluator.check(unwrap(expression))
        except ExpressionError as exc:
            raise SyntaxError(str(exc)) from None

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
        except ExpressionError as exc:
            raise WorkflowTaskException(str(exc), task=task) from None
        spec = task.task_spec
        if isinstance(spec, MultiInstanceTask) and expression == spec.cardinality \
                and isinstance(value, int) and value > MAX_INSTANCES:
            raise WorkflowTaskException(
                f"多实例活动最多运行 {MAX_INSTANCES} 个实例，却要求了 {value} 个 ({value} "
                f"instances requested; a multi-instance activity runs at most {MAX_INSTANCES})",
                task=task)
        return value

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        raise WorkflowTaskException(
            "不允许脚本任务，请改用带 camunda:topic 的服务任务 (script tasks are not allowed; "
            "use a service task with camunda:topic)", task=task)

    def call_service(self, task: Any, topic: str | None = None,
                     params: Mapping[str, str] | None = None, **_: Any) -> bool:
        ctx = _step.get()
        handler = self.handlers.handlers.get(topic or "")
        if ctx is None or handler is None:
            raise WorkflowTaskException(f"服务 {topic!r} 没有登记处理程序 (no handler registered "
                                        f"for topic {topic!r})", task=task)
        values = {}
        for name, raw in (params or {}).items():
            values[name] = self.evaluate(task, raw) if raw.strip().startswith("${") else raw
        call = ServiceCall(conn=ctx.conn, case_id=ctx.case_id,
                           element_id=task.task_spec.bpmn_id or task.task_spec.name,
                           topic=topic or "", params=values, data=dict(task.data),
                           now=ctx.now, actor=ctx.actor)
        try:
            result = handler(call)
        except WorkflowTaskException:
            raise
        except Exception as exc:
            raise WorkflowTaskException(
                f"服务 {topic!r} 的处理程序出错 (handler for topic {topic!r} failed: "
                f"{type(exc).__name__}: {exc})",
                task=task) from exc
        if result:
            allowed = self.handlers.outputs.get(topic or "", frozenset())
            unexpected = set(result) - allowed
            if unexpected:
                raise WorkflowTaskException(
                    f"服务 {topic!r} 的处理程序设置了未声明的变量 {sorted(unexpected)} (handler "
                    f"for {topic!r} set undeclared variables {sorted(unexpected)})",
                    task=task)
            task.data.update(result)
            ctx.service_outputs.append({"element": call.element_id, "topic": topic,
                                        "set": dict(result)})
        return True


@dataclass(frozen=True)
class CaseView:
    """A case as listeners see it after each saved step, inside the same transaction."""

    case_id: int
    process_key: str
    version: int
    status: str  # active, completed, incident, terminated
    data: Mapping[str, Any]
    active: tuple[tuple[str, str], ...]  # (element id, name) of the open human tasks
    started_by: str
    now: datetime
    opened: tuple[int, ...] = ()  # ids of the human tasks this step opened (new work)


class CaseListener(Protocol):
    """Keeps domain rows (the hazard ledger) in step with a case; runs in its transaction."""

    def case_changed(self, conn: Connection, view: CaseView) -> None:
        ...
