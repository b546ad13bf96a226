"""The campaigns pages (blueprint `campaigns`, under /campaigns): campaigns and their
progress, inspections against a checklist, the consolidated monthly report with Excel
export, spot-check draws and their 通报, and the annual assessment ranking.

Each route parses the request, calls one use-case (``workflows.usecases.campaigns`` and
``.inspections``, which decide who may do what) and answers. A form the use-case refuses for
its content (InvalidInput, Conflict) comes back with the message; one the actor may not
send (Forbidden) or about something they cannot see (NotFound) is a 403 or 404 page, the
same answer the API gives.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, InvalidInput
from hazardflow.workflows import inspections, policy, spotchecks
from hazardflow.workflows.campaigns import Theme
from hazardflow.workflows.exports import to_xlsx
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import checklists as checklist_uc
from hazardflow.workflows.usecases import inspections as inspection_uc

from ..extensions import runtime
from . import current_actor, flash_error, login_required
from .official import in_chinese

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFUSED = (InvalidInput, Conflict)  # shown on the page; Forbidden and NotFound are statuses
ITEM_FIELD = re.compile(r"r(\d{1,4})", re.ASCII)


def _page(template: str, **context: Any) -> str:
    actor = current_actor()
    return render_template(f"campaigns/{template}", categories=CATEGORIES, levels=LEVELS,
                           kinds=inspections.KINDS,
                           may=lambda permission: policy.allows(actor, permission), **context)


def _xlsx(export: campaign_uc.Export) -> Response:
    return Response(to_xlsx([export.sheet], runtime.calendar), mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename={export.filename}"})


@bp.get("/")
@login_required
def index() -> str:
    found = campaign_uc.overview(runtime, current_actor())
    return _page("index.html", items=found["campaigns"], checklists=found["checklists"])


@bp.post("/")
@login_required
def create() -> Response:
    form = request.form
    code = form.get("code", "").strip()
    themes = [Theme(c, CATEGORIES[c], c)
              for c in form.getlist("themes") if c in CATEGORIES]
    try:
        campaign_uc.create_campaign(
            runtime, current_actor(), code=code, name=form.get("name", ""),
            starts_on=form.get("starts_on", ""), ends_on=form.get("ends_on", ""),
            themes=themes, description=form.get("description", ""))
    except REFUSED as exc:
        flash_error(exc)
        return redirect(url_for("campaigns.index"))
    return redirect(url_for("campaigns.campaign", code=code))


@bp.get("/c/<code>")
@login_required
def campaign(code: str) -> str:
    found = campaign_uc.campaign_page(runtime, current_actor(), code)
    return _page("campaign.html", p=found["progress"], inspections=found["inspections"])


# -- inspections ------------------------------------------------------------------------

def _results(form: Any) -> list[dict[str, Any]]:
    """One result per item the form answers (``r<position>``), with its note, photos and
    place; items left unanswered are the use-case's to name."""
    positions = sorted({int(m.group(1)) for key in form if (m := ITEM_FIELD.fullmatch(key))})
    return [{"item": p, "result": form.get(f"r{p}", ""), "note": form.get(f"note{p}", ""),
             "photos": [ref.strip() for value in form.getlist(f"photos{p}")
                        for ref in value.replace("，", ",").split(",") if ref.strip()],
             "location": form.get(f"loc{p}", ""),
             "repeat_of": form.get(f"repeat{p}", "").strip() or None} for p in positions]


@bp.route("/inspections/new", methods=["GET", "POST"])
@login_required
def inspection_new() -> str | Response:
    code = request.values.get("checklist", "hospital_fire")
    if request.method == "GET":
        return _inspection_form(code, request.args)
    form = request.form
    try:
        found = inspection_uc.record(
            runtime, current_actor(), unit_code=form.get("unit_code", "").strip(),
            kind=form.get("kind", ""), checklist_code=code, results=_results(form),
            campaign_code=form.get("campaign_code") or None,
            location=form.get("location", ""), summary=form.get("summary", ""),
            spot_check_id=form.get("spot_check_id") or None,
            checklist_version=form.get("checklist_version") or None)
    except REFUSED as exc:
        flash_error(exc)
        return _inspection_form(code, form, form.get("checklist_version") or None)
    flash(_("检查已记录，不合格项已生成隐患案件。"), "ok")
    return redirect(url_for("campaigns.inspection", inspection_id=found["id"]))


def _inspection_form(code: str, args: Any, version: str | None = None) -> str:
    """The form, on the checklist's version it started with (a refused form keeps it)."""
    found = inspection_uc.new_inspection(runtime, current_actor(), code, version)
    return _page("inspection_new.html", checklist=found["checklist"],
                 checklists=found["checklists"], running=found["campaigns"], args=args)


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection(inspection_id: int) -> str:
    found = inspection_uc.inspection_page(runtime, current_actor(), inspection_id)
    return _page("inspection.html", i=found["inspection"], results_names=inspections.RESULTS,
                 issued=found["documents"], may_publish=found["may_publish"])


