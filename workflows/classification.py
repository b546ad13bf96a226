"""Classifying a hazard by the 2023 list: 医疗机构重大事故隐患判定清单（试行）
(国家卫生健康委办公厅 国卫办密安函〔2023〕490号), items 一 to 六 with their sub-items.

The list is data (``reference/major_hazard_list_2023.json``), seeded into
``major_hazard_item`` by :func:`seed_major_hazard_list` (``hazardflow init-db`` and the demo
seed). At registration the reporter may pick the item that applies (``major_item``, its code:
``4`` for 四, ``2.2`` for 二（二）). An item of the list makes the hazard 重大: registering it
as 一般 needs a recorded reason (``major_item_reason``). The register form says so in its
JSON Schema (``if``/``then``), and :func:`check` says it again inside the registration's
transaction, with the item itself (an unknown item, or one with sub-items, is refused).
:func:`record` keeps the classification beside the case (``hazard_classification``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput

from .schema_classification import hazard_classification, major_hazard_item

LIST_FILE = "major_hazard_list_2023.json"
ITEM_FIELD = "major_item"
REASON_FIELD = "major_item_reason"


@dataclass(frozen=True)
class MajorItem:
    code: str
    number: str  # 一, 二（二）
    text: str
    category: str | None
    parent_code: str | None
    leaf: bool  # chosen itself (not through its sub-items)

    @property
    def title(self) -> str:
        """How the item is offered: its number and its text (二（二） 使用未经检验……)."""
        return f"{self.number} {self.text}"


def bundled_list() -> dict[str, Any]:
    """The list as shipped: ``{"code", "title", "document", "items": [...]}``."""
    path = resources.files("hazardflow.workflows").joinpath("reference", LIST_FILE)
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _flatten(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for position, item in enumerate(data["items"], start=1):
        rows.append({"code": item["code"], "list_code": data["code"], "parent_code": None,
                     "position": position * 100, "number": item["number"],
                     "text": item["text"], "category": item.get("category")})
        for sub_position, sub in enumerate(item.get("items") or [], start=1):
            rows.append({"code": sub["code"], "list_code": data["code"],
                         "parent_code": item["code"], "position": position * 100 + sub_position,
                         "number": item["number"] + sub["number"], "text": sub["text"],
                         "category": sub.get("category") or item.get("category")})
    return rows


def seed_major_hazard_list(conn: Connection) -> int:
    """Store the items of the shipped list that are not stored yet; returns how many."""
    known = set(conn.execute(sa.select(major_hazard_item.c.code)).scalars())
    rows = [r for r in _flatten(bundled_list()) if r["code"] not in known]
    if rows:
        conn.execute(major_hazard_item.insert(), rows)
    return len(rows)


def list_items(conn: Connection) -> list[MajorItem]:
    """Every item and sub-item, in the list's order."""
    rows = conn.execute(sa.select(major_hazard_item).order_by(major_hazard_item.c.position))
    items = [dict(r._mapping) for r in rows]
    parents = {i["parent_code"] for i in items if i["parent_code"]}
    return [MajorItem(i["code"], i["number"], i["text"], i["category"], i["parent_code"],
                      i["code"] not in parents) for i in items]


def choices(conn: Connection) -> list[MajorItem]:
    """The items a reporter may pick: those without sub-items, and each sub-item."""
    return [i for i in list_items(conn) if i.leaf]


def with_choices(schema: Mapping[str, Any], items: list[MajorItem]) -> dict[str, Any]:
    """The register form as offered: the list item field with one choice per item."""
    out = dict(schema)
    properties = dict(out.get("properties") or {})
    field = properties.get(ITEM_FIELD)
    if isinstance(field, Mapping) and items:
        properties[ITEM_FIELD] = {**field, "oneOf": [{"const": i.code, "title": i.title}
                                                     for i in items]}
        out["properties"] = properties
    return out


def _refuse(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def check(conn: Connection, data: Mapping[str, Any]) -> None:
    """Refuse a registration whose list item is unknown or has sub-items, or that keeps a
    listed hazard 一般 without a reason."""
    code = data.get(ITEM_FIELD)
    if code is None or code == "":
        return
    found = {i.code: i for i in choices(conn)}
    if not isinstance(code, str) or code not in found:
        raise _refuse(f"重大事故隐患判定清单中没有可选的条目 {code!r}（有子项的条目请选子项）"
                      f"(no item {code!r} to pick in the 2023 list: pick a sub-item)",
                      ITEM_FIELD)
    reason = data.get(REASON_FIELD)
    if data.get("level") != "major" and not (isinstance(reason, str) and reason.strip()):
        raise _refuse(f"判定为一般隐患的理由：已选判定清单条目 {found[code].number}，按清单应判定为"
                      "重大隐患；仍登记为一般隐患须写明理由 (an item of the 2023 list makes the "
                      "hazard major; keeping it general needs a reason)", REASON_FIELD)


def record(conn: Connection, case_id: int, data: Mapping[str, Any], by: str,
           now: datetime) -> None:
    """Keep a registered hazard's classification (when it names a list item)."""
    code = data.get(ITEM_FIELD)
    if not code:
        return
    reason = data.get(REASON_FIELD)
    conn.execute(hazard_classification.insert().values(
        case_id=case_id, item_code=str(code), level=str(data.get("level") or ""),
        reason=reason.strip() if isinstance(reason, str) and reason.strip() else None,
        recorded_by=by, recorded_at=now))


def classification_of(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """A case's classification with its item's number and text, if it has one."""
    row = conn.execute(sa.select(hazard_classification, major_hazard_item.c.number,
                                 major_hazard_item.c.text)
                       .join(major_hazard_item,
                             major_hazard_item.c.code == hazard_classification.c.item_code)
                       .where(hazard_classification.c.case_id == case_id)).first()
    return dict(row._mapping) if row else None
