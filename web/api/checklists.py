"""API v1: checklists at a version, the city's changes to their items (each a new version;
inspections keep the version they started with), and the 2023 list of major-hazard triggers
a hazard is classified by."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.usecases import checklists as checklist_uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.campaigns import ChecklistAnswer
from .models.checklists import (
    ChecklistItemChange,
    ChecklistItemRequest,
    ChecklistQuery,
    MajorItems,
)
from .serialize import jsonable
from .spec import endpoint

TAG = "campaigns"


@bp.get("/checklists/<code>")
@login_required
@endpoint("get_checklist", TAG, {200: ChecklistAnswer}, errors=(404, 422), query=ChecklistQuery)
def checklist_get(code: str, query: ChecklistQuery) -> dict[str, Any]:
    """检查表某一版本（默认现行版本）及其条目 (a checklist at a version, the current one by
    default, and its items)"""
    return {"checklist": jsonable(checklist_uc.checklist(runtime, current_actor(), code,
                                                         query.version))}


@bp.post("/checklists/<code>/items")
@login_required
@endpoint("add_checklist_item", TAG, {201: ChecklistAnswer}, errors=(403, 404, 422),
          json=ChecklistItemRequest)
def checklist_item_add(code: str, json: ChecklistItemRequest) -> tuple[dict[str, Any], int]:
    """新增检查项，生成新版本：市卫健委综合监督科 (add an item, a new version: the city)"""
    item = json.model_dump(exclude_none=True)
    found = checklist_uc.add_item(runtime, current_actor(), code, item)
    return {"checklist": jsonable(found)}, 201


@bp.patch("/checklists/<code>/items/<int:position>")
@login_required
@endpoint("change_checklist_item", TAG, {200: ChecklistAnswer}, errors=(403, 404, 422),
          json=ChecklistItemChange)
def checklist_item_change(code: str, position: int,
                          json: ChecklistItemChange) -> dict[str, Any]:
    """修改现行版本的检查项，生成新版本；已开始的检查仍用原版本 (change an item, a new
    version; inspections already started keep theirs)"""
    changes = json.model_dump(exclude_unset=True)
    return {"checklist": jsonable(checklist_uc.change_item(runtime, current_actor(), code,
                                                           position, changes))}


@bp.delete("/checklists/<code>/items/<int:position>")
@login_required
@endpoint("retire_checklist_item", TAG, {200: ChecklistAnswer}, errors=(403, 404, 422))
def checklist_item_retire(code: str, position: int) -> dict[str, Any]:
    """停用检查项，生成新版本 (retire an item from a new version on)"""
    return {"checklist": jsonable(checklist_uc.retire_item(runtime, current_actor(), code,
                                                           position))}


@bp.get("/major-hazard-items")
@login_required
@endpoint("list_major_hazard_items", TAG, {200: MajorItems})
def major_hazard_items() -> dict[str, Any]:
    """医疗机构重大事故隐患判定清单（试行）的条目；登记隐患时 major_item 填其 code (the items of
    the 2023 list; a registration's major_item names one's code)"""
    return checklist_uc.major_items(runtime, current_actor())
