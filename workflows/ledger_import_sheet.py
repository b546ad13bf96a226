"""Reading a ledger workbook and guessing which column holds what.

:func:`read_grid` gives the first sheet as rows of cell values, every merged range filled
with its top-left value (a header cell merged over two rows or over sub-headers names every
column it covers). ``.xlsx`` is read with openpyxl, ``.xls`` (BIFF, an OLE2 file) with
python-calamine; the type is found from the content, the name must agree, and the size
limit is the uploads' (``max_upload_bytes``). :func:`find_header` picks the header row: of
the first rows, the one whose cells name the most fields (a title row above it, a blank
row, a two-row header whose upper row is merged are all passed over). :func:`guess_mapping`
maps each field to the column whose header names it best (an exact name before a header
that contains it); the user corrects the guess on the page or in the API's ``mapping``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from hazardflow.engine import PayloadTooLarge

from .filecheck import XLSX, check_type, refuse
from .ledger_import import FIELDS, MAX_ROWS

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SCAN = 15  # the header is among the first rows
_SPACE = re.compile(r"[\s\u3000]+")
_NOTE = re.compile(r"[（(][^）)]*[）)]|[*＊:：]")


@dataclass(frozen=True)
class Sheet:
    """A sheet read: its rows of values (merged ranges filled), the header row's index
    (0-based) and each column's header text."""

    rows: list[list[Any]]
    header_at: int
    headers: list[str]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _norm(text: str) -> str:
    return _NOTE.sub("", _SPACE.sub("", text))


def sheet_kind(filename: str, data: bytes, max_bytes: int) -> str:
    """``xlsx`` or ``xls`` from the content (the name must agree); InvalidInput else."""
    if not data:
        raise refuse("文件为空，请重新选择 (the file is empty)", "empty_file")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"文件过大，上限为 {max_bytes / 1048576:.0f} MB "
                              f"(the file is larger than {max_bytes / 1048576:.0f} MB)")
    name = filename.lower()
    if data.startswith(OLE2):
        if not name.endswith(".xls"):
            raise refuse("文件内容是 .xls 工作簿，但文件名不是 .xls (the name does not match "
                         "the content)")
        return "xls"
    if check_type(filename, data) != XLSX:
        raise refuse("请上传 Excel 工作簿（.xlsx 或 .xls）(upload an .xlsx or .xls workbook)")
    return "xlsx"


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:  # not read-only: a read-only sheet does not know its merged cells
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise refuse("无法读取该 Excel 文件 (the workbook cannot be read)") from None
    sheet = book.worksheets[0]
    limit = min(sheet.max_row, MAX_ROWS + HEADER_SCAN + 200)
    rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=limit, values_only=True)]
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
              for m in sheet.merged_cells.ranges]
    book.close()
    return _filled(rows, merged)


def _xls_rows(data: bytes) -> list[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        ranges = sheet.merged_cell_ranges or []
    except (CalamineError, OSError, ValueError):
        raise refuse("无法读取该 .xls 文件 (the .xls workbook cannot be read)") from None
    merged = [(a[0], a[1], b[0], b[1]) for a, b in ranges]
    return _filled([[None if v == "" else v for v in r] for r in rows], merged)


def _filled(rows: list[list[Any]], merged: list[tuple[int, int, int, int]]) -> list[list[Any]]:
    """Every cell of a merged range takes the range's top-left value."""
    for top, left, bottom, right in merged:
        if top >= len(rows):
            continue
        value = rows[top][left] if left < len(rows[top]) else None
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            line = rows[r]
            line.extend([None] * (right + 1 - len(line)))
            for c in range(left, right + 1):
                line[c] = value
    return rows


def field_of(header: str) -> tuple[str, int] | None:
    """(field, how well: 2 exact, 1 contained) a header names, or None."""
    text = _norm(header)
    if not text:
        return None
    longest, best = 1, None
    for name, (_, aliases) in FIELDS.items():
        if text in aliases:
            return name, 2
        for alias in aliases:  # the longest name it contains: 隐患等级 before 隐患
            if len(alias) > longest and alias in text:
                longest, best = len(alias), name
    return (best, 1) if best else None


def find_header(rows: list[list[Any]]) -> int:
    """The index of the header row: the first rows' one naming the most fields (the lower
    on a tie, under a merged upper header); InvalidInput when none names two."""
    best, at = 1, -1
    for i, line in enumerate(rows[:HEADER_SCAN]):
        named = {found[0] for v in line if (found := field_of(cell_text(v)))}
        if len(named) >= best:
            best, at = len(named), i
    if at < 0:
        raise refuse("找不到表头：前 15 行中没有一行写有「隐患名称」「发现日期」等列名 "
                     "(no header row found)")
    return at


def read_sheet(filename: str, data: bytes, max_bytes: int) -> Sheet:
    rows = _xls_rows(data) if sheet_kind(filename, data, max_bytes) == "xls" else _xlsx_rows(data)
    if not any(any(cell_text(v) for v in line) for line in rows):
        raise refuse("表格是空的 (the sheet is empty)")
    header_at = find_header(rows)
    above = rows[header_at - 1] if header_at > 0 else []
    width = max(len(line) for line in rows)
    headers = []
    for c in range(width):
        own = cell_text(rows[header_at][c]) if c < len(rows[header_at]) else ""
        upper = cell_text(above[c]) if c < len(above) else ""
        headers.append(own or upper)
    return Sheet(rows, header_at, headers)


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Field → column index (None: not in the sheet). Exact names win over headers that
    only contain a name; each column serves one field."""
    found: dict[str, tuple[int, int]] = {}
    for column, header in enumerate(headers):
        hit = field_of(header)
        if hit is None:
            continue
        name, score = hit
        if name not in found or score > found[name][1]:
            found[name] = (column, score)
    mapping: dict[str, int | None] = {name: None for name in FIELDS}
    used: set[int] = set()
    for name, (column, _) in sorted(found.items(), key=lambda kv: -kv[1][1]):
        if column not in used:
            mapping[name] = column
            used.add(column)
    return mapping


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
