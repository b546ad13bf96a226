"""Requests of the designer's endpoints under /api/v1/designer (their answers are the
designer use-cases' own objects). The handlers, shared with the designer page, read the body
themselves; these models validate it first on the API and describe it."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr

from .common import Envelope, JsonSchema, Query

Forms = dict[str, JsonSchema]
BPMN = Field(description="BPMN 2.0 XML 文本 (the BPMN XML text)")


class Body(Envelope):
    """The designer's bodies may carry more than the API reads (the page's state)."""

    model_config = {"extra": "ignore"}


class DiffQuery(Query):
    from_: int = Field(alias="from", description="旧版本 (the older version)")
    to: int = Field(description="新版本 (the newer version)")


class DraftRequest(Body):
    bpmn: StrictStr = BPMN
    forms: Forms | None = None
    name: StrictStr | None = None
    base_version: StrictInt | None = None


class DraftUpdate(Body):
    bpmn: StrictStr = BPMN
    forms: Forms | None = None
    name: StrictStr | None = None
    revision: StrictInt | None = Field(None, description="您载入的草稿修订号 (the revision "
                                                         "you loaded); stale: 409")


class DiagramRequest(Body):
    bpmn: StrictStr = BPMN
    forms: Forms | None = None


class DeployRequest(DiagramRequest):
    filename: StrictStr | None = None


class FormPreviewRequest(Body):
    schema_: Any = Field(None, alias="schema", description="a JSON Schema form")
    data: Any = None


class MigrationRequest(Body):
    key: StrictStr
    from_version: StrictInt
    to_version: StrictInt
    mapping: dict[str, StrictStr] | None = Field(None, description="旧环节 → 新环节 (old "
                                                                   "element id → new)")


class RunRequest(Body):
    limit: StrictInt | None = None
