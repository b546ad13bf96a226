"""The campaigns pages (blueprint `campaigns`, under /campaigns): campaigns and their
progress, inspections against a checklist, the consolidated monthly report with Excel
export, spot-check draws and their 通报, and the annual assessment ranking."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.workflows import assessment, campaigns, inspections, reports, spotchecks
from hazardflow.workflows.counters import BUSINESS_TZ
from hazardflow.workflows.exports import Sheet, to_xlsx
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.usecases import inspections as inspection_uc

from ..extensions import runtime
from . import current_actor, flash_error, has_role, login_required, require_role

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CITY = "city_supervisor"


def _page(template: str, **context: Any) -> str:
    return render_template(f"campaigns/{template}", categories=CATEGORIES, levels=LEVELS,
                           kinds=inspections.KINDS, **context)


def _xlsx(title: str, header: list[str], rows: list[list[Any]], filename: str) -> Response:
    data = to_xlsx([Sheet(title, header, rows)])
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/")
@login_required
def index() -> str:
    with read_transaction(runtime.db) as conn:
        items = campaigns.list_campaigns(conn)
        lists = campaigns.list_checklists(conn)
    return _page("index.html", items=items, checklists=lists)


@bp.post("/")
@login_required
def create() -> Response:
    require_role(CITY)
    form = request.form
    themes = [campaigns.Theme(code, CATEGORIES[code], code)
              for code in form.getlist("themes") if code in CATEGORIES]
    try:
        with write_transaction(runtime.db) as conn:
            campaigns.create_campaign(
                conn, code=form.get("code", "").strip(), name=form.get("name", ""),
                starts_on=form.get("starts_on", ""), ends_on=form.get("ends_on", ""),
                themes=themes, unit_codes=None, created_by=current_actor().id, now=runtime.now(),
                description=form.get("description", ""))
    except EngineError as exc:
        flash_error(exc)
        return redirect(url_for("campaigns.index"))
    return redirect(url_for("campaigns.campaign", code=form.get("code", "").strip()))


@bp.get("/c/<code>")
@login_required
def campaign(code: str) -> str:
    with read_transaction(runtime.db) as conn:
        try:
            progress = campaigns.progress(conn, current_actor(), code, runtime.now())
        except EngineError:
            abort(404)
        found = inspections.list_inspections(conn, current_actor(), campaign_code=code,
                                             limit=50)
    return _page("campaign.html", p=progress, inspections=found)


# -- inspections ------------------------------------------------------------------------

@bp.route("/inspections/new", methods=["GET", "POST"])
@login_required
def inspection_new() -> str | Response:
    code = request.values.get("checklist", "hospital_fire")
    with read_transaction(runtime.db) as conn:
        try:
            checklist = campaigns.get_checklist(conn, code)
        except EngineError:
            abort(404)
        lists = campaigns.list_checklists(conn)
        running = campaigns.list_campaigns(conn)
    if request.method == "GET":
        return _page("inspection_new.html", checklist=checklist, checklists=lists,
                     running=running, args=request.args)
    form = request.form
    results = [{"item": i["position"], "result": form.get(f"r{i['position']}", ""),
                "note": form.get(f"note{i['position']}", ""),
                "photos": [ref for value in form.getlist(f"photos{i['position']}")
                           for ref in value.replace("，", ",").split(",")],
                "location": form.get(f"loc{i['position']}", "")} for i in checklist["items"]]
    try:
        found = inspection_uc.record(
            runtime, current_actor(), unit_code=form.get("unit_code", "").strip(),
            kind=form.get("kind", ""), checklist_code=code, results=results,
            campaign_code=form.get("campaign_code") or None,
            location=form.get("location", ""), summary=form.get("summary", ""),
            spot_check_id=int(form["spot_check_id"]) if form.get("spot_check_id") else None)
    except EngineError as exc:
        flash_error(exc)
        return _page("inspection_new.html", checklist=checklist, checklists=lists,
                     running=running, args=form)
    flash(_("检查已记录，不合格项已生成隐患案件。"), "ok")
    return redirect(url_for("campaigns.inspection", inspection_id=found["id"]))


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection(inspection_id: int) -> str:
    with read_transaction(runtime.db) as conn:
        try:
            found = inspections.get_inspection(conn, current_actor(), inspection_id)
        except EngineError:
            abort(404)
        issued = inspections.inspection_documents(conn, inspection_id)
    return _page("inspection.html", i=found, results_names=inspections.RESULTS, issued=issued)


@bp.post("/inspections/<int:inspection_id>/<action>")
@login_required
def inspection_act(inspection_id: int, action: str) -> Response:
    actor = current_actor()
    try:
        with write_transaction(runtime.db) as conn:
            if action == "publish":
                require_role(CITY)
                inspections.get_inspection(conn, actor, inspection_id)
                inspections.publish_inspection(conn, inspection_id, actor=actor.id,
                                               now=runtime.now())
                flash(_("已通报，检查发现对被检查单位可见。"), "ok")
            elif action == "notice":
                doc = inspections.issue_notice(conn, actor, inspection_id, runtime.now())
                flash(_("已出具整改通知书 %(no)s。", no=doc.number), "ok")
            elif action == "opinion":
                doc = inspections.issue_opinion(conn, actor, inspection_id, runtime.now())
                flash(_("已出具复查意见书 %(no)s。", no=doc.number), "ok")
            else:
                abort(404)
    except EngineError as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.inspection", inspection_id=inspection_id))


# -- reports ----------------------------------------------------------------------------

def _report_view() -> dict[str, Any]:
    kind = request.args.get("kind", "monthly")
    if kind not in reports.KINDS:
        abort(404)
    with read_transaction(runtime.db) as conn:
        known = reports.periods(conn, kind)
        period = request.args.get("period") or (known[0] if known else
                                                reports.period_for(kind, runtime.now()))
        try:
            view = reports.consolidated(conn, current_actor(), kind, period, runtime.now())
        except EngineError:
            abort(404)
    return {"view": view, "periods": known, "kind": kind, "period": period}


@bp.get("/reports")
@login_required
def report_list() -> str:
    return _page("reports.html", report_kinds=reports.KINDS, **_report_view())


@bp.get("/reports/export.xlsx")
@login_required
def report_export() -> Response:
    found = _report_view()
    header, rows = reports.consolidated_table(found["view"])
    name = f"{reports.KINDS[found['kind']]}汇总 {found['period']}"
    return _xlsx(name, header, rows, f"reports-{found['kind']}-{found['period']}.xlsx")


# -- spot checks ------------------------------------------------------------------------

def _sees_all() -> bool:
    return has_role(CITY, "city_leader")


@bp.route("/spotchecks", methods=["GET", "POST"])
@login_required
def spotcheck_list() -> str | Response:
    if request.method == "POST":
        require_role(CITY)
        form = request.form
        try:
            with write_transaction(runtime.db) as conn:
                draw_id = spotchecks.draw(
                    conn, title=form.get("title", ""), kind=form.get("kind", "spot_check"),
                    size=int(form.get("size") or 0), drawn_by=current_actor().id, now=runtime.now(),
                    seed=form.get("seed") or None, stratified=bool(form.get("stratified")),
                    campaign_code=form.get("campaign_code") or None)
        except (EngineError, ValueError) as exc:
            flash(str(exc), "error")
            return redirect(url_for("campaigns.spotcheck_list"))
        return redirect(url_for("campaigns.spotcheck", draw_id=draw_id))
    with read_transaction(runtime.db) as conn:
        draws = spotchecks.list_draws(conn, published_only=not _sees_all())
        running = campaigns.list_campaigns(conn)
    return _page("spotchecks.html", draws=draws, running=running,
                 draw_kinds=spotchecks.DRAW_KINDS)


def _draw(draw_id: int) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        try:
            found = spotchecks.get_draw(conn, draw_id)
        except EngineError:
            abort(404)
    if found["published_at"] is None and not _sees_all():
        abort(404)
    return found


@bp.get("/spotchecks/<int:draw_id>")
@login_required
def spotcheck(draw_id: int) -> str:
    return _page("spotcheck.html", d=_draw(draw_id))


@bp.post("/spotchecks/<int:draw_id>/<action>")
@login_required
def spotcheck_act(draw_id: int, action: str) -> Response:
    require_role(CITY)
    form = request.form
    try:
        with write_transaction(runtime.db) as conn:
            if action == "assign":
                spotchecks.assign(conn, int(form.get("check_id") or 0),
                                  form.get("inspector", ""))
            elif action == "publish":
                spotchecks.publish(conn, draw_id, actor=current_actor().id, now=runtime.now(),
                                   summary=form.get("summary", ""))
                return redirect(url_for("campaigns.spotcheck_notice", draw_id=draw_id))
            else:
                abort(404)
    except EngineError as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.spotcheck", draw_id=draw_id))


@bp.get("/spotchecks/<int:draw_id>/notice")
@login_required
def spotcheck_notice(draw_id: int) -> str:
    found = _draw(draw_id)
    if found["published_at"] is None:
        abort(404)
    return _page("notice.html", d=found)


# -- assessment -------------------------------------------------------------------------

def _assessment() -> dict[str, Any]:
    try:
        year = int(request.args.get("year") or runtime.now().astimezone(BUSINESS_TZ).year)
    except ValueError:
        abort(404)
    with read_transaction(runtime.db) as conn:
        return assessment.assess(conn, current_actor(), year, runtime.now())


@bp.get("/assessment")
@login_required
def assessment_page() -> str:
    return _page("assessment.html", a=_assessment())


@bp.get("/assessment/export.xlsx")
@login_required
def assessment_export() -> Response:
    found = _assessment()
    header, rows = assessment.ranking_table(found)
    return _xlsx(f"{found['year']}年度考核排名", header, rows,
                 f"assessment-{found['year']}.xlsx")
