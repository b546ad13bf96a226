"""Importing units from an Excel sheet (单位批量导入), all rows or none.

The sheet's first row names the columns: 单位编码, 单位名称, 单位类型, 上级单位编码 and,
optionally, 简称 (or code, name, kind, parent_code, short_name). 单位类型 is the kind's Chinese
name (乡镇卫生院) or its code (``township_hospital``). A parent may be a unit that exists or
another row of the sheet, in any order.

:func:`check_sheet` reads the sheet and lists each row's problems without writing anything
(the dry run): an empty or too long field, a bad code, an unknown kind, a duplicate code
(in the sheet or already in use), an unknown or inactive parent, a kind that may not sit
under its parent's (``roles.PARENT_KINDS``: a 村卫生室 not under a 乡镇卫生院…), parents that
go round in a circle. :func:`import_sheet` writes every row, parents first, through
``admin.create_unit`` (each journaled) when no row has a problem, and nothing otherwise.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput, PayloadTooLarge, journal

from . import admin
from .roles import UNIT_KINDS, kind_name, parent_problem
from .units import Unit, get_unit_by_code
from .users import User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,63}$")
# column header (Chinese or English) → field
HEADERS: dict[str, str] = {
    "单位编码": "code", "单位名称": "name", "单位类型": "kind", "上级单位编码": "parent_code",
    "简称": "short_name", "code": "code", "name": "name", "kind": "kind",
    "parent_code": "parent_code", "short_name": "short_name",
}
REQUIRED = ("code", "name", "kind", "parent_code")
TEMPLATE_HEADER = ["单位编码", "单位名称", "单位类型", "上级单位编码", "简称"]
KIND_BY_NAME = {name: code for code, name in UNIT_KINDS.items()}


@dataclass
class SheetRow:
    row: int  # the row's number in the sheet (the header is row 1)
    code: str
    name: str
    kind: str  # the kind's code when known, else as written
    parent_code: str
    short_name: str | None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "name": self.name, "kind": self.kind,
                "kind_name": UNIT_KINDS.get(self.kind, self.kind),
                "parent_code": self.parent_code, "short_name": self.short_name,
                "problems": list(self.problems)}


class RowsRefused(InvalidInput):
    """The import refused: some rows have problems; nothing was written. ``rows``: every
    row with its problems (what the dry run would have said)."""

    def __init__(self, message: str, details: list[Detail], rows: list[SheetRow]) -> None:
        super().__init__(message, details)
        self.rows = rows


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field="file")])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(data: bytes) -> list[SheetRow]:
    """The rows of the workbook's first sheet, unchecked; InvalidInput for a file that is
    not an .xlsx workbook or lacks a column."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"导入文件过大，上限为 {MAX_BYTES // 1048576} MB (the sheet is "
                              f"larger than {MAX_BYTES // 1048576} MB)")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _bad("不是有效的 Excel 文件（.xlsx）(not an .xlsx workbook)") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        lines = list(sheet.iter_rows(values_only=True)) if sheet is not None else []
    finally:
        book.close()
    header_at = next((i for i, line in enumerate(lines) if any(_text(v) for v in line)), None)
    if header_at is None:
        raise _bad("表格是空的 (the sheet is empty)")
    columns = {i: HEADERS[_text(v)] for i, v in enumerate(lines[header_at])
               if _text(v) in HEADERS}
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        names = {v: k for k, v in HEADERS.items() if not k.isascii()}
        raise _bad("表头缺少列：" + "、".join(names[m] for m in missing)
                   + f" (missing columns: {', '.join(missing)})")
    rows: list[SheetRow] = []
    for number, line in enumerate(lines[header_at + 1:], start=header_at + 2):
        values = {name: _text(line[i]) if i < len(line) else ""
                  for i, name in columns.items()}
        if not any(values.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise _bad(f"一次最多导入 {MAX_ROWS} 行 (at most {MAX_ROWS} rows at a time)")
        kind = values.get("kind", "")
        rows.append(SheetRow(number, values.get("code", "").upper(), values.get("name", ""),
                             KIND_BY_NAME.get(kind, kind), values.get("parent_code", "").upper(),
                             values.get("short_name") or None))
    if not rows:
        raise _bad("表格中没有单位 (the sheet lists no unit)")
    return rows


def _check_fields(row: SheetRow) -> None:
    if not row.code:
        row.problems.append("单位编码不能为空")
    elif not CODE.match(row.code):
        row.problems.append(f"单位编码 {row.code} 只能用字母、数字和 - _ .，最长 64 个字符")
    if not row.name:
        row.problems.append("单位名称不能为空")
    elif len(row.name) > admin.MAX_UNIT_NAME:
        row.problems.append(f"单位名称最多 {admin.MAX_UNIT_NAME} 个字符")
    if row.short_name and len(row.short_name) > admin.MAX_SHORT_NAME:
        row.problems.append(f"简称最多 {admin.MAX_SHORT_NAME} 个字符")
    if not row.kind:
        row.problems.append("单位类型不能为空")
    elif row.kind not in UNIT_KINDS:
        row.problems.append(f"未知的单位类型：{row.kind}（可用：{'、'.join(UNIT_KINDS.values())}）")
    elif row.kind == "city_commission":
        row.problems.append("市卫健委是根单位，不能导入")
    if not row.parent_code:
        row.problems.append("上级单位编码不能为空")


def check_rows(conn: Connection, rows: list[SheetRow]) -> list[SheetRow]:
    """Each row with its problems (in Chinese); nothing is written."""
    first: dict[str, int] = {}
    for row in rows:
        _check_fields(row)
        if row.code and row.code in first:
            row.problems.append(f"单位编码 {row.code} 与第 {first[row.code]} 行重复")
        elif row.code:
            first[row.code] = row.row
            if get_unit_by_code(conn, row.code) is not None:
                row.problems.append(f"单位编码 {row.code} 已被现有单位使用")
    in_sheet = {r.code: r for r in rows if r.code and first.get(r.code) == r.row}
    existing: dict[str, Unit | None] = {}
    for row in rows:
        if not row.parent_code or row.kind not in UNIT_KINDS:
            continue
        if row.parent_code == row.code:
            row.problems.append("上级单位不能是它自己")
            continue
        parent_kind = _parent_kind(conn, row, in_sheet, existing)
        if parent_kind is None:
            continue
        problem = parent_problem(row.kind, parent_kind)
        if problem is not None:
            row.problems.append(problem.split(" (")[0])
    _check_cycles(rows, in_sheet)
    return rows


def _parent_kind(conn: Connection, row: SheetRow, in_sheet: dict[str, SheetRow],
                 existing: dict[str, Unit | None]) -> str | None:
    """The kind of the row's parent (in the sheet or in the tree), noting a missing one."""
    if row.parent_code in in_sheet:
        parent = in_sheet[row.parent_code]
        return parent.kind if parent.kind in UNIT_KINDS else None
    if row.parent_code not in existing:
        existing[row.parent_code] = get_unit_by_code(conn, row.parent_code)
    found = existing[row.parent_code]
    if found is None:
        row.problems.append(f"上级单位 {row.parent_code} 不存在（既不在系统中，也不在表中）")
        return None
    if not found.active:
        row.problems.append(f"上级单位 {row.parent_code}（{found.name}）已停用")
        return None
    return found.kind


def _check_cycles(rows: list[SheetRow], in_sheet: dict[str, SheetRow]) -> None:
    """A row whose parents in the sheet lead back to it."""
    for row in rows:
        seen: set[str] = set()
        parent = in_sheet.get(row.parent_code)
        while parent is not None and parent.code not in seen and parent.code != row.code:
            seen.add(parent.code)
            parent = in_sheet.get(parent.parent_code)
        if parent is not None and parent.code == row.code:
            row.problems.append("上级单位在表中形成循环")


def check_sheet(conn: Connection, data: bytes) -> list[SheetRow]:
    """The dry run: the sheet's rows, each with its problems."""
    return check_rows(conn, read_sheet(data))


def _ordered(rows: list[SheetRow]) -> list[SheetRow]:
    """Parents before their children (rows whose parent is in the tree first)."""
    codes = {r.code for r in rows}
    placed: set[str] = set()
    out: list[SheetRow] = []
    todo = list(rows)
    while todo:
        ready = [r for r in todo if r.parent_code not in codes or r.parent_code in placed]
        if not ready:  # a circle: check_rows has named it
            raise _bad("上级单位在表中形成循环 (the parents go round in a circle)")
        out += ready
        placed |= {r.code for r in ready}
        todo = [r for r in todo if r.code not in placed]
    return out


def import_sheet(conn: Connection, by: User, data: bytes, now: datetime) -> list[SheetRow]:
    """Create every unit of the sheet, or none: :class:`RowsRefused` listing each row's
    problems (``field``: ``row N``) when any row has one."""
    rows = check_sheet(conn, data)
    details = [Detail(f"第 {r.row} 行（{r.code or '—'}）：{p}", field=f"row {r.row}")
               for r in rows for p in r.problems]
    if details:
        raise RowsRefused(f"有 {sum(1 for r in rows if r.problems)} 行有问题，未导入任何单位 "
                          f"(rows have problems: nothing was imported)", details, rows)
    for row in _ordered(rows):
        admin.create_unit(conn, by, code=row.code, name=row.name, kind=row.kind,
                          parent_code=row.parent_code, short_name=row.short_name, now=now)
    journal.record(conn, actor=by.username, action="unit.imported", subject="unit:*",
                   payload={"units": [r.code for r in rows]}, at=now)
    return rows


def template_rows() -> list[list[str]]:
    """The sheet a user fills in: the header and an example of each new kind."""
    return [TEMPLATE_HEADER,
            ["LA-JA-T02", "金安区某镇卫生院", kind_name("township_hospital"), "LA-JA", ""],
            ["LA-JA-T02-V01", "某镇某村卫生室", kind_name("village_clinic"), "LA-JA-T02", ""],
            ["LA-JA-Z01", "金安区某诊所", kind_name("clinic"), "LA-JA", ""]]
