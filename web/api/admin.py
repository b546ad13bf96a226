"""API v1: administration — importing units from an Excel sheet (the admin role). A dry
run lists each row's problems and writes nothing; the import writes every row or none (a
refused import answers 422 with one detail per problem, ``field`` naming the row)."""

from __future__ import annotations

from typing import Any

from flask import request

from hazardflow.engine import Detail, InvalidInput
from hazardflow.workflows.usecases import admin as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.admin import ImportAnswer, ImportQuery
from .spec import BINARY, endpoint

TAG = "admin"
SHEET = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": BINARY}}}}


@bp.post("/admin/units/import")
@login_required
@endpoint("import_units", TAG, {200: ImportAnswer}, errors=(403, 413, 422), query=ImportQuery,
          body=SHEET)
def import_units(query: ImportQuery) -> dict[str, Any]:
    """从 Excel 批量导入单位：先检查（dry_run），全部无误才导入 (import units from an Excel
    sheet: a dry run first; all rows or none)"""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        message = "请上传 Excel 文件（multipart 字段 file）(upload the sheet as the file field)"
        raise InvalidInput(message, [Detail(message, field="file")])
    data = upload.stream.read(runtime.settings.max_request_bytes)
    result = uc.import_units(runtime, current_actor(), data, dry_run=query.dry_run)
    return {"dry_run": result.dry_run, "ok": result.ok, "created": result.created,
            "rows": result.rows}
