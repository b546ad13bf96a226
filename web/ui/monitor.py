"""The monitor pages (blueprint `monitor`, under /monitor): stuck cases with bulk repairs
(preview, progress, per-case results), the process diagram with piles and heat, the
dashboard (ECharts; image and Excel export), escalations and the printable 督办 letter,
extension requests and the thresholds.

Each route parses the request and calls one use-case (``usecases.monitor``,
``usecases.repair``), which checks who may do it; a refusal (403) or something the viewer
may not see (404) is an error page, any other refusal of an action a message on the page
it returns to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError, Forbidden, NotFound
from hazardflow.workflows import policy
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.monitor import KINDS
from hazardflow.workflows.repair import ACTIONS
from hazardflow.workflows.usecases import monitor
from hazardflow.workflows.usecases import repair as repair_uc

from ..downloads import xlsx_response
from ..extensions import runtime
from ..inputs import refuse_unstorable_input
from ..serialize import jsonable
from . import current_actor, flash_error, local_path, login_required, tr, why
from .official import in_chinese

bp = Blueprint("monitor", __name__, url_prefix="/monitor")
bp.before_request(refuse_unstorable_input)  # a 400, not a 500 from PostgreSQL
FILTERS = ("kind", "county", "unit", "category", "level", "campaign", "process")


def _page(template: str, **context: Any) -> str:
    # may_repair only shows or hides the repair controls: the use-cases decide
    return render_template(f"monitor/{template}", kinds=KINDS, actions=ACTIONS,
                           categories=CATEGORIES, levels=LEVELS,
                           may_repair=policy.allows(current_actor(), "repair"), **context)


def _refused(exc: EngineError, back: str) -> Response:
    """A refused action: a refusal for who the user is (403) or for what they may not see
    (404) stays an error page; any other is a message on the page ``back`` leads to."""
    if isinstance(exc, (Forbidden, NotFound)):
        raise exc
    flash_error(exc)
    return redirect(back)


def _act(call: Callable[[], Any], done: str, back: str) -> Response:
    """Run a page's action, then go ``back`` with ``done`` (or why it was refused)."""
    try:
        call()
    except EngineError as exc:
        return _refused(exc, back)
    flash(done, "success")
    return redirect(back)


@bp.get("/")
@login_required
def index() -> str:
    page = request.args.get("page", 1, type=int) or 1
    found = monitor.stuck_page(runtime, current_actor(), request.args, page)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return _page("stuck.html", result=found["result"], filters=request.args,
                 definitions=found["definitions"], units=found["units"],
                 counties=found["counties"], campaigns=found["campaigns"],
                 page_url=lambda n: url_for("monitor.index", **{**args, "page": n}))


def _bulk_body() -> dict[str, Any]:
    form = request.form
    params = {k: form[k] for k in ("assignee", "target", "deadline", "element") if form.get(k)}
    body: dict[str, Any] = {"action": form.get("action", ""), "reason": form.get("reason", ""),
                            "params": params, "cases": None, "filter": None}
    cases = form.getlist("case")
    if cases:
        body["cases"] = cases  # the use-case reads them as case ids, or refuses them
    else:
        body["filter"] = {k: form.get(f"f_{k}") for k in FILTERS}
    return body


@bp.post("/repairs/preview")
@login_required
def repair_preview() -> str | Response:
    body = _bulk_body()
    try:
        items = repair_uc.bulk_preview(runtime, current_actor(), body["action"], body["cases"],
                                       body["filter"])
    except EngineError as exc:
        return _refused(exc, url_for("monitor.index"))
    return _page("preview.html", items=items, body=body,
                 ready=[i["case_id"] for i in items if i["ok"]])


@bp.post("/repairs")
@login_required
def repair_run() -> Response:
    body = _bulk_body()
    try:
        started = repair_uc.bulk_repair(runtime, current_actor(), body["action"], body["reason"],
                                        body["params"], body["cases"], body["filter"])
    except EngineError as exc:
        return _refused(exc, url_for("monitor.index"))
    return redirect(url_for("monitor.batch", batch_id=started["id"]))


@bp.get("/repairs/<int:batch_id>")
@login_required
def batch(batch_id: int) -> str:
    return _page("batch.html", batch=repair_uc.batch_status(runtime, current_actor(),
                                                            batch_id))


@bp.get("/repairs/<int:batch_id>.json")
@login_required
def batch_json(batch_id: int) -> Response:
    return jsonify(jsonable(repair_uc.batch_status(runtime, current_actor(), batch_id)))


