"""Readiness records of the one map (应急一张图): emergency teams, supply depots and major
hazard sources of each unit, and units' own places (``workflows/schema_emergency.py``).

A record arrives as a mapping of plain values (a form, JSON, a row of an import) and is
checked whole: :func:`check` returns the clean values or every problem, each in Chinese with
the English beside and naming its field, so an import can list them per row. Places are
WGS-84 (what a phone's position gives) and must lie within China's extent, which also
catches latitude and longitude given the wrong way round. Members of a team and items of a
depot are lists of mappings, or lines of text ``姓名|职务|电话`` and
``名称|数量|单位|有效期至`` (one per line or separated by ；), as an Excel cell holds them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput, NotFound

from .schema import app_user, unit
from .schema_emergency import (
    emergency_team,
    emergency_team_member,
    major_hazard_source,
    supply_depot,
    supply_item,
    unit_location,
)

KINDS: dict[str, str] = {"team": "应急队伍", "depot": "物资储备点", "source": "重大危险源"}
TABLES: dict[str, sa.Table] = {"team": emergency_team, "depot": supply_depot,
                               "source": major_hazard_source}
SOURCE_LEVELS = ("一级", "二级", "三级", "四级")
GRADES = ("三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级", "未定级")
# China's extent (WGS-84), generous: a place outside it is a typo or swapped coordinates
LAT_RANGE = (3.0, 54.0)
LNG_RANGE = (73.0, 136.0)
SEPARATORS = re.compile(r"[\n；;]+")
TEXT_LIMITS = {"name": 128, "speciality": 64, "kind": 64, "address": 255, "phone": 32,
               "role": 64, "unit_label": 16, "facility_type": 32}


@dataclass
class Checked:
    """A record's clean values and its children (members, items), or its problems."""

    values: dict[str, Any] = field(default_factory=dict)
    children: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Detail] = field(default_factory=list)

    def problem(self, field_name: str, message: str) -> None:
        self.problems.append(Detail(message, field=field_name))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidInput(f"记录有 {len(self.problems)} 处问题 (the record has "
                               f"{len(self.problems)} problem(s))", self.problems)


def kind_name(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"没有这类记录：{kind} (no such kind of record: {kind})")
    return KINDS[kind]


