"""Requests and answers of checklists (their items, versioned) and of the 2023 list of
major-hazard triggers."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictStr

from .common import MAX_ID, Query
from .common import Envelope as E


class ChecklistQuery(Query):
    version: int | None = Field(None, ge=1, le=MAX_ID, description=(
        "版本，省略为现行版本 (a version; the current one when left out)"))


class ChecklistItemRequest(E):
    """A new item: its text, legal basis, hazard category, and the item of the 2023 list it
    checks (``major_item``, e.g. ``4``; an item of the list makes it a major trigger)."""

    text: StrictStr = ""
    legal_basis: StrictStr = ""
    category: StrictStr | None = Field(None, description="隐患类别，省略为检查表的类别 (the "
                                                          "checklist's when left out)")
    major_trigger: StrictBool = False
    major_item: StrictStr | None = None


class ChecklistItemChange(E):
    """The fields to change; those left out stay."""

    text: StrictStr | None = None
    legal_basis: StrictStr | None = None
    category: StrictStr | None = None
    major_trigger: StrictBool | None = None
    major_item: StrictStr | None = Field(None, description="空字符串：不再对应清单条目 (an "
                                                           "empty string: no item any more)")


class MajorItemOut(E):
    code: str = Field(description="机器编码：二（二）为 2.2 (二（二） is 2.2)")
    number: str
    text: str
    parent_code: str | None
    selectable: bool = Field(description="登记时可选（无子项的条目和各子项）(a reporter may "
                                         "pick it)")


class MajorItems(E):
    title: str
    document: str
    items: list[MajorItemOut]
