"""Excel workbooks for the import tests, built as a user's spreadsheet program saves them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

HEADER = ["单位编码", "单位名称", "单位类型", "上级单位编码", "简称"]


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    """A workbook whose first sheet holds ``header`` and then ``rows``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