@bp.post("/cases/<int:case_id>/repair")
@login_required
def repair_one(case_id: int) -> Response:
    params = {k: request.form[k] for k in ("assignee", "target", "deadline") if
              request.form.get(k)}
    back = local_path(request.form.get("next"), url_for("monitor.index"))
    try:
        outcome, message = repair_uc.repair_one(runtime, current_actor(), case_id,
                                                request.form.get("action", ""),
                                                request.form.get("reason", ""), params)
    except EngineError as exc:
        return _refused(exc, back)
    flash(message, "success" if outcome == "ok" else "error")
    return redirect(back)


# -- the diagram --------------------------------------------------------------------------

@bp.get("/process")
@login_required
def process_latest() -> Response:
    found = monitor.busiest_process(runtime, current_actor())
    return redirect(url_for("monitor.process", definition_id=found))


@bp.get("/process/<int:definition_id>")
@login_required
def process(definition_id: int) -> str:
    found = monitor.process_page(runtime, current_actor(), definition_id)
    return _page("process.html", definition=found["definition"], piles=found["piles"],
                 definitions=found["definitions"])


@bp.get("/process/<int:definition_id>/elements/<element_id>.json")
@login_required
def element_cases(definition_id: int, element_id: str) -> Response:
    rows = monitor.cases_at(runtime, current_actor(), definition_id, element_id)
    for row in rows:  # the page's sentence, in the reader's language
        row["why"] = why.stuck(row["kind"], row["why_args"])
    return jsonify({"items": jsonable(rows)})


# -- the dashboard ------------------------------------------------------------------------

def _weeks() -> int:
    weeks = request.args.get("weeks", 26, type=int) or 26
    return min(max(weeks, 1), monitor.MAX_WEEKS)


@bp.get("/dashboard")
@login_required
def dashboard_page() -> str:
    monitor.open_monitor(runtime, current_actor())
    return _page("dashboard.html", weeks=_weeks())


@bp.get("/dashboard.json")
@login_required
def dashboard_json() -> Response:
    data = monitor.dashboard(runtime, current_actor(), _weeks())
    for rate in data["rates"].values():  # the domain's words, in the reader's language
        rate["name"] = tr(rate["name"])
    for row in data["overdue"]["by_category"]:
        row["name"] = tr(row["name"])
    return jsonify(jsonable(data))


@bp.get("/dashboard.xlsx")
@login_required
def dashboard_xlsx() -> Response:
    return xlsx_response(monitor.dashboard_xlsx(runtime, current_actor(), _weeks()),
                         "dashboard.xlsx")


# -- escalations, letters, extensions, thresholds ------------------------------------------

@bp.get("/escalations")
@login_required
def escalations() -> str:
    return _page("escalations.html", items=monitor.escalations(runtime, current_actor()))


@bp.get("/letters/<int:case_id>")
@login_required
def letter(case_id: int) -> str:
    found = monitor.letter(runtime, current_actor(), case_id)
    return render_template("monitor/letter.html", letter=found,
                           body=in_chinese("monitor/letter_body.html", letter=found))


@bp.get("/extensions")
@login_required
def extension_list() -> str:
    status = request.args.get("status", "pending") or None
    items = repair_uc.extension_requests(runtime, current_actor(), status)
    return _page("extensions.html", items=items, status=status or "")


@bp.route("/cases/<int:case_id>/extension", methods=["GET", "POST"])
@login_required
def extension_ask(case_id: int) -> str | Response:
    if request.method == "GET":
        return _page("extension_ask.html", case_id=case_id)
    try:
        repair_uc.request_extension(runtime, current_actor(), case_id,
                                    request.form.get("deadline"), request.form.get("reason"))
    except EngineError as exc:
        return _refused(exc, url_for("monitor.extension_ask", case_id=case_id))
    flash(_("延期申请已提交，等待监管部门审批。"), "success")
    return redirect(url_for("monitor.extension_list"))


@bp.post("/extensions/<int:request_id>")
@login_required
def extension_decide(request_id: int) -> Response:
    return _act(lambda: repair_uc.decide_extension(runtime, current_actor(), request_id,
                                                   request.form.get("decision") == "approve",
                                                   request.form.get("note", "")),
                _("已处理延期申请。"), url_for("monitor.extension_list"))


@bp.route("/thresholds", methods=["GET", "POST"])
@login_required
def thresholds() -> str | Response:
    if request.method == "POST":
        form = request.form
        return _act(lambda: monitor.set_threshold(
            runtime, current_actor(), form.get("process_key", ""), form.get("element_id", ""),
            form.get("kind", ""), form.get("days", "").strip() or None),
            _("阈值已保存。"), url_for("monitor.thresholds"))
    found = monitor.thresholds(runtime, current_actor())
    return _page("thresholds.html", rows=found["items"], defaults=found["defaults"],
                 definitions=found["definitions"])
