"""The dry run of a ledger import: each sheet row's values and problems, nothing written.

A row is read through the mapping (field → column) and checked, each problem in Chinese
under the column it concerns: an unknown unit or one outside the importer's scope
(``policy.may_import_for``), an empty 隐患名称, a date that cannot be read (dates are taken as
Excel dates, Excel serial numbers, or text: 2026-3-5, 2026/03/05, 2026.3.5, 2026年3月5日,
20260305), an unknown category (the ledger's categories, by name or by a word such as 电梯
or 液氧; an empty one is read from the description's words) or level (empty: 一般), an
unknown or ambiguous 整改责任人 (a user holding a role at the unit, by name or login), a
整改情况 that says nothing known, a duplicate of another row or of a
hazard already in the ledger, a row already imported from the same file.

What the row's 整改情况 and dates imply (``state``): 验收日期 given or 已验收/销号 →
``closed`` (history); 已整改/待验收 → ``awaiting_verification``; 整改中/未整改 or a
responsible person and deadline → ``ordered``; nothing → ``registered``. A 重大 hazard still
open starts at its registration: its regulator's order, controls and plan are not in a
ledger row, and are done in the system.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor

from . import policy
from .ledger import CATEGORIES
from .ledger_import import FIELDS, REQUIRED, ImportRow
from .ledger_import_sheet import Sheet, cell_text
from .schema import app_user, hazard, unit, user_role
from .schema_imports import imported_hazard, ledger_import

EXCEL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s.*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_FOOTER = ("合计", "总计", "填表人", "制表人", "审核人", "填报人", "备注：", "说明：")
CATEGORY_WORDS: dict[str, str] = {
    "火灾": "fire", "疏散": "fire", "动火": "fire", "灭火": "fire", "电气": "electrical",
    "配电": "electrical", "用电": "electrical", "线路": "electrical", "燃气": "gas_canteen",
    "食堂": "gas_canteen", "厨房": "gas_canteen", "医用气体": "medical_gas",
    "液氧": "medical_gas", "高压氧": "medical_gas", "氧气": "medical_gas",
    "特种设备": "special_equipment", "电梯": "special_equipment", "锅炉": "special_equipment",
    "压力容器": "special_equipment", "危化品": "hazardous_chemicals",
    "化学品": "hazardous_chemicals", "有限空间": "confined_space", "化粪池": "confined_space",
    "污水": "confined_space", "建筑": "construction", "施工": "construction",
    "房屋": "construction", "结构": "construction", "自建房": "self_built_house",
    "实验室": "lab_biosafety", "生物安全": "lab_biosafety", "放射": "radiation",
    "辐射": "radiation", "防汛": "flood", "汛": "flood", "三合一": "three_in_one",
    "管理": "management", "制度": "management", "培训": "management", "证照": "management",
}
LEVEL_WORDS: dict[str, str] = {"一般": "general", "一般隐患": "general", "general": "general",
                               "重大": "major", "重大隐患": "major", "major": "major"}
ORDERED_WORDS = ("未整改", "整改中", "正在整改", "待整改", "未完成", "已下达", "限期整改")
CLOSED_WORDS = ("销号", "已验收", "验收合格", "验收通过", "已闭环", "已核销")
FIXED_WORDS = ("已整改", "整改完成", "已完成", "完成整改", "待验收", "待复查")
PLACEHOLDER_LOCATION = "（台账未注明部位）"


def parse_date(value: Any) -> date | None:
    """A cell as a date (None when empty); ValueError when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 21001231:
            return parse_date(str(number))
        if 1 <= number <= 80000 and number == value:
            return EXCEL_EPOCH + timedelta(days=number)
        raise ValueError(value)
    text = cell_text(value).replace("．", ".").replace("／", "/")
    for pattern in (_DATE, _COMPACT):
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    if text.isdigit() and len(text) == 5:
        return EXCEL_EPOCH + timedelta(days=int(text))
    raise ValueError(value)


def _cell(line: list[Any], column: int | None) -> Any:
    return line[column] if column is not None and column < len(line) else None


