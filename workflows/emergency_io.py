"""Emergency records in and out: GeoJSON and Excel (应急一张图的导入导出).

One column list per kind (:data:`COLUMNS`) serves both formats: an Excel sheet has the
Chinese headers (or the field names) in its first row; a GeoJSON feature carries the same
fields in its properties and its place as a Point (WGS-84, [lng, lat]). A team's members and
a depot's items are one text cell each (``姓名|职务|电话；…``, ``名称|数量|单位|有效期至；…``),
read back by ``emergency.check``. Reading never writes: the use-case checks each row and
reports its problems by row number, in Chinese with the English beside.
"""

from __future__ import annotations

import io
import json
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Connection

from hazardflow.engine import InvalidInput

from .emergency import TABLES
from .schema import app_user, unit
from .schema_emergency import emergency_team_member, supply_item

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "team": [("unit_code", "单位编码"), ("name", "名称"), ("speciality", "专业"),
             ("lat", "纬度"), ("lng", "经度"), ("address", "地址"),
             ("members", "队员（姓名|职务|电话；…）"), ("notes", "备注")],
    "depot": [("unit_code", "单位编码"), ("name", "名称"), ("lat", "纬度"), ("lng", "经度"),
              ("address", "地址"), ("keeper", "保管人账号"), ("phone", "电话"),
              ("items", "物资（名称|数量|单位|有效期至；…）")],
    "source": [("unit_code", "单位编码"), ("name", "名称"), ("kind", "类别"), ("level", "级别"),
               ("lat", "纬度"), ("lng", "经度"), ("address", "地址"), ("notes", "备注")],
}
MAX_ROWS = 2000


def _joined(rows: list[list[Any]]) -> str:
    return "；".join("|".join("" if v is None else str(v) for v in r) for r in rows)


def records(conn: Connection, kind: str, record_id: int | None = None) -> list[dict[str, Any]]:
    """Every record of ``kind`` (or the one ``record_id``) as the fields of :data:`COLUMNS`
    and its ``id``."""
    table = TABLES[kind]
    joined = table.join(unit, unit.c.id == table.c.unit_id)
    columns: list[Any] = [table, unit.c.code.label("unit_code")]
    if kind == "depot":
        joined = joined.outerjoin(app_user, app_user.c.id == table.c.keeper_id)
        columns.append(app_user.c.username.label("keeper"))
    query = sa.select(*columns).select_from(joined).order_by(table.c.id)
    if record_id is not None:
        query = query.where(table.c.id == record_id)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        if kind == "team":
            row["members"] = _joined([[m.name, m.role, m.phone] for m in conn.execute(
                sa.select(emergency_team_member).where(
                    emergency_team_member.c.team_id == row["id"])
                .order_by(emergency_team_member.c.id))])
        elif kind == "depot":
            row["items"] = _joined([[i.name, i.quantity, i.unit_label, i.expires_on or ""]
                                    for i in conn.execute(sa.select(supply_item).where(
                                        supply_item.c.depot_id == row["id"])
                                        .order_by(supply_item.c.id))])
    return [{"id": row["id"], **{name: row.get(name) for name, _ in COLUMNS[kind]}}
            for row in rows]


def to_xlsx(kind: str, rows: list[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 -- a new workbook has its sheet
    sheet.title = title
    sheet.append([header for _, header in COLUMNS[kind]])
    for row in rows:
        sheet.append([row.get(name) for name, _ in COLUMNS[kind]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_geojson(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lng"], r["lat"]]},
         "properties": {k: v for k, v in r.items() if k not in ("id", "lat", "lng")}}
        for r in rows]}


def _bad_file(why: str) -> InvalidInput:
    return InvalidInput(f"无法读取文件：{why} (the file cannot be read)")


def _from_geojson(content: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _bad_file("不是 UTF-8 编码的 GeoJSON") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise _bad_file("须为 GeoJSON FeatureCollection")
    rows = []
    for feature in data["features"]:
        props = feature.get("properties") if isinstance(feature, dict) else None
        row = dict(props) if isinstance(props, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point" \
                and isinstance(coords, list) and len(coords) >= 2:
            row["lng"], row["lat"] = coords[0], coords[1]
        rows.append(row)
    return rows


def _from_xlsx(kind: str, content: bytes) -> list[dict[str, Any]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 -- any unreadable upload is the caller's file
        raise _bad_file("不是 Excel（.xlsx）文件") from None
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(lines, ())]
    known = {h: n for n, h in COLUMNS[kind]} | {n: n for n, _ in COLUMNS[kind]}
    names = [known.get(h) for h in header]
    if "name" not in names:
        raise _bad_file("第一行须为表头（单位编码、名称……）")
    rows = []
    for line in lines:
        if all(c in (None, "") for c in line):
            continue
        rows.append({n: c for n, c in zip(names, line, strict=False)
                     if n is not None and c is not None})
    return rows


def read_rows(kind: str, filename: str, content: bytes) -> list[dict[str, Any]]:
    """The rows of an uploaded ``.geojson``/``.json`` or ``.xlsx`` file."""
    lower = filename.lower()
    if lower.endswith((".geojson", ".json")):
        rows = _from_geojson(content)
    elif lower.endswith(".xlsx"):
        rows = _from_xlsx(kind, content)
    else:
        raise _bad_file("只接受 .geojson、.json 或 .xlsx")
    if len(rows) > MAX_ROWS:
        raise _bad_file(f"一次最多导入 {MAX_ROWS} 行")
    return rows
