"""Pages: emergency plans (应急预案) and drills (演练), under /plans.

- ``GET /plans``: the plans of the units the viewer works at or oversees, with status and
  what is due (修订到期, 修订逾期, 演练到期); a form to create a plan for the viewer's own
  unit; the revision and drill cycle per kind (the city changes it: ``POST /plans/cycles``).
- ``POST /plans`` (CSRF): create a plan; its drafting task lands in the unit's inbox.
- ``GET /plans/<id>``: a plan with its versions (files), open steps, drills and their
  problems; forms to record a drill, to ask for a revision, to record a problem's
  rectification and to register a problem as a hazard (photo before required).
Drafting, approval and filing (备案) are the plan case's tasks, done from the inbox."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, Forbidden, InvalidInput
from hazardflow.workflows.ledger import CATEGORIES, LEVELS
from hazardflow.workflows.usecases import emergency_plans as uc

from ..extensions import runtime
from . import bp, current_actor, flash_error, login_required


@bp.get("/plans")
@login_required
def plans() -> str:
    return render_template("ui/plan_list.html", **uc.plans_page(runtime, current_actor()))


@bp.post("/plans")
@login_required
def create_plan() -> Response:
    try:
        plan_id = uc.create_plan(runtime, current_actor(), request.form.get("unit_code", ""),
                                 request.form.get("kind", ""), request.form.get("title", ""))
    except (InvalidInput, Forbidden) as exc:
        flash_error(exc)
        return redirect(url_for("ui.plans"))
    flash(_("预案已建立，请在待办中上传预案文本并报审。"), "info")
    return redirect(url_for("ui.plan_page", plan_id=plan_id))


@bp.post("/plans/cycles")
@login_required
def plan_cycles() -> Response:
    kind = request.form.get("kind", "")
    try:
        uc.set_plan_cycle(runtime, current_actor(), kind, request.form)
        flash(_("周期已保存。"), "info")
    except InvalidInput as exc:
        flash_error(exc)
    return redirect(url_for("ui.plans"))


@bp.get("/plans/<int:plan_id>")
@login_required
def plan_page(plan_id: int) -> str:
    view = uc.plan_page(runtime, current_actor(), plan_id)
    return render_template("ui/plan_page.html", categories=CATEGORIES, levels=LEVELS, **view)


def _on_plan(plan_id: int, action: Callable[[], object], done: str) -> Response:
    """Run the action, flash ``done`` or the refusal, and go back to the plan's page."""
    try:
        action()
        flash(done, "info")
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
    return redirect(url_for("ui.plan_page", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/drills")
@login_required
def record_drill(plan_id: int) -> Response:
    form = {k: request.form.get(k, "") for k in
            ("held_on", "scenario", "participants", "evaluation", "problems")}
    return _on_plan(plan_id, lambda: uc.record_drill(runtime, current_actor(), plan_id, form),
                    _("演练已登记。"))


@bp.post("/plans/<int:plan_id>/revision")
@login_required
def request_revision(plan_id: int) -> Response:
    return _on_plan(plan_id, lambda: uc.trigger_revision(
        runtime, current_actor(), plan_id, request.form.get("reason", ""),
        request.form.get("note", "")), _("已转入修订，修订任务已进入单位待办。"))


@bp.post("/plans/<int:plan_id>/problems/<int:problem_id>/rectification")
@login_required
def problem_rectification(plan_id: int, problem_id: int) -> Response:
    return _on_plan(plan_id, lambda: uc.record_rectification(
        runtime, current_actor(), problem_id, request.form.get("rectification", "")),
        _("整改情况已保存。"))


@bp.post("/plans/<int:plan_id>/problems/<int:problem_id>/hazard")
@login_required
def problem_hazard(plan_id: int, problem_id: int) -> Response:
    upload = request.files.get("photo")
    photo = (upload.filename or "photo", upload.read()) if upload and upload.filename else None
    form = {k: request.form.get(k, "") for k in ("location", "category", "level")}
    try:
        case_id = uc.open_hazard_from_problem(runtime, current_actor(), problem_id, form, photo)
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
        return redirect(url_for("ui.plan_page", plan_id=plan_id))
    flash(_("已登记为隐患。"), "info")
    return redirect(url_for("ui.case", case_id=case_id))
