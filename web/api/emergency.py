"""API v1: the one map of readiness (应急一张图), the /map pages' twin.

``GET /map/layers``: every layer as GeoJSON (WGS-84) with what the reader may see;
``GET|POST /emergency/{kind}``, ``GET|PUT|DELETE /emergency/{kind}/{id}``: emergency teams
(``team``), supply depots (``depot``) and major hazard sources (``source``), read by everyone
signed in and kept by the unit's keepers or a supervising commission;
``PUT /units/{code}/location``: a unit's place, and a medical institution's type and grade;
``GET /emergency/{kind}/export?format=xlsx|geojson`` and
``POST /emergency/{kind}/import?dry_run=true|false`` (multipart ``file``, .xlsx or .geojson):
a dry run lists each row's problems and writes nothing; otherwise the rows without problems
are added."""

from __future__ import annotations

from typing import Any, Literal

from flask import Response, request
from pydantic import BaseModel, ConfigDict, Field

from hazardflow.engine import Detail, InvalidInput
from hazardflow.workflows.usecases import emergency as uc

from ..downloads import XLSX, xlsx_response
from ..extensions import runtime
from ..serialize import jsonable
from . import bp, current_actor, login_required
from .models.common import Envelope, Listing, Object, Query
from .spec import BINARY, endpoint

TAG = "emergency"
KIND = {"kind": {"enum": ["team", "depot", "source"]}}
FILE_NAMES = {"team": "emergency-teams", "depot": "supply-depots", "source": "hazard-sources"}
UPLOAD = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": BINARY}}}}
GEOJSON = "application/geo+json"


class EmergencyRecordRequest(BaseModel):
    """一条应急资源：单位、名称、位置（WGS-84）及各类的字段；队员和物资为列表或
    「姓名|职务|电话；…」「名称|数量|单位|有效期至；…」文本 (a record: unit, name, WGS-84
    place and the kind's fields; members and items as lists or text lines)"""

    model_config = ConfigDict(extra="forbid")
    unit_code: str = Field(max_length=64)
    name: str = Field(max_length=128)
    lat: float = Field(description="纬度，WGS-84 (latitude)")
    lng: float = Field(description="经度，WGS-84 (longitude)")
    address: str = Field("", max_length=255)
    speciality: str | None = Field(None, description="队伍专业 (a team's speciality)")
    members: list[dict[str, str]] | str | None = Field(
        None, description="队员 name/role/phone (a team's members)")
    keeper: str | None = Field(None, description="保管人登录名 (a depot keeper's username)")
    phone: str | None = None
    items: list[dict[str, Any]] | str | None = Field(
        None, description="物资 name/quantity/unit_label/expires_on (a depot's items)")
    kind: str | None = Field(None, description="危险源类别 (a source's kind)")
    level: str | None = Field(None, description="危险源级别 一级…四级 (a source's level)")
    notes: str | None = None


class UnitLocationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float
    lng: float
    address: str = Field("", max_length=255)
    facility_type: str | None = Field(None, description="机构类型 (type of institution)")
    grade: str | None = Field(None, description="等级 三级甲等… (grade)")


class EmergencyExportQuery(Query):
    format: Literal["xlsx", "geojson"] = "geojson"


class EmergencyImportQuery(Query):
    dry_run: bool = Field(True, description="true（默认）：只检查、不写入；false：导入无问题的行 "
                                            "(true, the default: check only; false: import "
                                            "the rows without problems)")


class EmergencyImportProblem(BaseModel):
    row: int = Field(description="行号：表格的行或要素的序号 (the sheet's row or feature)")
    field: str | None
    message: str


class EmergencyImportAnswer(Envelope):
    dry_run: bool
    rows: int
    good_rows: int
    imported: list[int] = Field(description="新记录的 id (the new records' ids)")
    problems: list[EmergencyImportProblem]


class EmergencySaved(Envelope):
    id: int


@bp.get("/map/layers")
@login_required
@endpoint("get_map_layers", TAG, {200: Object})
def map_layers() -> dict[str, Any]:
    """应急一张图的各图层（GeoJSON，WGS-84）：应急队伍、物资储备点、重大危险源、医疗机构、
    在办重大隐患和挂牌督办隐患（按可见性规则） (every layer of the map as GeoJSON; the
    hazard layers under the visibility rule)"""
    found: dict[str, Any] = jsonable(uc.layers(runtime, current_actor()))
    return found


