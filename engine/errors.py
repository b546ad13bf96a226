"""The runtime's own exceptions.

Each carries what a caller needs to explain itself: the case, the task and, for
deployments, the element and line. Only ``web/`` turns them into HTTP statuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Detail:
    """One located problem: a BPMN element or a form field, with a line where known."""

    message: str
    element: str | None = None
    field: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.element is not None:
            out["element_id"] = self.element
        if self.field is not None:
            out["field"] = self.field
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    message: str
    details: list[Detail] = field(default_factory=list)
    case_id: int | None = None
    task_id: int | None = None
    code: str = "engine_error"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        extra = "; ".join(d.message for d in self.details[:3])
        return f"{self.message}: {extra}" if extra else self.message


class DeploymentError(EngineError):
    """The BPMN file or its forms were refused; nothing was deployed."""

    def __init__(self, message: str, details: list[Detail] | None = None) -> None:
        super().__init__(message, details or [], code="invalid_bpmn")


class PayloadTooLarge(EngineError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_large")


class NotFound(EngineError):
    def __init__(self, message: str, *, case_id: int | None = None,
                 task_id: int | None = None) -> None:
        super().__init__(message, case_id=case_id, task_id=task_id, code="not_found")


class Forbidden(EngineError):
    """The actor may not do this (not a candidate, not the assignee, excluded performer)."""

    def __init__(self, message: str, *, case_id: int | None = None,
                 task_id: int | None = None) -> None:
        super().__init__(message, case_id=case_id, task_id=task_id, code="forbidden")


class Conflict(EngineError):
    """The world moved on: the task is no longer ready, or the revision is stale."""

    def __init__(self, message: str, *, case_id: int | None = None,
                 task_id: int | None = None, code: str = "conflict") -> None:
        super().__init__(message, case_id=case_id, task_id=task_id, code=code)


class InvalidInput(EngineError):
    """The caller's data is wrong (a form, a date); nothing changed."""

    def __init__(self, message: str, details: list[Detail] | None = None, *,
                 case_id: int | None = None, task_id: int | None = None,
                 code: str = "invalid_input") -> None:
        super().__init__(message, details or [], case_id=case_id, task_id=task_id, code=code)


class ProcessFailed(EngineError):
    """The process itself failed (not the caller's input); an incident records it."""

    def __init__(self, message: str, *, incident_id: int, case_id: int) -> None:
        super().__init__(message, case_id=case_id, code="incident")
        self.incident_id = incident_id


class Crashed(EngineError):
    """Something unexpected broke outside the process's own steps (a load, a save, a bug).

    Raised inside the caller's transaction, which must roll back; the caller then records
    the failure in a transaction of its own (``Engine.record_crash``), because the case's
    lock is held until the rollback."""

    def __init__(self, origin: str, cause: BaseException, *, case_id: int | None = None,
                 task_id: int | None = None) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}", case_id=case_id,
                         task_id=task_id, code="crashed")
        self.origin = origin
        self.cause = cause


class StartFailed(EngineError):
    """A case could not start because the process failed at once; nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="start_failed")


class ExpressionError(Exception):
    """An expression was refused or failed; raised inside the evaluator."""