def sheet_rows(sheet: Sheet,
               mapping: dict[str, int | None]) -> list[tuple[ImportRow, dict[str, Any]]]:
    """The data rows under the header (blank rows, a repeated header and footer lines such
    as 合计 or 填表人 left out), each with its raw cell values by field."""
    out = []
    for index in range(sheet.header_at + 1, len(sheet.rows)):
        line = sheet.rows[index]
        raw = {name: _cell(line, column) for name, column in mapping.items()}
        texts = {name: cell_text(v) for name, v in raw.items()}
        if not any(texts.values()):
            continue
        joined = "".join(cell_text(v) for v in line)
        if joined.startswith(_FOOTER) or [cell_text(v) for v in line] == sheet.headers:
            continue
        out.append((ImportRow(index + 1, {k: v for k, v in texts.items() if v}), raw))
    return out


def _category(text: str) -> str | None:
    if text in CATEGORIES:
        return text
    for code, name in CATEGORIES.items():
        if text == name or text in name.split("/"):
            return code
    hits = [(len(w), c) for w, c in CATEGORY_WORDS.items() if w in text]
    if "消防" in text:
        hits.append((2, "fire"))
    return max(hits)[1] if hits else None


def _state(row: ImportRow) -> str | None:
    text = row.status_text
    if row.verified_on is not None or any(w in text for w in CLOSED_WORDS):
        if any(w in text for w in ORDERED_WORDS):
            return None
        return "closed"
    if any(w in text for w in ORDERED_WORDS):
        return "ordered"
    if any(w in text for w in FIXED_WORDS):
        return "awaiting_verification"
    if text:
        return None
    return "ordered" if (row.responsible or row.cells.get("responsible") or row.deadline) \
        else "registered"


