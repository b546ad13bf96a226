"""The models every part of API v1 shares: the error, a step's result, tasks, hazards, cases.

``Envelope``: an answer's or a request's own object, exactly these fields. ``Row``: a
domain object the API passes on (a task, a hazard row…): the fields listed are always
there, with these types; more may come (``additionalProperties``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

MAX_ID = 2**31 - 1

EVIDENCE_PATTERN = r"^ev-[1-9][0-9]{0,9}$"
EvidenceRef = Annotated[str, Field(
    pattern=EVIDENCE_PATTERN, examples=["ev-12"],
    description="证据文件引用：POST /api/v1/evidence 的答复 id，表单证据字段中写它 (an evidence "
                "reference: the id POST /api/v1/evidence answers; a form's evidence field "
                "names it)")]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
FormData = Annotated[dict[str, Any], Field(
    description="表单数据：按 form_url 给出的 JSON Schema 填写，由服务器校验 (form fields, "
                "checked by the server against the JSON Schema its form_url links to)")]
JsonSchema = Annotated[dict[str, Any], Field(description="a JSON Schema (Draft 2020-12)")]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(Row):
    message: str
    field: str | None = Field(None, description="表单或请求字段 (the form or request field)")
    element_id: str | None = Field(None, description="BPMN 元素 (the BPMN element)")
    line: int | None = None


class Error(Envelope):
    """每个错误答复 (every error answer)."""

    error: str = Field(description="机器可读的错误码 (a code for programs)")
    message: str = Field(description="说明，中文在前 (what happened, Chinese first)")
    details: list[ErrorDetail]
    incident: int | None = None
    case: int | None = None
    task: int | None = None


class StepTask(Envelope):
    """An open user task after a step, with the link to its form."""

    id: int
    element_id: str
    name: str
    form_url: str = Field(description="该任务表单的 JSON Schema (the task form's JSON Schema)")


class CaseResult(Envelope):
    """A case right after a step: its status, revision (send it as If-Match) and open tasks."""

    id: int
    status: Literal["active", "completed", "incident", "terminated", "suspended"]
    revision: int
    pending: bool
    incident: int | None
    active_tasks: list[StepTask]


class Task(Row):
    """A user task as the inbox lists it."""

    id: int
    case_id: int
    element_id: str
    name: str
    form_key: str | None
    form_url: str = Field(description="该任务表单的 JSON Schema (the task form's JSON Schema)")
    state: Literal["open", "completed", "cancelled"]
    assignee: str | None
    priority: int
    due_at: datetime | None
    created_at: datetime
    claimed_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    hazard_code: str | None
    unit_code: str | None
    unit_name: str | None


class Hazard(Row):
    """A row of the hazard ledger (台账)."""

    id: int
    code: str = Field(examples=["YH-2026-000123"])
    case_id: int
    unit_code: str
    unit_name: str
    county_code: str | None
    location: str
    category: str
    level: str
    description: str
    source: str
    campaign: str | None
    status: Literal["open", "closed", "voided"]
    stage: str | None
    deadline: str | None = Field(description="YYYY-MM-DD")
    responsible_user: str | None
    notice_no: str | None
    reported_by: str
    reported_at: datetime
    closed_at: datetime | None


class HazardAnswer(Envelope):
    hazard: Hazard


class StepAnswer(Envelope):
    case: CaseResult


class ReportAnswer(Envelope):
    hazard: Hazard
    case: CaseResult


class Page(Envelope):
    total: int
    page: int
    per_page: int


class Query(BaseModel):
    """Query parameters: an empty one is as good as absent; unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data


class Paging(Query):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=500)


class Listing(Envelope):
    """A list of domain objects (their fields depend on the listing)."""

    items: list[dict[str, Any]]


class Object(Row):
    """An answer whose fields the use-case decides (figures, previews, batches)."""


def task_form_url(task_id: int) -> str:
    return f"/api/v1/tasks/{task_id}/form"
