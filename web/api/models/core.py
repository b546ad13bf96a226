"""Requests and answers of sign-in, tasks, cases, hazards, definitions, evidence, documents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictStr

from ...inputs import FIRST_DAY, LAST_DAY
from .common import (
    CaseResult,
    EvidenceRef,
    FormData,
    Hazard,
    Id,
    JsonSchema,
    Page,
    Paging,
    Row,
    Task,
)
from .common import Envelope as E

# -- sign-in ------------------------------------------------------------------------------


class TokenRequest(E):
    username: StrictStr
    password: StrictStr


class TokenAnswer(E):
    token: str
    expires_at: datetime
    username: str


class Grant(E):
    role: str
    unit: str | None


class Me(E):
    username: str
    display_name: str
    admin: bool
    roles: list[Grant]


# -- hazards ------------------------------------------------------------------------------

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY,
                            description=f"YYYY-MM-DD, {FIRST_DAY} to {LAST_DAY}")]


class LedgerQuery(Paging):
    unit: str | None = None
    county: str | None = None
    level: str | None = None
    category: str | None = None
    status: str | None = None
    campaign: str | None = None
    q: str | None = None
    from_: Day | None = Field(None, alias="from", description="reported on or after")
    to: Day | None = Field(None, description="reported on or before")
    overdue_on: Day | None = None


class HazardPage(Page):
    items: list[Hazard]
    pages: int


# -- tasks --------------------------------------------------------------------------------


class TaskQuery(Paging):
    view: Literal["mine", "groups", "overdue", "due_soon", "done"] = "mine"
    sort: Literal["due", "priority", "created"] = "due"
    category: str | None = None
    level: str | None = None
    unit: str | None = None
    campaign: str | None = None
    q: str | None = Field(None, max_length=100)


class ListedTask(Task):
    overdue: bool
    due_soon: bool


class TaskPage(Page):
    items: list[ListedTask]
    counts: dict[str, int] = Field(description="每个视图的数量 (how many in each view)")


class TaskDetail(Task):
    form: JsonSchema | None = Field(description="该任务的表单，与 form_url 相同 (the form; the "
                                                "same as form_url answers)")
    case_revision: int = Field(description="读取时的案件版本：完成时作为 If-Match 发送 (the case "
                                           "revision read: send it as If-Match)")


class TaskAnswer(E):
    task: TaskDetail


class AssignRequest(E):
    assignee: StrictStr = Field(min_length=1, description="候选人的用户名 (a username)")


class CompleteRequest(E):
    data: FormData = Field(default_factory=dict)


# -- cases --------------------------------------------------------------------------------


class StartRequest(E):
    definition: StrictStr = Field(description="流程标识 (the process key)")
    version: Id | None = None
    data: FormData = Field(default_factory=dict)


class MessageRequest(E):
    name: StrictStr = Field(description="BPMN 消息名，如 void、reclassify (a message name)")
    data: dict[str, Any] = Field(default_factory=dict)


class DefinitionRef(E):
    key: str
    version: int


class Incident(Row):
    id: int
    element_id: str | None
    origin: str | None
    message: str | None
    attempts: int
    created_at: datetime
    resolved_at: datetime | None


class HistoryEntry(Row):
    seq: int
    actor: str | None
    action: str
    element_id: str | None
    at: datetime
    payload: Any


class CaseDetail(E):
    id: int
    definition: DefinitionRef
    status: str
    revision: int
    started_by: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    active_tasks: list[Task]
    tasks: list[Task]
    incidents: list[Incident]
    history: list[HistoryEntry]
    hazard: Hazard | None


class CaseAnswer(E):
    case: CaseDetail


class StartAnswer(E):
    case: CaseResult
    hazard: Hazard | None = None


class RetryAnswer(E):
    case: CaseResult
    resolved: bool


# -- definitions --------------------------------------------------------------------------


class Definition(E):
    key: str
    name: str | None
    latest_version: int
    versions: int
    can_start: bool = Field(description="您能否发起 (whether you may start it)")
    start_form: str | None
    start_form_url: str | None = Field(description="开始表单的 JSON Schema (the start form's "
                                                   "JSON Schema), or null without one")


class Definitions(E):
    items: list[Definition]


class Deployed(E):
    key: str
    version: int


class DeployAnswer(E):
    deployed: list[Deployed]
    created: bool


class Version(E):
    version: int
    name: str | None
    deployed_by: str | None
    deployed_at: datetime
    sha256: str
    running_cases: int


class Versions(E):
    key: str
    items: list[Version]


class Forms(E):
    forms: dict[str, JsonSchema]


class FormSchema(Row):
    """A form's JSON Schema (Draft 2020-12): what ``data`` must be."""


# -- evidence -----------------------------------------------------------------------------


class StoredEvidence(E):
    id: EvidenceRef
    url: str = Field(description="the file: GET /api/v1/evidence/{ref}")
    thumb_url: str | None
    filename: str
    content_type: str
    size: int
    kind: Literal["before", "after", "document", "other"]


# -- documents ----------------------------------------------------------------------------


class Document(E):
    id: int
    kind: Literal["notice", "opinion"]
    form: str = Field(description="directive 责令限期整改指令书 · unit_notice 隐患整改通知单 · "
                      "review 整改复查意见书 · unit_acceptance 隐患整改验收单",
                      examples=["directive"])
    kind_name: str = Field(examples=["责令限期整改指令书"])
    number: str = Field(examples=["金安卫健责改〔2026〕1号"])
    title: str
    issued_by: str = Field(description="who signed it (签发人)")
    issued_at: datetime
    dated_on: str | None = Field(description="the business day of the order or re-check it "
                                 "is dated on (YYYY-MM-DD)", examples=["2026-11-02"])
    pdf_sha256: str | None = Field(description="SHA-256 of the PDF as issued")
    pdf: str


class Documents(E):
    documents: list[Document]
    issuable: list[str]


class DocumentAnswer(E):
    document: Document