class Lookups:
    """Units and people by what a sheet writes for them, read once per import."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.units: dict[str, tuple[str, str]] = {}
        for code, name, short in conn.execute(sa.select(unit.c.code, unit.c.name,
                                                        unit.c.short_name)
                                              .where(unit.c.active.is_(True))):
            for key in (code, name, short):
                if key:
                    self.units.setdefault(key, (code, name))
        self._people: dict[str, list[tuple[str, str]]] = {}

    def people_at(self, unit_code: str) -> list[tuple[str, str]]:
        """(username, display name) of the active users holding a role at the unit."""
        if unit_code not in self._people:
            rows = self.conn.execute(
                sa.select(app_user.c.username, app_user.c.display_name).distinct()
                .select_from(app_user.join(user_role, user_role.c.user_id == app_user.c.id)
                             .join(unit, unit.c.id == user_role.c.unit_id))
                .where(unit.c.code == unit_code, app_user.c.active.is_(True)))
            self._people[unit_code] = [(r.username, r.display_name) for r in rows]
        return self._people[unit_code]


def _read_dates(row: ImportRow, raw: dict[str, Any], today: date) -> None:
    for name in ("found_on", "deadline", "verified_on"):
        try:
            setattr(row, name, parse_date(raw.get(name)))
        except ValueError:
            row.problem(name, f"无法识别的日期：{row.cells.get(name, '')}")
    if row.found_on and row.found_on > today:
        row.problem("found_on", "发现日期晚于今天")
    if row.found_on and row.deadline and row.deadline < row.found_on:
        row.problem("deadline", "整改期限早于发现日期")
    if row.found_on and row.verified_on and row.verified_on < row.found_on:
        row.problem("verified_on", "验收日期早于发现日期")
    if row.verified_on and row.verified_on > today:
        row.problem("verified_on", "验收日期晚于今天")


def _read_unit(row: ImportRow, lookups: Lookups, default_unit: str | None,
               actor: Actor, allowed: dict[str, bool]) -> None:
    text = row.cells.get("unit", "")
    if text:
        found = lookups.units.get(text)
        if found is None:
            row.problem("unit", f"未知单位：{text}")
            return
    elif default_unit and default_unit in lookups.units:
        found = lookups.units[default_unit]
    else:
        row.problem("unit", "未指明单位（表中没有单位列时，请选择导入到哪个单位）")
        return
    row.unit_code, row.unit_name = found
    if found[0] not in allowed:
        allowed[found[0]] = policy.may_import_for(lookups.conn, actor, found[0])
    if not allowed[found[0]]:
        row.problem("unit", f"单位「{found[1]}」不在您的导入范围内")


def _read_person(row: ImportRow, lookups: Lookups) -> None:
    text = row.cells.get("responsible", "")
    if row.unit_code is None:
        return
    if not text:
        if row.state in ("ordered", "awaiting_verification"):
            row.problem("responsible", "整改中的隐患须写明整改责任人")
        return
    matches = {u for u, name in lookups.people_at(row.unit_code) if text in (u, name)}
    if len(matches) == 1:
        row.responsible = matches.pop()
    elif row.state == "closed":
        return  # history: the name stays in the sheet; the person may have left
    elif matches:
        row.problem("responsible", f"「{text}」对应本单位的多名用户，请改写为登录名")
    else:
        row.problem("responsible", f"未知的整改责任人：{text}（须为本单位在系统中的人员）")


def _read_fields(row: ImportRow, raw: dict[str, Any], today: date) -> None:
    cells = row.cells
    for name in REQUIRED:
        if not cells.get(name):
            row.problem(name, f"{FIELDS[name][0]}不能为空")
    row.description = cells.get("description", "")[:2000]
    row.location = cells.get("location", "")[:500] or PLACEHOLDER_LOCATION
    row.measures = cells.get("measures", "")[:2000]
    row.status_text = cells.get("status", "")
    row.reference = cells.get("reference", "")[:64] or None
    category = cells.get("category", "")
    row.category = _category(category or row.description)  # no category: read the description
    if row.category is None and category:
        known = "、".join(CATEGORIES.values())
        row.problem("category", f"未知的隐患类别：{category}（可用：{known}）")
    elif row.category is None:
        row.problem("category", "未写隐患类别，也无法从描述判断，请补写")
    level = cells.get("level", "")
    found_level = LEVEL_WORDS.get(level.replace(" ", ""), None) if level else "general"
    if found_level is None:
        row.problem("level", f"未知的隐患等级：{level}（一般隐患或重大隐患）")
    row.level = found_level or "general"
    _read_dates(row, raw, today)


def _check_state(row: ImportRow) -> None:
    state = _state(row)
    if state is None:
        row.problem("status", f"无法识别的整改情况：{row.status_text}（如：整改中、已整改待验收、"
                              f"已验收销号）")
        return
    if state == "closed" and row.verified_on is None and "verified_on" not in row.problems:
        row.problem("verified_on", "已验收销号的隐患须写明验收日期")
    if state in ("ordered", "awaiting_verification") and row.deadline is None \
            and "deadline" not in row.problems:
        row.problem("deadline", "整改中的隐患须写明整改期限")
    if row.level == "major" and state != "closed":
        state = "registered"  # the major path (order, controls, plan) is done in the system
    row.state = state


def _check_duplicates(conn: Connection, rows: Iterable[ImportRow], sha256: str) -> None:
    first: dict[tuple[Any, ...], int] = {}
    done = dict(conn.execute(
        sa.select(imported_hazard.c.row_number, hazard.c.code)
        .select_from(imported_hazard.join(ledger_import,
                                          ledger_import.c.id == imported_hazard.c.import_id)
                     .join(hazard, hazard.c.id == imported_hazard.c.hazard_id))
        .where(ledger_import.c.sha256 == sha256)).all())
    for row in rows:
        if row.number in done:
            row.problem("", f"本行已从同一文件导入（隐患 {done[row.number]}）")
            continue
        key = (row.unit_code, row.description, row.location, row.found_on)
        if key in first:
            row.problem("description", f"与第 {first[key]} 行重复")
            continue
        first[key] = row.number
        if row.unit_code is None or not row.description:
            continue
        existing = conn.execute(
            sa.select(hazard.c.code).select_from(hazard.join(unit, unit.c.id == hazard.c.unit_id))
            .where(unit.c.code == row.unit_code, hazard.c.description == row.description,
                   hazard.c.location == row.location, hazard.c.status != "voided")).first()
        if existing is not None:
            row.problem("description", f"与已有隐患 {existing.code} 重复")


def check_rows(conn: Connection, actor: Actor, sheet: Sheet, mapping: dict[str, int | None],
               *, sha256: str, today: date, default_unit: str | None = None) -> list[ImportRow]:
    """Every data row with its values and problems; nothing is written."""
    lookups = Lookups(conn)
    allowed: dict[str, bool] = {}
    rows = []
    for row, raw in sheet_rows(sheet, mapping):
        _read_fields(row, raw, today)
        _read_unit(row, lookups, default_unit, actor, allowed)
        _check_state(row)
        _read_person(row, lookups)
        rows.append(row)
    _check_duplicates(conn, rows, sha256)
    return rows
