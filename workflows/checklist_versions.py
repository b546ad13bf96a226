"""The city's 综合监督科 keeps the checklists: adding, changing and retiring items, each
change a new version of the checklist.

An item row never changes once an inspection may hold it. A change closes the current row
(``version_to`` = the new version) and adds a row from the new version on; an added item is a
row from the new version on; a retired item is closed. So an inspection keeps the version it
started with (``inspection.checklist_version``, its results pointing at the rows it was
filled in on), and a new inspection takes the current version. An item that checks an item
of the 2023 list (``major_item``) is a major-hazard trigger. Every change is journaled
(``checklist.item_added``, ``checklist.item_changed``, ``checklist.item_retired``) in the
caller's transaction; who may change is the use-case's question (``checklist.manage``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput, NotFound, journal

from .campaigns import get_checklist, items_in_version
from .classification import choices
from .ledger import CATEGORIES
from .schema_campaigns import checklist, checklist_item

FIELDS = ("text", "legal_basis", "category", "major_trigger", "major_item")
MAX_TEXT = 2000
MAX_BASIS = 1000


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def _head(conn: Connection, code: str) -> Any:
    row = conn.execute(sa.select(checklist).where(checklist.c.code == code)).first()
    if row is None:
        raise NotFound(f"检查表 {code} 不存在 (checklist {code} does not exist)")
    return row


def checked_item(conn: Connection, given: Mapping[str, Any],
                 base: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` (an item's fields) changed by ``given``, checked: text 1 to 2000 characters,
    a known category, the 2023-list item one a reporter may pick (or none)."""
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise _bad(f"未知的字段：{', '.join(unknown)} (unknown fields)", unknown[0])
    item = {k: base.get(k) for k in FIELDS} | dict(given)
    text = item["text"].strip() if isinstance(item["text"], str) else ""
    if not 0 < len(text) <= MAX_TEXT:
        raise _bad(f"检查内容不能为空，最长 {MAX_TEXT} 字 (the text: 1 to {MAX_TEXT} characters)",
                   "text")
    basis = item["legal_basis"] or ""
    if not isinstance(basis, str) or len(basis) > MAX_BASIS:
        raise _bad(f"依据最长 {MAX_BASIS} 字 (the legal basis: up to {MAX_BASIS} characters)",
                   "legal_basis")
    if item["category"] not in CATEGORIES:
        raise _bad(f"未知隐患类别 {item['category']!r} (unknown category)", "category")
    major_item = item["major_item"] or None
    if major_item is not None and major_item not in {i.code for i in choices(conn)}:
        raise _bad(f"重大事故隐患判定清单中没有可选的条目 {major_item!r} (no such item in the 2023 "
                   "list)", "major_item")
    trigger = item["major_trigger"]
    if not isinstance(trigger, bool):
        raise _bad("major_trigger 须为 true 或 false (major_trigger is a boolean)",
                   "major_trigger")
    return {"text": text, "legal_basis": basis.strip(), "category": item["category"],
            "major_item": major_item, "major_trigger": trigger or major_item is not None}


def _new_version(conn: Connection, head: Any, by: str, now: datetime) -> int:
    version = int(head.version) + 1
    conn.execute(sa.update(checklist).where(checklist.c.id == head.id).values(
        version=version, updated_by=by, updated_at=now))
    return version


def _current(conn: Connection, head: Any, position: Any) -> Any:
    row = conn.execute(sa.select(checklist_item).where(
        items_in_version(head.id, head.version),
        checklist_item.c.position == position)).first() \
        if isinstance(position, int) and not isinstance(position, bool) else None
    if row is None:
        raise NotFound(f"检查表 {head.code} 现行版本没有第 {position} 项 (checklist {head.code} "
                       f"has no item {position!r})")
    return row


def _record(conn: Connection, action: str, head: Any, version: int, by: str, now: datetime,
            payload: Mapping[str, Any]) -> None:
    journal.record(conn, actor=by, action=action, subject=f"checklist:{head.code}",
                   payload={"version": version, **payload}, at=now)


def add_item(conn: Connection, code: str, given: Mapping[str, Any], *, by: str,
             now: datetime) -> dict[str, Any]:
    """Add an item at the end; returns the checklist at its new version."""
    head = _head(conn, code)
    item = checked_item(conn, given, {"category": head.category, "major_trigger": False})
    last = conn.execute(sa.select(sa.func.max(checklist_item.c.position)).where(
        checklist_item.c.checklist_id == head.id)).scalar() or 0
    version = _new_version(conn, head, by, now)
    conn.execute(checklist_item.insert().values(
        checklist_id=head.id, position=int(last) + 1, version_from=version, **item))
    _record(conn, "checklist.item_added", head, version, by, now,
            {"position": int(last) + 1, **item})
    return get_checklist(conn, code)


def change_item(conn: Connection, code: str, position: int, given: Mapping[str, Any], *,
                by: str, now: datetime) -> dict[str, Any]:
    """Change an item of the current version; returns the checklist at its new version (the
    same checklist when nothing changes)."""
    head = _head(conn, code)
    row = _current(conn, head, position)
    before = {k: getattr(row, k) for k in FIELDS}
    item = checked_item(conn, given, before)
    if item == before:
        return get_checklist(conn, code)
    version = _new_version(conn, head, by, now)
    conn.execute(sa.update(checklist_item).where(checklist_item.c.id == row.id)
                 .values(version_to=version))
    conn.execute(checklist_item.insert().values(
        checklist_id=head.id, position=row.position, version_from=version, **item))
    _record(conn, "checklist.item_changed", head, version, by, now, {
        "position": row.position,
        "changes": {k: [before[k], item[k]] for k in FIELDS if before[k] != item[k]}})
    return get_checklist(conn, code)


def retire_item(conn: Connection, code: str, position: int, *, by: str,
                now: datetime) -> dict[str, Any]:
    """Take an item out of the checklist from a new version on (inspections that hold it keep
    it); a checklist keeps at least one item."""
    head = _head(conn, code)
    row = _current(conn, head, position)
    left = conn.execute(sa.select(sa.func.count()).select_from(checklist_item).where(
        items_in_version(head.id, head.version))).scalar_one()
    if left <= 1:
        raise _bad("检查表至少保留一项 (a checklist keeps one item at least)", "position")
    version = _new_version(conn, head, by, now)
    conn.execute(sa.update(checklist_item).where(checklist_item.c.id == row.id)
                 .values(version_to=version))
    _record(conn, "checklist.item_retired", head, version, by, now,
            {"position": row.position, "text": row.text})
    return get_checklist(conn, code)
