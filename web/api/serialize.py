"""Turning rows and results into JSON-safe values and the API's models."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hazardflow.engine import StepResult
from hazardflow.workflows import formfields

from ..serialize import jsonable
from .models.common import EVIDENCE_PATTERN, CaseResult, StepTask, task_form_url

__all__ = ["case_result", "form_for_clients", "jsonable"]


def case_result(result: StepResult) -> CaseResult:
    """The answer for a step: the case and its open tasks, each linking to its form."""
    return CaseResult(
        id=result.case_id, status=result.status, revision=result.revision,  # type: ignore[arg-type]
        pending=result.pending, incident=result.incident_id,
        active_tasks=[StepTask(id=i, element_id=e, name=n, form_url=task_form_url(i))
                      for i, e, n in result.open_tasks])


def form_for_clients(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A deployed form's JSON Schema as the API serves it: the same, with what the server
    reads into some fields said in the schema: an evidence field's items are ``ev-…``
    references (``pattern``, ``x-widget: evidence``), a person field a username
    (``x-widget: user``). The server checks data against the deployed form and these."""
    out: dict[str, Any] = copy.deepcopy(dict(schema))
    for name, spec in formfields.properties(out):
        kind = formfields.widget(name, spec)
        field = spec if isinstance(spec, dict) else {}
        if kind == "evidence" and isinstance(field.get("items"), dict):
            field["items"].update(pattern=EVIDENCE_PATTERN, examples=["ev-12"])
            field.setdefault("x-widget", "evidence")
        elif kind == "user":
            field.setdefault("x-widget", "user")
    return out
