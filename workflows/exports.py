"""Excel (.xlsx) exports: what these users exchange.

:func:`to_xlsx` writes sheets with a bold, frozen, filterable header row, column widths that
count a CJK character as two, real dates (datetimes in the business time of the calendar
the caller gives), and text that a spreadsheet would take for a formula (``=``, ``+``,
``-``, ``@``, tab, carriage return) stored as plain text with Excel's quote prefix, so
opening a file never runs a formula somebody typed into a hazard's description. Characters
XML forbids (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, the surrogates and the
noncharacters U+FFFE and U+FFFF), which a pasted description can hold, are dropped from text
cells and sheet titles.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .calendar import BusinessCalendar
from .ledger import CATEGORIES, LEVELS, SOURCES, status_name

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 6, 60
WIDTH_SAMPLE = 500  # rows looked at to size the columns
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
# characters an XML document may not hold (tab, line feed, carriage return may)
XML_FORBIDDEN = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                               *range(0xD800, 0xE000), 0xFFFE, 0xFFFF])


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)


def display_width(value: Any) -> int:
    """Columns a value needs: two for each wide (CJK) character, one for the others."""
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)
    longest = max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                   for line in text.splitlines() or [""]), default=0)
    return longest


def _sheet_title(title: str, used: set[str]) -> str:
    base = (title.translate(XML_FORBIDDEN).translate(_BAD_SHEET_CHARS).strip("'")
            or "Sheet")[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _put(ws: Worksheet, row: int, column: int, value: Any, calendar: BusinessCalendar) -> Cell:
    if isinstance(value, datetime):
        local = calendar.local(value).replace(tzinfo=None) if value.tzinfo else value
        cell = ws.cell(row=row, column=column, value=local)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = ws.cell(row=row, column=column, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if value is None or isinstance(value, bool | int | float):
        return ws.cell(row=row, column=column, value=value)
    text = str(value).translate(XML_FORBIDDEN)
    cell = ws.cell(row=row, column=column, value=text)
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # a string cell, never a formula
        cell.quotePrefix = True  # and Excel keeps it text when edited
    return cell


def _write(ws: Worksheet, sheet: Sheet, calendar: BusinessCalendar) -> None:
    widths = [display_width(h) for h in sheet.headers]
    bold = Font(bold=True)
    for column, header in enumerate(sheet.headers, start=1):
        cell = _put(ws, 1, column, header, calendar)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r, values in enumerate(sheet.rows, start=2):
        for column, value in enumerate(values, start=1):
            _put(ws, r, column, value, calendar)
            if r <= WIDTH_SAMPLE + 1 and column <= len(widths):
                widths[column - 1] = max(widths[column - 1], display_width(value or ""))
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = \
            min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    ws.freeze_panes = "A2"
    if sheet.headers:
        last = get_column_letter(len(sheet.headers))
        ws.auto_filter.ref = f"A1:{last}{max(1, len(sheet.rows) + 1)}"


def to_xlsx(sheets: Iterable[Sheet], calendar: BusinessCalendar) -> bytes:
    """The workbook's bytes, datetimes in ``calendar``'s business time; at least one sheet
    is written (an empty one if none given)."""
    wb = Workbook()
    default = wb.active
    used: set[str] = set()
    wrote = False
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_title(sheet.title, used))
        _write(ws, sheet, calendar)
        wrote = True
    if wrote and default is not None:
        wb.remove(default)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


LEDGER_HEADERS = ("编号", "单位", "位置", "类别", "级别", "描述", "来源", "专项行动", "状态",
                  "当前环节", "整改期限", "责任人", "登记人", "登记时间", "销号时间", "是否超期")


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def ledger_sheet(rows: Iterable[Mapping[str, Any]], today: date | None = None,
                 names: Mapping[str, str] | None = None,
                 title: str = "隐患台账",
                 campaigns: Mapping[str, str] | None = None) -> Sheet:
    """Hazard ledger rows (as ``ledger.list_hazards`` returns them) as a sheet with Chinese
    headers. ``today`` (a business date) fills 是否超期 (open with its deadline passed);
    without it the column stays empty. ``names`` maps usernames to display names,
    ``campaigns`` campaign codes to their names (people read names, not codes)."""
    names, campaigns = names or {}, campaigns or {}
    out: list[list[Any]] = []
    for row in rows:
        deadline = _day(row.get("deadline"))
        overdue: str | None = None
        if today is not None:
            late = row.get("status") == "open" and deadline is not None and deadline < today
            overdue = "是" if late else "否"
        person = row.get("responsible_user")
        out.append([
            row.get("code"), row.get("unit_name"), row.get("location"),
            CATEGORIES.get(row.get("category") or "", row.get("category")),
            LEVELS.get(row.get("level") or "", row.get("level")), row.get("description"),
            SOURCES.get(row.get("source") or "", row.get("source")),
            campaigns.get(row.get("campaign") or "", row.get("campaign")),
            status_name(str(row.get("status") or ""), row.get("level")), row.get("stage"),
            deadline, names.get(person, person) if person else None,
            names.get(row.get("reported_by") or "", row.get("reported_by")),
            row.get("reported_at"), row.get("closed_at"), overdue,
        ])
    return Sheet(title, LEDGER_HEADERS, out)
