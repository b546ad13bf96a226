"""Pages: risk consultations (专题会商).

- ``GET /consultations``: the sessions the viewer may see, newest first, with their actions
  done and open; the form to record a session (county and city supervisors: the figures of
  the dashboards are frozen into it when it is saved, and each action becomes an inbox task
  of its owner).
- ``POST /consultations``: record a session held now, or arrange one ahead (``planned_at``);
  ``POST /consultations/<id>/hold`` holds an arranged one (decisions, figures, actions).
- ``GET /consultations/<id>``: agenda, participants, frozen figures, decisions, actions and
  their status; ``…/minutes``: the printable minutes (会商纪要).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, InvalidInput
from hazardflow.workflows.consultations import SESSION_KINDS
from hazardflow.workflows.usecases import consultations as uc

from ..extensions import runtime
from . import bp, current_actor, flash_error, login_required

ACTION_ROWS = 5


@bp.get("/consultations")
@login_required
def consultations() -> str:
    actor = current_actor()
    return render_template("ui/consultation_list.html", items=uc.session_list(runtime, actor),
                           kinds=SESSION_KINDS, action_rows=range(ACTION_ROWS),
                           **uc.session_form(runtime, actor))


def _actions() -> list[dict[str, str]]:
    form = request.form
    return [{"title": t, "owner": o, "due_on": d} for t, o, d in zip(
        form.getlist("action_title"), form.getlist("action_owner"), form.getlist("action_due"),
        strict=False) if t.strip() or o.strip() or d.strip()]


def _form() -> dict[str, object]:
    form = request.form
    people = [p for p in form.getlist("participants") if p.strip()]
    return {"body_code": form.get("body_code", ""), "kind": form.get("kind", ""),
            "title": form.get("title", ""), "place": form.get("place", ""),
            "topics": form.get("topics", ""), "decisions": form.get("decisions", ""),
            "planned_at": form.get("planned_at", ""), "participants": people,
            "actions": _actions()}


@bp.post("/consultations")
@login_required
def hold_consultation() -> Response:
    try:
        session_id = uc.hold_consultation(runtime, current_actor(), _form())
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
        return redirect(url_for("ui.consultations"))
    flash(_("会商已记录，看板数据已冻结，事项已进入责任人的待办。"), "info")
    return redirect(url_for("ui.consultation_page", session_id=session_id))


@bp.post("/consultations/<int:session_id>/hold")
@login_required
def hold_planned_consultation(session_id: int) -> Response:
    try:
        uc.hold_planned(runtime, current_actor(), session_id,
                        {"decisions": request.form.get("decisions", ""), "actions": _actions()})
        flash(_("会商已记录，看板数据已冻结，事项已进入责任人的待办。"), "info")
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
    return redirect(url_for("ui.consultation_page", session_id=session_id))


@bp.get("/consultations/<int:session_id>")
@login_required
def consultation_page(session_id: int) -> str:
    view = uc.session_page(runtime, current_actor(), session_id)
    return render_template("ui/consultation_page.html", action_rows=range(ACTION_ROWS),
                           **view)


@bp.get("/consultations/<int:session_id>/minutes")
@login_required
def consultation_minutes(session_id: int) -> str:
    view = uc.session_page(runtime, current_actor(), session_id)
    return render_template("ui/consultation_minutes.html", **view)
