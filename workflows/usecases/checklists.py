"""Checklists: reading one at a version, and the city's 综合监督科 adding, changing and
retiring items (``checklist.manage``), each change a new version in one unit of work with its
journal record (``workflows.checklist_versions``). Anyone signed in reads checklists: they
are what inspections are recorded against."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazardflow.engine import Actor, Detail, InvalidInput

from .. import campaigns, checklist_versions, policy
from ..classification import MajorItem, bundled_list, choices, list_items
from ..runtime import Runtime
from ..uow import reading, unit_of_work

MANAGE = "checklist.manage"


def _position(value: Any) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000:
        return value
    message = "条目序号须为正整数 (the item's position is a positive number)"
    raise InvalidInput(message, [Detail(message, field="position")])


def checklist(rt: Runtime, actor: Actor, code: str,
              version: int | None = None) -> dict[str, Any]:
    """A checklist at ``version`` (default: the current one)."""
    with reading(rt) as conn:
        return campaigns.get_checklist(conn, code, version)


def checklist_page(rt: Runtime, actor: Actor, code: str,
                   version: int | None = None) -> dict[str, Any]:
    """What the checklist page shows: the checklist at a version, whether the actor may
    change it, and the 2023-list items an item may check."""
    with reading(rt) as conn:
        found = campaigns.get_checklist(conn, code, version)
        items: list[MajorItem] = choices(conn)
    return {"checklist": found, "may_manage": policy.allows(actor, MANAGE),
            "major_items": items}


def add_item(rt: Runtime, actor: Actor, code: str,
             item: Mapping[str, Any]) -> dict[str, Any]:
    """Add an item (a new version); returns the checklist at it."""
    policy.require(actor, MANAGE)
    with unit_of_work(rt) as conn:
        return checklist_versions.add_item(conn, code, item, by=actor.id, now=rt.now())


def change_item(rt: Runtime, actor: Actor, code: str, position: Any,
                changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change an item of the current version (a new version); inspections already started
    keep theirs."""
    policy.require(actor, MANAGE)
    at = _position(position)
    with unit_of_work(rt) as conn:
        return checklist_versions.change_item(conn, code, at, changes, by=actor.id,
                                              now=rt.now())


def retire_item(rt: Runtime, actor: Actor, code: str, position: Any) -> dict[str, Any]:
    """Take an item out from a new version on."""
    policy.require(actor, MANAGE)
    at = _position(position)
    with unit_of_work(rt) as conn:
        return checklist_versions.retire_item(conn, code, at, by=actor.id, now=rt.now())


def major_items(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """The 2023 list: its title, its document, and every item (those a reporter may pick
    marked ``selectable``)."""
    shipped = bundled_list()
    with reading(rt) as conn:
        items = list_items(conn)
    return {"title": shipped["title"], "document": shipped["document"],
            "items": [{"code": i.code, "number": i.number, "text": i.text,
                       "parent_code": i.parent_code, "selectable": i.leaf} for i in items]}
