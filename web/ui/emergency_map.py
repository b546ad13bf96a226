"""Pages: the one map of readiness (应急一张图).

- ``GET /map``: the map (Leaflet, bundled; the basemap is a GeoJSON file the app serves,
  ``HAZARDFLOW_MAP_BASEMAP``), its layers from ``GET /map/layers.json``, filters and search
  in the page's script (``web/static/map.js``).
- ``GET /map/basemap.geojson``: the basemap.
- ``GET /map/records/<kind>``: a kind's records (teams, depots, sources) with export and
  import; ``GET|POST /map/records/<kind>/new`` and ``…/<id>`` to add or edit one (its place
  by clicking a small map, typing coordinates or the phone's position); ``POST …/<id>/delete``.
- ``GET|POST /map/units/<code>``: a unit's place, and a medical institution's type and grade.
- ``GET /map/records/<kind>.<xlsx|geojson>``: the export; ``POST /map/records/<kind>/import``:
  the check (dry run) or the import of the rows without problems, with each row's problems.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from hazardflow.engine import InvalidInput
from hazardflow.workflows import emergency
from hazardflow.workflows.emergency import GRADES, SOURCE_LEVELS
from hazardflow.workflows.emergency_io import COLUMNS
from hazardflow.workflows.map_basemap import basemap_text
from hazardflow.workflows.usecases import emergency as uc

from ..downloads import xlsx_response
from ..extensions import runtime
from . import bp, current_actor, login_required, tr

FILE_NAMES = {"team": "emergency-teams", "depot": "supply-depots", "source": "hazard-sources"}


def _link(props: dict[str, Any]) -> str:
    record = props.get("record")
    if record == "case":
        return url_for("ui.case", case_id=props["id"])
    if record == "unit":
        return url_for("ui.map_unit", code=props["id"])
    return url_for("ui.map_record", kind=record, record_id=props["id"])


@bp.get("/map")
@login_required
def emergency_map() -> str:
    return render_template("ui/map.html")


# a feature's properties that are the domain's words (a grade, a level, a step, a state, a
# facility's type), said in the reader's language; the rest is data as recorded
LABELS = ("grade", "level", "stage", "status_name", "type")


@bp.get("/map/layers.json")
@login_required
def map_layers() -> Response:
    data = uc.layers(runtime, current_actor())
    data["names"] = {layer: tr(name) for layer, name in data["names"].items()}
    for collection in data["layers"].values():
        for feature in collection["features"]:
            said = feature["properties"]
            said["url"] = _link(said)
            for key in LABELS:  # the domain's words, in the reader's language
                if isinstance(said.get(key), str):
                    said[key] = tr(said[key])
            for item in said.get("items") or []:
                if isinstance(item.get("state_name"), str):
                    item["state_name"] = tr(item["state_name"])
    return jsonify(data)


@bp.get("/map/basemap.geojson")
@login_required
def map_basemap() -> Response:
    return Response(basemap_text(runtime.settings.map_basemap),
                    mimetype="application/geo+json")


@bp.get("/map/records/<kind>")
@login_required
def map_records(kind: str) -> str:
    name = emergency.kind_name(kind)
    return render_template("ui/map_records.html", kind=kind, kind_label=name,
                           rows=uc.records(runtime, kind), columns=COLUMNS[kind],
                           may_add=bool(uc.keepable_units(runtime, current_actor())))


def _form_page(kind: str, values: dict[str, Any], record_id: int | None,
               status: int = 200, problems: list[str] | None = None) -> tuple[str, int]:
    return render_template(
        "ui/map_record.html", kind=kind, kind_label=emergency.kind_name(kind),
        values=values, record_id=record_id, problems=problems or [],
        units=uc.keepable_units(runtime, current_actor()), levels=SOURCE_LEVELS,
        keepers=uc.keeper_choices(runtime, current_actor()) if kind == "depot" else []), status


def _save(kind: str, record_id: int | None) -> BaseResponse | tuple[str, int]:
    data = {name: request.form.get(name, "") for name, _ in COLUMNS[kind]}
    try:
        saved = uc.save_record(runtime, current_actor(), kind, data, record_id)
    except InvalidInput as exc:
        return _form_page(kind, data, record_id, 422,
                          [d.message for d in exc.details] or [exc.message])
    flash(_("已保存。"), "info")
    return redirect(url_for("ui.map_record", kind=kind, record_id=saved))


@bp.route("/map/records/<kind>/new", methods=["GET", "POST"])
@login_required
def map_record_new(kind: str) -> BaseResponse | tuple[str, int]:
    emergency.kind_name(kind)
    if request.method == "POST":
        return _save(kind, None)
    return _form_page(kind, {"unit_code": request.args.get("unit", "")}, None)


@bp.route("/map/records/<kind>/<int:record_id>", methods=["GET", "POST"])
@login_required
def map_record(kind: str, record_id: int) -> BaseResponse | tuple[str, int]:
    if request.method == "POST":
        return _save(kind, record_id)
    found = uc.record(runtime, current_actor(), kind, record_id)
    if not found["may_keep"]:
        return render_template("ui/map_record.html", kind=kind, values=found, readonly=True,
                               kind_label=emergency.kind_name(kind), record_id=record_id,
                               columns=COLUMNS[kind]), 200
    return _form_page(kind, found, record_id)


@bp.post("/map/records/<kind>/<int:record_id>/delete")
@login_required
def map_record_delete(kind: str, record_id: int) -> BaseResponse:
    uc.delete_record(runtime, current_actor(), kind, record_id)
    flash(_("已删除。"), "info")
    return redirect(url_for("ui.map_records", kind=kind))


@bp.route("/map/units/<code>", methods=["GET", "POST"])
@login_required
def map_unit(code: str) -> BaseResponse | tuple[str, int]:
    problems: list[str] = []
    if request.method == "POST":
        data = {k: request.form.get(k, "") for k in
                ("lat", "lng", "address", "facility_type", "grade")}
        try:
            uc.set_unit_location(runtime, current_actor(), code, data)
            flash(_("已保存。"), "info")
            return redirect(url_for("ui.map_unit", code=code))
        except InvalidInput as exc:
            problems = [d.message for d in exc.details] or [exc.message]
    view = uc.unit_location(runtime, current_actor(), code)
    status = 422 if problems else 200
    return render_template("ui/map_unit.html", view=view, grades=GRADES,
                           problems=problems), status


@bp.get("/map/records/<kind>.<fmt>")
@login_required
def map_export(kind: str, fmt: str) -> Response:
    if fmt not in ("xlsx", "geojson"):
        raise InvalidInput(f"不支持的格式：{fmt} (format must be xlsx or geojson)")
    body, _name = uc.export(runtime, kind, fmt)
    filename = f"{FILE_NAMES[kind]}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(body, filename)
    return Response(body, mimetype="application/geo+json",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.post("/map/records/<kind>/import")
@login_required
def map_import(kind: str) -> tuple[str, int]:
    emergency.kind_name(kind)
    upload = request.files.get("file")
    dry_run = request.form.get("action") != "import"
    report, error = None, None
    if upload is None or not upload.filename:
        error = _("请选择文件。")
    else:
        try:
            report = uc.import_records(runtime, current_actor(), kind, upload.filename,
                                       upload.read(), dry_run=dry_run)
        except InvalidInput as exc:
            error = exc.message
    return render_template("ui/map_records.html", kind=kind,
                           kind_label=emergency.kind_name(kind),
                           rows=uc.records(runtime, kind), columns=COLUMNS[kind],
                           may_add=True, report=report, error=error), 422 if error else 200
