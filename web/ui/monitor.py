"""The monitor pages (blueprint `monitor`, under /monitor): stuck cases with bulk repairs
(preview, progress, per-case results), the process diagram with piles and heat, the
dashboard (ECharts; image and Excel export), escalations and the printable 督办 letter,
extension requests and the thresholds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.schema import deployment, process_definition
from hazardflow.workflows import dashboard, escalation, monitor, repair
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.usecases import repair as repair_uc

from ..api.monitor import XLSX
from ..api.serialize import jsonable
from ..extensions import runtime
from . import current_actor, flash_error, local_path, login_required

bp = Blueprint("monitor", __name__, url_prefix="/monitor")


def _page(template: str, **context: Any) -> str:
    return render_template(f"monitor/{template}", kinds=monitor.KINDS, actions=repair.ACTIONS,
                           categories=CATEGORIES, levels=LEVELS,
                           may_repair=repair.may_repair(current_actor()), **context)


def _guard() -> None:
    if not monitor.may_monitor(current_actor()):
        abort(403)


def _engine_errors_404(exc: EngineError) -> None:
    if exc.code == "not_found":
        abort(404)
    if exc.code == "forbidden":
        abort(403)


@bp.get("/")
@login_required
def index() -> str:
    _guard()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters = monitor.stuck_filter(request.args)
    with read_transaction(runtime.db) as conn:
        result = monitor.stuck(conn, current_actor(), filters, runtime.now(), page, 50)
        definitions = monitor.definitions(conn)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return _page("stuck.html", result=result, filters=request.args, definitions=definitions,
                 page_url=lambda n: url_for("monitor.index", **{**args, "page": n}))


@bp.post("/repairs/preview")
@login_required
def repair_preview() -> str | Response:
    _guard()
    body = _bulk_body()
    try:
        ids = repair_uc.selection(runtime, current_actor(), body.get("cases"),
                                  body.get("filter"))
        items = repair_uc.preview(runtime, current_actor(), ids, body["action"])
    except EngineError as exc:
        flash_error(exc)
        return redirect(url_for("monitor.index"))
    return _page("preview.html", items=items, body=body,
                 ready=[i["case_id"] for i in items if i["ok"]])


def _bulk_body() -> dict[str, Any]:
    form = request.form
    params = {k: form[k] for k in ("assignee", "target", "deadline", "element") if form.get(k)}
    body: dict[str, Any] = {"action": form.get("action", ""), "reason": form.get("reason", ""),
                            "params": params}
    cases = form.getlist("case")
    if cases:
        body["cases"] = [int(c) for c in cases if c.isdigit()]
    else:
        body["filter"] = {k: form.get(f"f_{k}") for k in ("kind", "county", "unit", "category",
                                                           "level", "campaign", "process")}
    return body


@bp.post("/repairs")
@login_required
def repair_run() -> Response:
    _guard()
    body = _bulk_body()
    try:
        ids = repair_uc.selection(runtime, current_actor(), body.get("cases"),
                                  body.get("filter"))
        batch_id = repair_uc.start_bulk(runtime, current_actor(), body["action"],
                                        body["reason"], ids, body["params"])
    except EngineError as exc:
        flash_error(exc)
        return redirect(url_for("monitor.index"))
    return redirect(url_for("monitor.batch", batch_id=batch_id))


def _batch(batch_id: int) -> dict[str, Any]:
    _guard()
    try:
        return repair_uc.batch_status(runtime, current_actor(), batch_id)
    except EngineError as exc:
        _engine_errors_404(exc)
        raise


@bp.get("/repairs/<int:batch_id>")
@login_required
def batch(batch_id: int) -> str:
    return _page("batch.html", batch=_batch(batch_id))


@bp.get("/repairs/<int:batch_id>.json")
@login_required
def batch_json(batch_id: int) -> Response:
    return jsonify(jsonable(_batch(batch_id)))


@bp.post("/cases/<int:case_id>/repair")
@login_required
def repair_one(case_id: int) -> Response:
    _guard()
    params = {k: request.form[k] for k in ("assignee", "target", "deadline") if
              request.form.get(k)}
    try:
        outcome, message = repair_uc.repair_one(runtime, current_actor(), case_id,
                                                request.form.get("action", ""),
                                                request.form.get("reason", ""), params)
    except EngineError as exc:
        _engine_errors_404(exc)
        flash_error(exc)
    else:
        flash(message, "success" if outcome == "ok" else "error")
    return redirect(local_path(request.form.get("next"), url_for("monitor.index")))


# -- the diagram --------------------------------------------------------------------------

@bp.get("/process")
@login_required
def process_latest() -> Response:
    _guard()
    with read_transaction(runtime.db) as conn:
        found = monitor.busiest_definition(conn)
    if found is None:
        abort(404)
    return redirect(url_for("monitor.process", definition_id=found))


@bp.get("/process/<int:definition_id>")
@login_required
def process(definition_id: int) -> str:
    _guard()
    with read_transaction(runtime.db) as conn:
        row = conn.execute(
            process_definition.select().with_only_columns(
                process_definition.c.id, process_definition.c.key, process_definition.c.version,
                process_definition.c.name, deployment.c.bpmn_xml)
            .join_from(process_definition, deployment,
                       deployment.c.id == process_definition.c.deployment_id)
            .where(process_definition.c.id == definition_id)).first()
        if row is None:
            abort(404)
        piles = monitor.piles(conn, current_actor(), definition_id, runtime.now())
        definitions = monitor.definitions(conn)
    return _page("process.html", definition=row, piles=piles, definitions=definitions)


@bp.get("/process/<int:definition_id>/elements/<element_id>.json")
@login_required
def element_cases(definition_id: int, element_id: str) -> Response:
    _guard()
    with read_transaction(runtime.db) as conn:
        rows = monitor.cases_at(conn, current_actor(), definition_id, element_id, runtime.now())
    return jsonify({"items": jsonable(rows)})


# -- the dashboard ------------------------------------------------------------------------

def _weeks() -> int:
    weeks = request.args.get("weeks", 26, type=int) or 26
    return min(max(weeks, 1), 156)


@bp.get("/dashboard")
@login_required
def dashboard_page() -> str:
    _guard()
    return _page("dashboard.html", weeks=_weeks())


@bp.get("/dashboard.json")
@login_required
def dashboard_json() -> Response:
    _guard()
    return jsonify(jsonable(dashboard.dashboard(runtime.db, current_actor(), runtime.now(),
                                                _weeks())))


@bp.get("/dashboard.xlsx")
@login_required
def dashboard_xlsx() -> Response:
    _guard()
    data = dashboard.dashboard(runtime.db, current_actor(), runtime.now(), _weeks())
    return Response(dashboard.to_xlsx(data), mimetype=XLSX, headers={
        "Content-Disposition": "attachment; filename=dashboard.xlsx"})


# -- escalations, letters, extensions, thresholds ------------------------------------------

@bp.get("/escalations")
@login_required
def escalations() -> str:
    _guard()
    with read_transaction(runtime.db) as conn:
        items = escalation.escalated_to(conn, current_actor())
    return _page("escalations.html", items=items)


@bp.get("/letters/<int:case_id>")
@login_required
def letter(case_id: int) -> str:
    _guard()
    try:
        with read_transaction(runtime.db) as conn:
            found = escalation.letter(conn, current_actor(), case_id)
    except EngineError as exc:
        _engine_errors_404(exc)
        raise
    return render_template("monitor/letter.html", letter=found)


@bp.get("/extensions")
@login_required
def extension_list() -> str:
    status = request.args.get("status", "pending") or None
    items = repair_uc.extension_requests(runtime, current_actor(), status)
    return _page("extensions.html", items=items, status=status or "")


@bp.route("/cases/<int:case_id>/extension", methods=["GET", "POST"])
@login_required
def extension_ask(case_id: int) -> str | Response:
    if request.method == "POST":
        try:
            repair_uc.request_extension(runtime, current_actor(), case_id,
                                        request.form.get("deadline"),
                                        request.form.get("reason"))
        except EngineError as exc:
            _engine_errors_404(exc)
            flash_error(exc)
            return redirect(url_for("monitor.extension_ask", case_id=case_id))
        flash(_("延期申请已提交，等待监管部门审批。"), "success")
        return redirect(url_for("monitor.extension_list"))
    return _page("extension_ask.html", case_id=case_id)


@bp.post("/extensions/<int:request_id>")
@login_required
def extension_decide(request_id: int) -> Response:
    return _act(lambda: repair_uc.decide_extension(runtime, current_actor(), request_id,
                                                   request.form.get("decision") == "approve",
                                                   request.form.get("note", "")),
                _("已处理延期申请。"), url_for("monitor.extension_list"))


def _act(call: Callable[[], Any], done: str, back: str) -> Response:
    """Run a page's action: engine errors become a message (404/403 pages for scope)."""
    try:
        call()
    except EngineError as exc:
        _engine_errors_404(exc)
        flash_error(exc)
    else:
        flash(done, "success")
    return redirect(back)


def _save_threshold(days: str) -> None:
    with write_transaction(runtime.db) as conn:
        monitor.set_threshold(conn, current_actor(), request.form.get("process_key", ""),
                              request.form.get("element_id", ""), request.form.get("kind", ""),
                              int(days) if days.isdigit() else None, runtime.now())


@bp.route("/thresholds", methods=["GET", "POST"])
@login_required
def thresholds() -> str | Response:
    _guard()
    if request.method == "POST":
        days = request.form.get("days", "")
        return _act(lambda: _save_threshold(days), _("阈值已保存。"),
                    url_for("monitor.thresholds"))
    with read_transaction(runtime.db) as conn:
        rows = monitor.thresholds(conn)
        definitions = monitor.definitions(conn)
    return _page("thresholds.html", rows=rows, defaults=monitor.DEFAULT_DAYS,
                 definitions=definitions)