def _text(data: Mapping[str, Any], name: str, out: Checked, label: str, *,
          required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        out.problem(name, f"{label}不能为空 ({name} is required)")
    limit = TEXT_LIMITS.get(name, 128)
    if len(value) > limit:
        out.problem(name, f"{label}不能超过 {limit} 个字 ({name} is longer than {limit})")
    return value


def _number(raw: Any) -> float | None:
    try:
        return float(str(raw).strip())
    except ValueError:
        return None


def check_place(data: Mapping[str, Any], out: Checked) -> None:
    """``lat``, ``lng`` (WGS-84 decimal degrees) and an optional ``address`` into ``out``."""
    for name, label, (low, high) in (("lat", "纬度", LAT_RANGE), ("lng", "经度", LNG_RANGE)):
        raw = data.get(name)
        value = _number(raw) if raw not in (None, "") else None
        if value is None:
            out.problem(name, f"{label}须为十进制度数 ({name} must be decimal degrees)")
        elif not low <= value <= high:
            out.problem(name, f"{label} {value} 不在中国境内（WGS-84，{low}～{high}）"
                              f" ({name} {value} is outside China: {low} to {high})")
        else:
            out.values[name] = round(value, 6)
    out.values["address"] = _text(data, "address", out, "地址", required=False)


CHILD_KEYS = ("name", "role", "phone", "quantity", "unit_label", "expires_on")


def _cells(row: Any) -> list[str]:
    if isinstance(row, Mapping):
        return ["" if row.get(k) is None else str(row[k]) for k in CHILD_KEYS if k in row]
    if isinstance(row, Sequence) and not isinstance(row, str):
        return ["" if v is None else str(v) for v in row]
    return [str(row)]


def _rows(raw: Any) -> list[list[str]]:
    """Lines of ``a|b|c`` (a cell or a textarea), or a list of mappings or lists."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [[part.strip() for part in line.split("|")]
                for line in SEPARATORS.split(raw) if line.strip()]
    if isinstance(raw, Sequence):
        return [[c.strip() for c in _cells(r)] for r in raw]
    return [[str(raw)]]


def _members(raw: Any, out: Checked) -> None:
    for n, parts in enumerate(_rows(raw), start=1):
        name, role, phone = (parts + ["", "", ""])[:3]
        if not name:
            out.problem("members", f"第 {n} 名队员缺少姓名 (member {n} has no name)")
        out.children.append({"name": name[:64], "role": role[:64], "phone": phone[:32]})


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip().replace("/", "-")[:10])
    except ValueError:
        return None


def _items(raw: Any, out: Checked) -> None:
    for n, parts in enumerate(_rows(raw), start=1):
        name, quantity, label, expires = (parts + ["", "", "", ""])[:4]
        count = _number(quantity) if quantity else None
        if not name:
            out.problem("items", f"第 {n} 项物资缺少名称 (item {n} has no name)")
        if count is None or count < 0 or count != int(count):
            out.problem("items", f"第 {n} 项物资的数量须为非负整数 "
                                 f"(item {n}'s quantity must be a whole number)")
        day = parse_day(expires) if expires else None
        if expires and day is None:
            out.problem("items", f"第 {n} 项物资的有效期须为 YYYY-MM-DD "
                                 f"(item {n}'s expiry must be YYYY-MM-DD)")
        out.children.append({"name": name[:128], "quantity": int(count or 0),
                             "unit_label": label[:16],
                             "expires_on": day.isoformat() if day else None})


def check(conn: Connection, kind: str, data: Mapping[str, Any]) -> Checked:
    """The clean values of a ``kind`` record (``unit_code`` resolved to ``unit_id``) and its
    members or items, or every problem found."""
    kind_name(kind)
    out = Checked()
    code = str(data.get("unit_code") or "").strip()
    found = conn.execute(sa.select(unit.c.id).where(unit.c.code == code)).scalar()
    if found is None:
        out.problem("unit_code", f"单位 {code or '（空）'} 不存在 (unknown unit {code!r})")
    out.values["unit_id"] = found
    out.values["name"] = _text(data, "name", out, "名称")
    check_place(data, out)
    if kind == "team":
        out.values["speciality"] = _text(data, "speciality", out, "专业")
        out.values["notes"] = str(data.get("notes") or "").strip()
        _members(data.get("members"), out)
    elif kind == "depot":
        out.values["phone"] = _text(data, "phone", out, "电话", required=False)
        keeper = str(data.get("keeper") or "").strip()
        keeper_id = conn.execute(sa.select(app_user.c.id).where(
            app_user.c.username == keeper, app_user.c.active.is_(True))).scalar()
        if keeper and keeper_id is None:
            out.problem("keeper", f"保管人 {keeper} 不是系统用户 (keeper {keeper!r} is no user)")
        out.values["keeper_id"] = keeper_id
        _items(data.get("items"), out)
    else:
        out.values["kind"] = _text(data, "kind", out, "类别")
        level = str(data.get("level") or "").strip()
        if level not in SOURCE_LEVELS:
            out.problem("level", f"级别须为{'、'.join(SOURCE_LEVELS)}之一 "
                                 f"(level must be one of {', '.join(SOURCE_LEVELS)})")
        out.values["level"] = level
        out.values["notes"] = str(data.get("notes") or "").strip()
    return out


def unit_code_of(conn: Connection, kind: str, record_id: int) -> str:
    """The code of the unit a record belongs to; NotFound when there is no such record."""
    table = TABLES[kind]
    found = conn.execute(sa.select(unit.c.code).select_from(
        table.join(unit, unit.c.id == table.c.unit_id)).where(table.c.id == record_id)).scalar()
    if found is None:
        raise NotFound(f"{kind_name(kind)} {record_id} 不存在 ({kind} {record_id} not found)")
    return str(found)


def save(conn: Connection, kind: str, checked: Checked, by: str, now: datetime,
         record_id: int | None = None) -> int:
    """Insert (or replace, with ``record_id``) a checked record and its children."""
    table = TABLES[kind]
    values = {**checked.values, "updated_at": now, "updated_by": by}
    if record_id is None:
        made = conn.execute(table.insert().values(**values)).inserted_primary_key
        record_id = int(made[0]) if made else 0
    else:
        conn.execute(table.update().where(table.c.id == record_id).values(**values))
    if kind == "team":
        conn.execute(emergency_team_member.delete().where(
            emergency_team_member.c.team_id == record_id))
        for member in checked.children:
            conn.execute(emergency_team_member.insert().values(team_id=record_id, **member))
    elif kind == "depot":
        _replace_items(conn, record_id, checked.children)
    return record_id


def _replace_items(conn: Connection, depot_id: int, items: list[dict[str, Any]]) -> None:
    """Replace a depot's items, keeping what its keeper was told of an item whose name and
    expiry did not change (so an edit does not notify again)."""
    told = {(r.name, r.expires_on): r.notified_state for r in conn.execute(
        sa.select(supply_item).where(supply_item.c.depot_id == depot_id))}
    conn.execute(supply_item.delete().where(supply_item.c.depot_id == depot_id))
    for item in items:
        conn.execute(supply_item.insert().values(
            depot_id=depot_id, notified_state=told.get((item["name"], item["expires_on"])),
            **item))


def delete(conn: Connection, kind: str, record_id: int) -> None:
    conn.execute(TABLES[kind].delete().where(TABLES[kind].c.id == record_id))


def set_location(conn: Connection, unit_id: int, checked: Checked, by: str,
                 now: datetime) -> None:
    """Record a unit's place (and a medical institution's type and grade)."""
    conn.execute(unit_location.delete().where(unit_location.c.unit_id == unit_id))
    conn.execute(unit_location.insert().values(unit_id=unit_id, updated_at=now, updated_by=by,
                                               **checked.values))


def check_location(data: Mapping[str, Any]) -> Checked:
    out = Checked()
    check_place(data, out)
    out.values["facility_type"] = _text(data, "facility_type", out, "机构类型",
                                        required=False) or None
    grade = str(data.get("grade") or "").strip()
    if grade and grade not in GRADES:
        out.problem("grade", f"等级须为{'、'.join(GRADES)}之一 (grade must be one of "
                             f"{', '.join(GRADES)})")
    out.values["grade"] = grade or None
    return out
