"""Requests and answers of the supervisor's monitor. The rows are the use-cases' own
(stuck cases, piles, batches, escalations): ``dict`` objects whose fields may grow."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from .common import Envelope as E
from .common import Paging, Query

REPAIRS = Literal["retry", "reassign", "return_to_group", "extend", "suspend", "resume",
                  "terminate", "move"]


class StuckQuery(Paging):
    kind: str | None = Field(None, description="overdue, unclaimed, idle, incident, suspended")
    county: str | None = None
    unit: str | None = None
    category: str | None = None
    level: str | None = None
    campaign: str | None = None
    process: str | None = None
    version: int | None = None
    element: str | None = Field(None, description="BPMN element id")


class WeeksQuery(Query):
    weeks: int = Field(26, ge=1, le=156)


class ExtensionsQuery(Query):
    status: str = Field("pending", description="pending, approved, rejected; empty: all")


class ThresholdRequest(E):
    process_key: StrictStr = Field("", description="流程标识，* 为全部 (a process key, * all)")
    element_id: StrictStr = ""
    kind: StrictStr = Field("", description="unclaimed or idle")
    days: StrictInt | None = Field(None, description="null clears it")


class RepairRequest(E):
    action: StrictStr = Field("", description="retry, reassign, return_to_group, extend, "
                                              "suspend, resume, terminate, move")
    reason: StrictStr = ""
    params: dict[str, Any] | None = Field(None, description="assignee, target, deadline, "
                                                            "element")


class BulkPreviewRequest(E):
    action: StrictStr = ""
    cases: list[StrictInt] | None = None
    filter: dict[str, Any] | None = Field(None, description="the stuck list's filters")


class BulkRepairRequest(BulkPreviewRequest):
    reason: StrictStr | None = None
    params: dict[str, Any] | None = None


class ExtensionRequest(E):
    deadline: StrictStr | None = Field(None, description="YYYY-MM-DD")
    reason: StrictStr | None = None


class DecisionRequest(E):
    approve: StrictBool
    note: StrictStr = ""


class Thresholds(E):
    items: list[dict[str, Any]]
    defaults: dict[str, Any]


class Piles(E):
    elements: dict[str, Any]


class RepairOutcome(E):
    case_id: int
    outcome: str
    message: str


class Preview(E):
    items: list[dict[str, Any]]
    count: int
    ready: int


class Batch(E):
    batch: dict[str, Any]


class Requested(E):
    id: int
    status: Literal["pending"]
