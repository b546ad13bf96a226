"""Requests and answers of campaigns, checklists, inspections, reports, spot checks and the
assessment. Their inner objects are the use-cases' own (``Object``: fields may grow)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt, StrictStr

from .common import Envelope as E
from .common import Row


class ThemeIn(E):
    code: StrictStr
    name: StrictStr
    category: StrictStr
    checklist_code: StrictStr | None = None


class CampaignRequest(E):
    code: StrictStr = ""
    name: StrictStr = ""
    starts_on: StrictStr = Field("", description="YYYY-MM-DD")
    ends_on: StrictStr = Field("", description="YYYY-MM-DD")
    themes: list[ThemeIn] = Field(default_factory=list)
    units: list[StrictStr] | None = Field(None, description="单位代码；省略为全部 (unit codes; "
                                                            "all when left out)")
    description: StrictStr = ""


class ItemResult(Row):
    """One checklist item's result: ``item`` (its code), ``passed``, and for a failed item
    what the hazard case needs (``description``, ``photos_before`` as ``ev-…``)."""


class InspectionRequest(E):
    unit_code: StrictStr = ""
    kind: StrictStr = ""
    checklist_code: StrictStr = ""
    results: list[ItemResult]
    campaign_code: StrictStr | None = None
    location: StrictStr = ""
    summary: StrictStr = ""
    inspected_on: StrictStr | None = Field(None, description="YYYY-MM-DD")
    spot_check_id: StrictInt | StrictStr | None = None
    checklist_version: StrictInt | None = Field(
        None, description="检查开始时检查表的版本，省略为现行版本 (the checklist's version the "
                          "inspection started on; the current one when left out)")


class DrawRequest(E):
    title: StrictStr = ""
    kind: StrictStr = ""
    size: StrictInt = 0
    seed: StrictStr | None = Field(None, description="随机种子，省略则生成 (a seed; made "
                                                     "when left out)")
    stratified: StrictBool = False
    campaign_code: StrictStr | None = None
    population: StrictStr = Field("units", description=(
        "抽取范围：units（医疗卫生机构和市直单位）、bodies（县区卫健委和开发区卫健办，检查其督查"
        "工作）、addressees（两者）(what is drawn from: units, bodies, addressees)"))


class PublishRequest(E):
    summary: StrictStr = ""


class Campaigns(E):
    items: list[dict[str, Any]]


class CampaignAnswer(E):
    campaign: dict[str, Any]


class Progress(Row):
    campaign: dict[str, Any]
    by_unit: Any
    by_theme: Any
    totals: dict[str, Any]


class ChecklistAnswer(E):
    checklist: dict[str, Any]


class InspectionAnswer(E):
    inspection: dict[str, Any]


class Published(E):
    hazards_made_visible: int


class IssuedNotice(E):
    document: dict[str, Any]


class DrawAnswer(E):
    draw: dict[str, Any]
