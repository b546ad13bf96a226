"""The public's pages for reports (举报投诉), no sign-in: ``/report`` (find the unit by name,
describe what was seen, up to three photos, anonymous or named; answered with the tracking
code and PIN, shown once) and ``/report/track`` (status and public reply, for the code and
PIN, sent by POST so the PIN stays out of addresses and logs). ``/report/units?q=`` is the
unit search as JSON. Both forms are limited per address (and filing overall) by the sign-in
limiter's storage (``web/security.py``).

For staff with ``report.triage``: ``/reports`` (the list) and ``/reports/<id>`` (the report,
its photos, the linked hazard, 疑似重复 links and the triage record; contact details only
for the triage desk of the unit's county). The triage steps themselves are ordinary tasks.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestEntityTooLarge

from hazardflow.engine import InvalidInput, PayloadTooLarge
from hazardflow.workflows.public_reports import HONEYPOT, MAX_PHOTOS, STATUSES
from hazardflow.workflows.usecases import public_reports as usecase

from .. import files, security, signin
from ..extensions import runtime
from . import bp, current_actor, login_required

FIELDS = ("unit_code", "place", "description", "anonymous", "name", "phone", "email")


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return _private(Response(render_template(template, **context), status=status))


def _too_often(template: str, what: str, **context: Any) -> Response | None:
    wait = security.public_report_wait(what)
    if not wait:
        return None
    response = _page(template, 429, wait=wait, **context)
    response.headers["Retry-After"] = str(wait)
    return response


def _form_page(values: dict[str, Any], status: int = 200, errors: dict[str, str] | None = None,
               message: str = "") -> Response:
    query = request.args.get("q", "").strip()[:50]
    units = usecase.search_units(runtime, query) if query else []
    chosen = values.get("unit_code")
    if chosen and all(u["code"] != chosen for u in units):
        units = [u for u in usecase.search_units(runtime, chosen)
                 if u["code"] == chosen] + units
    return _page("ui/report_form.html", status, values=values, units=units, query=query,
                 errors=errors or {}, message=message, max_photos=MAX_PHOTOS,
                 honeypot=HONEYPOT)


def _upload_limit() -> None:
    """Three photos may be larger than other requests: raise the limit before anything (the
    CSRF check included) reads the body."""
    if request.endpoint == "ui.public_report_file":
        files.allow_upload_size()


@bp.record_once
def _first(state: BlueprintSetupState) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


@bp.get("/report")
def public_report_form() -> Response:
    return _form_page({"anonymous": "1", "unit_code": request.args.get("unit", "")})


@bp.post("/report")
def public_report_file() -> Response:
    values = {k: request.form.get(k, "") for k in FIELDS}
    limited = _too_often("ui/report_form.html", "file", values=values, units=[], query="",
                         errors={}, message="", max_photos=MAX_PHOTOS, honeypot=HONEYPOT)
    if limited is not None:
        return limited
    try:
        data = {**request.form.to_dict(), "anonymous": request.form.get("anonymous") == "1"}
        filed = usecase.file_report(runtime, data, security.public_report_photos(),
                                    address=signin.client_address())
    except RequestEntityTooLarge:
        return _form_page(values, 413, message="照片过大，请压缩后再上传 (photos too large)")
    except PayloadTooLarge as exc:
        return _form_page(values, 413, message=exc.message)
    except InvalidInput as exc:
        errors = {d.field or "": d.message for d in exc.details}
        return _form_page(values, 422, errors=errors, message=exc.message)
    return _page("ui/report_filed.html", 201, filed=filed)


@bp.route("/report/track", methods=["GET", "POST"])
def public_report_track() -> Response:
    if request.method == "GET":
        return _page("ui/report_track.html", code=request.args.get("code", ""), found=None,
                     tried=False)
    code = request.form.get("code", "").strip()[:20]
    limited = _too_often("ui/report_track.html", "track", code=code, found=None, tried=False)
    if limited is not None:
        return limited
    found = usecase.track(runtime, code, request.form.get("pin", ""))
    return _page("ui/report_track.html", 200 if found else 404, code=code, found=found,
                 tried=True)


@bp.get("/report/units")
def public_report_units() -> Response:
    return jsonify({"items": usecase.search_units(runtime, request.args.get("q", ""))})


@bp.get("/reports")
@login_required
def reports_list() -> str:
    status = request.args.get("status") or None
    try:
        offset = max(0, int(request.args.get("offset", 0)))
    except ValueError:
        offset = 0
    found = usecase.list_reports(runtime, current_actor(), status=status, offset=offset)
    return render_template("ui/report_list.html", statuses=STATUSES, offset=offset, **found)


@bp.get("/reports/<int:report_id>")
@login_required
def report_page(report_id: int) -> str:
    found = usecase.report_page(runtime, current_actor(), report_id)
    return render_template("ui/report_detail.html", report=found)
