"""Units bring their 隐患台账 in from Excel: the fields a sheet's columns map to, the states a
row implies, and the import context the lifecycle's domain hooks honour.

The import itself is split by concern: :mod:`ledger_import_sheet` reads the workbook (.xlsx
with openpyxl, .xls with python-calamine) and guesses the column mapping from the headers;
:mod:`ledger_import_check` turns each row into values and lists its problems (the dry run);
:mod:`ledger_import_run` brings the good rows in, batch by batch, each open hazard through
the hazard lifecycle itself.

**The import context.** While an import drives a case (:func:`importing`), the domain hooks
take no number and issue nothing: the hazard gets the import's own code instead of the year's
``YH-`` sequence (``ledger.create_hazard_row``), the order takes no 整改通知书 number (the
sheet's number is kept as the row's reference), and a rung of the escalation ladder due at
the import that would issue a 督办函 or a 通报 is recorded as skipped (``handlers``).
Notifications of the ladder follow :mod:`ladder` (only the latest rung due is sent).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# field → (its name on the page, header texts that name it, best first)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "description": ("隐患名称/描述", ("隐患名称", "隐患描述", "隐患内容", "隐患情况", "存在问题",
                                     "问题描述", "隐患及问题", "隐患")),
    "location": ("隐患部位", ("隐患部位", "所在部位", "部位", "位置", "地点", "区域")),
    "category": ("隐患类别", ("隐患类别", "隐患类型", "类别", "类型", "分类")),
    "level": ("隐患等级", ("隐患等级", "隐患级别", "等级", "级别")),
    "found_on": ("发现日期", ("发现日期", "发现时间", "排查日期", "检查日期", "登记日期")),
    "deadline": ("整改期限", ("整改期限", "整改时限", "完成时限", "整改截止日期", "限期")),
    "responsible": ("整改责任人", ("整改责任人", "责任人", "整改负责人", "负责人")),
    "measures": ("整改措施", ("整改措施", "整改要求", "措施")),
    "status": ("整改情况", ("整改情况", "整改状态", "整改进展", "完成情况", "状态")),
    "verified_on": ("验收日期", ("验收日期", "验收时间", "复查日期", "销号日期")),
    "unit": ("单位", ("单位名称", "所属单位", "责任单位", "单位编码", "单位")),
    "reference": ("通知书编号", ("整改通知书编号", "通知书编号", "通知单编号", "文号")),
}
REQUIRED = ("description", "found_on")
# what an open hazard's row implies, and where its case then waits
STATES: dict[str, str] = {
    "registered": "已登记，待下达整改", "ordered": "已下达整改，整改中",
    "awaiting_verification": "已整改，待验收", "closed": "已验收销号（历史记录）",
}
BATCH = 100  # rows per transaction
MAX_ROWS = 300  # rows per sheet: an import runs within the request (gunicorn: 60 s)


@dataclass
class ImportRow:
    """One sheet row: the text of each mapped cell, the values read from it, its problems
    (column field → messages; ``""`` for the row as a whole)."""

    number: int  # the row's number in the sheet (1-based, as Excel shows it)
    cells: dict[str, str]  # field → the cell as text
    unit_code: str | None = None
    unit_name: str | None = None
    description: str = ""
    location: str = ""
    category: str | None = None
    level: str = "general"
    found_on: date | None = None
    deadline: date | None = None
    verified_on: date | None = None
    responsible: str | None = None  # a username
    measures: str = ""
    status_text: str = ""
    state: str = "registered"
    reference: str | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, column: str, message: str) -> None:
        self.problems.setdefault(column, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        """Each problem as a sentence naming its column: 「整改期限」：无法识别的日期 2026-13-01."""
        return [f"「{FIELDS[c][0]}」：{m}" if c in FIELDS else m
                for c, found in self.problems.items() for m in found]

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.number, "cells": dict(self.cells), "unit_code": self.unit_code,
                "unit_name": self.unit_name, "description": self.description,
                "location": self.location, "category": self.category, "level": self.level,
                "found_on": _iso(self.found_on), "deadline": _iso(self.deadline),
                "verified_on": _iso(self.verified_on), "responsible": self.responsible,
                "state": self.state, "state_name": STATES[self.state],
                "reference": self.reference,
                "problems": {c: list(m) for c, m in self.problems.items()},
                "messages": self.messages()}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class ImportContext:
    """What the domain hooks need while an import drives a case."""

    import_id: int
    row: int
    by: str
    hazard_code: str
    reference: str | None = None


_current: ContextVar[ImportContext | None] = ContextVar("ledger_import", default=None)


def current_import() -> ImportContext | None:
    """The import driving the case now, if any (see the module doc)."""
    return _current.get()


@contextlib.contextmanager
def importing(context: ImportContext) -> Iterator[ImportContext]:
    """Run the engine calls of one imported row inside ``context``."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def hazard_code(import_id: int, row: int) -> str:
    """An imported hazard's ledger code, outside the year's ``YH-`` sequence: DR3-0012
    (import 3, sheet row 12)."""
    return f"DR{import_id}-{row:04d}"
