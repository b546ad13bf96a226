"""API v1: importing a unit's 隐患台账 from Excel, the import page's twin.

``POST /hazards/import`` (multipart: ``file``; optional ``mapping``, a JSON object field →
column letter, index or header text, guessed from the headers where absent; optional
``unit``, the unit of a sheet without a unit column: by default the one unit the importer
imports for, when there is one). ``dry_run=true`` (the default) lists
each row's problems and writes nothing; ``dry_run=false`` imports the rows without problems
(one transaction per batch of rows) and answers the import with each hazard it brought in.
``GET /hazards/imports/{id}`` reads an import again (its progress counts, its hazards)."""

from __future__ import annotations

import json as jsonlib
from typing import Any

from flask import request
from pydantic import Field

from hazardflow.engine import Detail, InvalidInput
from hazardflow.workflows.usecases import ledger_import as usecase

from ..extensions import runtime
from ..serialize import jsonable
from . import bp, current_actor, login_required
from .models.common import Envelope, Query, Row
from .spec import BINARY, endpoint

TAG = "hazards"
SHEET = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": BINARY,
        "mapping": {"type": "string", "description": "JSON：字段 → 列（字母 B、序号或表头文字），"
                    "缺省按表头识别 (JSON: field → column letter, index or header; guessed "
                    "when absent)"},
        "unit": {"type": "string", "description": "表中没有单位列时导入到的单位编码 (the unit "
                 "of a sheet without a unit column)"}}}}}


class LedgerImportQuery(Query):
    dry_run: bool = Field(True, description="true（默认）：只检查、列出每行的问题、不写入；false："
                                            "导入无问题的行 (true, the default: check only; "
                                            "false: import the rows without problems)")


class LedgerImportRow(Row):
    row: int = Field(description="表格中的行号 (the row's number in the sheet)")
    state: str = Field(description="导入后所处状态 registered / ordered / "
                                   "awaiting_verification / closed")
    problems: dict[str, list[str]] = Field(description="按字段列出的问题，中文 (problems by "
                                                       "field)")
    messages: list[str]


class LedgerImportedHazard(Row):
    row_number: int
    code: str
    case_id: int
    state: str
    reference: str | None = Field(description="表中的通知书编号 (the sheet's notice number)")


class LedgerImportJob(Row):
    id: int
    filename: str
    sha256: str
    created_by: str
    status: str = Field(description="running / done / failed")
    total_rows: int
    good_rows: int
    imported_rows: int
    hazards: list[LedgerImportedHazard]


class LedgerImportAnswer(Envelope):
    dry_run: bool
    header_row: int
    mapping: dict[str, str | None] = Field(description="字段 → 列字母 (field → column)")
    total: int
    good: int
    bad: int
    rows: list[LedgerImportRow]
    job: LedgerImportJob | None = Field(
        description="导入记录；检查时为 null (the import; null in a dry run)")


def _mapping() -> dict[str, Any] | None:
    text = request.form.get("mapping")
    if not text:
        return None
    try:
        value = jsonlib.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        message = "mapping 须为 JSON 对象 (mapping must be a JSON object)"
        raise InvalidInput(message, [Detail(message, field="mapping")])
    return value


@bp.post("/hazards/import")
@login_required
@endpoint("import_hazards", TAG, {200: LedgerImportAnswer}, errors=(403, 413, 422),
          query=LedgerImportQuery, body=SHEET)
def import_hazards(query: LedgerImportQuery) -> dict[str, Any]:
    """从 Excel 导入隐患台账：先检查（dry_run），再导入无问题的行 (import a hazard ledger
    from Excel: a dry run first, then the rows without problems)"""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        message = "请上传台账文件（multipart 字段 file）(upload the sheet as the file field)"
        raise InvalidInput(message, [Detail(message, field="file")])
    data = upload.stream.read(runtime.settings.max_upload_bytes + 1)
    call = usecase.check if query.dry_run else usecase.run
    out = call(runtime, current_actor(), upload.filename, data, _mapping(),
               request.form.get("unit") or None)
    keys = ("header_row", "mapping", "total", "good", "bad", "rows")
    answer: dict[str, Any] = jsonable({"dry_run": query.dry_run, **{k: out[k] for k in keys},
                                       "job": out.get("import")})
    return answer


@bp.get("/hazards/imports/<int:import_id>")
@login_required
@endpoint("get_hazard_import", TAG, {200: LedgerImportJob}, errors=(404,))
def get_hazard_import(import_id: int) -> dict[str, Any]:
    """一次台账导入：进度和导入的隐患 (an import: its progress and its hazards)"""
    answer: dict[str, Any] = jsonable(usecase.job(runtime, current_actor(), import_id))
    return answer