@bp.get("/emergency/<kind>")
@login_required
@endpoint("list_emergency_records", TAG, {200: Listing}, errors=(404,), path=KIND)
def list_records(kind: str) -> dict[str, Any]:
    """某类应急资源的全部记录 (every record of a kind)"""
    return {"items": jsonable(uc.records(runtime, kind))}


@bp.post("/emergency/<kind>")
@login_required
@endpoint("create_emergency_record", TAG, {201: EmergencySaved}, errors=(403, 404, 422),
          json=EmergencyRecordRequest, path=KIND)
def create_record(kind: str, json: EmergencyRecordRequest) -> tuple[dict[str, Any], int]:
    """新增一条应急资源：本单位的维护人员或上级卫健委监管人员 (add a record: the unit's
    keepers or a supervising commission)"""
    return {"id": uc.save_record(runtime, current_actor(), kind,
                                 json.model_dump(exclude_none=True))}, 201


@bp.get("/emergency/<kind>/<int:record_id>")
@login_required
@endpoint("get_emergency_record", TAG, {200: Object}, errors=(404,), path=KIND)
def get_record(kind: str, record_id: int) -> dict[str, Any]:
    """一条应急资源 (one record)"""
    found: dict[str, Any] = jsonable(uc.record(runtime, current_actor(), kind, record_id))
    return found


@bp.put("/emergency/<kind>/<int:record_id>")
@login_required
@endpoint("put_emergency_record", TAG, {200: EmergencySaved}, errors=(403, 404, 422),
          json=EmergencyRecordRequest, path=KIND)
def put_record(kind: str, record_id: int, json: EmergencyRecordRequest) -> dict[str, Any]:
    """整条替换一条应急资源 (replace a record)"""
    return {"id": uc.save_record(runtime, current_actor(), kind,
                                 json.model_dump(exclude_none=True), record_id)}


@bp.delete("/emergency/<kind>/<int:record_id>")
@login_required
@endpoint("delete_emergency_record", TAG, {204: None}, errors=(403, 404), path=KIND)
def delete_record(kind: str, record_id: int) -> Response:
    """删除一条应急资源 (delete a record)"""
    uc.delete_record(runtime, current_actor(), kind, record_id)
    return Response(status=204)


@bp.put("/units/<code>/location")
@login_required
@endpoint("put_unit_location", TAG, {200: Object}, errors=(403, 404, 422),
          json=UnitLocationRequest)
def put_location(code: str, json: UnitLocationRequest) -> dict[str, Any]:
    """单位的位置（WGS-84），医疗机构的类型和等级 (a unit's place; a medical institution's
    type and grade)"""
    uc.set_unit_location(runtime, current_actor(), code, json.model_dump(exclude_none=True))
    found: dict[str, Any] = jsonable(uc.unit_location(runtime, current_actor(), code))
    return found


@bp.get("/emergency/<kind>/export")
@login_required
@endpoint("export_emergency_records", TAG, {200: None}, errors=(404,), query=EmergencyExportQuery,
          path=KIND, files={200: {XLSX: {"schema": BINARY},
                      GEOJSON: {"schema": {"type": "object", "description": "FeatureCollection"}}}})
def export_records(kind: str, query: EmergencyExportQuery) -> Response:
    """导出为 Excel 或 GeoJSON (export as Excel or GeoJSON)"""
    body, _name = uc.export(runtime, kind, query.format)
    filename = f"{FILE_NAMES[kind]}.{query.format}"
    if query.format == "xlsx":
        return xlsx_response(body, filename)
    return Response(body, mimetype=GEOJSON,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.post("/emergency/<kind>/import")
@login_required
@endpoint("import_emergency_records", TAG, {200: EmergencyImportAnswer}, errors=(404, 413, 422),
          query=EmergencyImportQuery, body=UPLOAD, path=KIND)
def import_records(kind: str, query: EmergencyImportQuery) -> dict[str, Any]:
    """从 Excel 或 GeoJSON 导入：先检查（dry_run），再导入无问题的行 (import from Excel or
    GeoJSON: a dry run first, then the rows without problems)"""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        message = "请上传文件（multipart 字段 file）(upload the file as the file field)"
        raise InvalidInput(message, [Detail(message, field="file")])
    data = upload.stream.read(runtime.settings.max_upload_bytes + 1)
    report = uc.import_records(runtime, current_actor(), kind, upload.filename, data,
                               dry_run=query.dry_run)
    return {"dry_run": report.dry_run, "rows": report.rows, "good_rows": report.good_rows,
            "imported": report.imported,
            "problems": [{"row": p.row, "field": p.field, "message": p.message}
                         for p in report.problems]}