@bp.post("/inspections/<int:inspection_id>/<action>")
@login_required
def inspection_act(inspection_id: int, action: str) -> Response:
    actor = current_actor()
    try:
        if action == "publish":
            inspection_uc.publish(runtime, actor, inspection_id)
            flash(_("已通报，检查发现对被检查单位可见。"), "ok")
        elif action == "notice":
            doc = inspection_uc.issue_notice(runtime, actor, inspection_id)
            flash(_("已出具整改通知书 %(no)s。", no=doc.number), "ok")
        elif action == "opinion":
            doc = inspection_uc.issue_opinion(runtime, actor, inspection_id)
            flash(_("已出具复查意见书 %(no)s。", no=doc.number), "ok")
        else:
            abort(404)
    except REFUSED as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.inspection", inspection_id=inspection_id))


# -- checklists -------------------------------------------------------------------------

def _item_form(form: Any) -> dict[str, Any]:
    """An item as the checklist page's form sends it."""
    return {"text": form.get("text", ""), "legal_basis": form.get("legal_basis", ""),
            "category": form.get("category", ""), "major_item": form.get("major_item") or None,
            "major_trigger": form.get("major_trigger") in ("on", "1", "true")}


@bp.get("/checklists/<code>")
@login_required
def checklist(code: str) -> str:
    version = request.args.get("version", "")
    found = checklist_uc.checklist_page(
        runtime, current_actor(), code,
        int(version) if version.isascii() and version.isdigit() else None)
    return _page("checklist.html", **found)


@bp.post("/checklists/<code>/items")
@login_required
def checklist_add(code: str) -> Response:
    try:
        checklist_uc.add_item(runtime, current_actor(), code, _item_form(request.form))
        flash(_("已新增检查项，检查表已更新为新版本。"), "ok")
    except REFUSED as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.checklist", code=code))


@bp.post("/checklists/<code>/items/<int:position>")
@login_required
def checklist_change(code: str, position: int) -> Response:
    try:
        if request.form.get("action") == "retire":
            checklist_uc.retire_item(runtime, current_actor(), code, position)
            flash(_("已停用该检查项，检查表已更新为新版本。"), "ok")
        else:
            checklist_uc.change_item(runtime, current_actor(), code, position,
                                     _item_form(request.form))
            flash(_("已修改检查项，检查表已更新为新版本；已开始的检查仍用原版本。"), "ok")
    except REFUSED as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.checklist", code=code))


# -- spot checks ------------------------------------------------------------------------

@bp.route("/spotchecks", methods=["GET", "POST"])
@login_required
def spotcheck_list() -> str | Response:
    if request.method == "POST":
        form = request.form
        size = form.get("size", "").strip()
        try:
            found = campaign_uc.draw(
                runtime, current_actor(), title=form.get("title", ""),
                kind=form.get("kind", "spot_check"),
                size=int(size) if size.isascii() and size.isdigit() else 0,
                seed=form.get("seed") or None, stratified=bool(form.get("stratified")),
                campaign_code=form.get("campaign_code") or None,
                population=form.get("population") or "units")
        except REFUSED as exc:
            flash_error(exc)
            return redirect(url_for("campaigns.spotcheck_list"))
        return redirect(url_for("campaigns.spotcheck", draw_id=found["id"]))
    listed = campaign_uc.spot_checks(runtime, current_actor())
    return _page("spotchecks.html", draws=listed["draws"], running=listed["campaigns"],
                 draw_kinds=spotchecks.DRAW_KINDS, populations=spotchecks.POPULATIONS)


@bp.get("/spotchecks/<int:draw_id>")
@login_required
def spotcheck(draw_id: int) -> str:
    return _page("spotcheck.html", d=campaign_uc.get_draw(runtime, current_actor(), draw_id))


@bp.post("/spotchecks/<int:draw_id>/<action>")
@login_required
def spotcheck_act(draw_id: int, action: str) -> Response:
    form = request.form
    try:
        if action == "assign":
            check = form.get("check_id", "")
            campaign_uc.assign(runtime, current_actor(), draw_id,
                               int(check) if check.isascii() and check.isdigit() else 0,
                               form.get("inspector", ""))
        elif action == "publish":
            campaign_uc.publish_draw(runtime, current_actor(), draw_id,
                                     summary=form.get("summary", ""))
            return redirect(url_for("campaigns.spotcheck_notice", draw_id=draw_id))
        else:
            abort(404)
    except REFUSED as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.spotcheck", draw_id=draw_id))


@bp.get("/spotchecks/<int:draw_id>/notice")
@login_required
def spotcheck_notice(draw_id: int) -> str:
    found = campaign_uc.draw_notice(runtime, current_actor(), draw_id)
    return _page("notice.html", d=found, body=in_chinese("campaigns/notice_body.html", d=found))
