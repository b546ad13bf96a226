"""The ledger's import page (台账导入): upload → column mapping → dry-run report → import →
result with links. The uploaded sheet is kept in the file storage between the steps, its key
in the signed session (with who uploaded it); each step calls one use-case."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.sansio.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import InvalidInput, PayloadTooLarge
from hazardflow.workflows.ledger_import import FIELDS
from hazardflow.workflows.usecases import ledger_import as usecase

from .. import files
from ..extensions import runtime
from . import bp, current_actor, login_required

HELD = "ledger_import"


def _upload_limit() -> None:
    """The sheet may be as large as any upload: raise the limit before the body is read."""
    if request.endpoint == "ui.ledger_import_upload":
        files.allow_upload_size()


@bp.record_once
def _first(state: BlueprintSetupState) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _page(step: str, status: int = 200, **values: Any) -> tuple[str, int]:
    units = usecase.import_units(runtime, current_actor())
    held = session.get(HELD) or {}
    return render_template("ui/ledger_import.html", step=step, units=units,
                           filename=held.get("name"), field_names=FIELDS, **values), status


def _held() -> dict[str, Any] | None:
    held = session.get(HELD)
    if not isinstance(held, dict) or held.get("by") != current_actor().id:
        return None
    return held


def _mapping() -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for name in FIELDS:
        value = (request.form.get(f"map_{name}") or "").strip()
        out[name] = int(value) if value.isdigit() else None
    return out


@bp.get("/ledger/import")
@login_required
def ledger_import() -> tuple[str, int]:
    return _page("upload")


@bp.post("/ledger/import")
@login_required
def ledger_import_upload() -> tuple[str, int] | Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的 Excel 文件（.xlsx 或 .xls）。"), "error")
        return redirect(url_for("ui.ledger_import"))
    data = upload.stream.read(runtime.settings.max_upload_bytes + 1)
    try:
        found = usecase.hold(runtime, current_actor(), upload.filename, data)
    except (InvalidInput, PayloadTooLarge) as exc:
        flash(exc.message, "error")
        return _page("upload", 413 if isinstance(exc, PayloadTooLarge) else 422)
    session[HELD] = {"key": found["key"], "name": upload.filename,
                     "by": current_actor().id, "unit": request.form.get("unit") or ""}
    return _page("mapping", sheet=found, mapping=found["mapping"],
                 unit=request.form.get("unit") or "")


def _held_or_back() -> dict[str, Any] | Response:
    held = _held()
    if held is None:
        flash(_("请先上传台账文件。"), "error")
        return redirect(url_for("ui.ledger_import"))
    return held


@bp.post("/ledger/import/check")
@login_required
def ledger_import_check() -> tuple[str, int] | Response:
    held = _held_or_back()
    if isinstance(held, Response):
        return held
    mapping, unit = _mapping(), request.form.get("unit") or None
    try:
        report = usecase.check_held(runtime, current_actor(), held["key"], held["name"],
                                    mapping, unit)
    except InvalidInput as exc:
        flash(exc.details[0].message if exc.details else exc.message, "error")
        return redirect(url_for("ui.ledger_import"))
    return _page("report", report=report, mapping=report["mapped"], unit=unit or "",
                 sheet=report)


@bp.post("/ledger/import/run")
@login_required
def ledger_import_run() -> Response:
    held = _held_or_back()
    if isinstance(held, Response):
        return held
    try:
        result = usecase.run_held(runtime, current_actor(), held["key"], held["name"],
                                  _mapping(), request.form.get("unit") or None)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.ledger_import"))
    session.pop(HELD, None)
    job = result["import"]
    flash(_("已导入 %(n)d 条隐患。", n=job["imported_rows"]), "info")
    return redirect(url_for("ui.ledger_import_result", import_id=job["id"]))


@bp.get("/ledger/import/<int:import_id>")
@login_required
def ledger_import_result(import_id: int) -> str:
    job = usecase.job(runtime, current_actor(), import_id)
    return render_template("ui/ledger_import_result.html", job=job)
