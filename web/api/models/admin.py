"""Requests and answers of the administration API: importing units from an Excel sheet."""

from __future__ import annotations

from pydantic import Field

from .common import Envelope as E
from .common import Query


class ImportQuery(Query):
    dry_run: bool = Field(True, description="true（默认）：只检查、列出每行的问题、不写入；false："
                                            "全部行无误才导入，否则一行也不导入 (true, the "
                                            "default: check only; false: import every row or "
                                            "none)")


class ImportRow(E):
    row: int = Field(description="表格中的行号（表头为第1行）(the row's number in the sheet)")
    code: str
    name: str
    kind: str
    kind_name: str
    parent_code: str
    short_name: str | None
    problems: list[str] = Field(description="该行的问题，中文 (the row's problems)")


class ImportAnswer(E):
    dry_run: bool
    ok: bool = Field(description="没有任何行有问题 (no row has a problem)")
    created: int = Field(description="写入的单位数，检查时为0 (units written; 0 in a dry run)")
    rows: list[ImportRow]
