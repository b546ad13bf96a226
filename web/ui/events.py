"""Pages: information reports (信息报告) of events up the chain.

- ``GET /events``: the live list of open events the viewer receives or reports (level,
  unit, time since known, last report, unacknowledged reports, overdue flag), refreshed
  every minute by ``static/events.js`` from ``GET /events/live`` (the table alone); the form
  to report a new event with its first report; each level's deadlines (the city sets them:
  ``POST /events/deadlines``).
- ``POST /events``: open an event (and file its first report).
- ``GET /events/<id>``: the event with its 首报/续报/终报 in order (who filed, who
  acknowledged, when); ``POST /events/<id>/reports`` files the next report;
  ``POST /events/<id>/reports/<rid>/acknowledge`` acknowledges one (签收).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, InvalidInput
from hazardflow.workflows.events import KINDS, LEVELS
from hazardflow.workflows.usecases import events as uc

from ..extensions import runtime
from . import bp, current_actor, flash_error, login_required


def _attempt(action: Callable[[], object], done: str, back: str) -> Response:
    try:
        action()
        flash(done, "info")
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
    return redirect(back)


@bp.get("/events")
@login_required
def events() -> str:
    actor = current_actor()
    return render_template("ui/event_list.html", items=uc.open_events(runtime, actor),
                           deadlines=uc.deadlines(runtime, actor), levels=LEVELS,
                           units=uc.reporting_units(runtime, actor))


@bp.get("/events/live")
@login_required
def events_live() -> str:
    return render_template("ui/event_rows.html",
                           items=uc.open_events(runtime, current_actor()))


@bp.post("/events")
@login_required
def open_event() -> Response:
    form = request.form.to_dict()
    created: list[int] = []
    back = url_for("ui.events")
    try:
        created.append(uc.open_event(runtime, current_actor(), form))
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
        return redirect(back)
    flash(_("事件已报告，请按时限续报，处置结束后终报。"), "info")
    return redirect(url_for("ui.event_page", event_id=created[0]))


@bp.post("/events/deadlines")
@login_required
def event_deadlines() -> Response:
    return _attempt(lambda: uc.set_deadlines(runtime, current_actor(), request.form.to_dict()),
                    _("报告时限已保存，新报告的事件按新时限计算。"), url_for("ui.events"))


@bp.get("/events/<int:event_id>")
@login_required
def event_page(event_id: int) -> str:
    view = uc.event_page(runtime, current_actor(), event_id)
    return render_template("ui/event_page.html", levels=LEVELS, kinds=KINDS, **view)


@bp.post("/events/<int:event_id>/reports")
@login_required
def file_event_report(event_id: int) -> Response:
    form = request.form.to_dict()
    kind = form.pop("kind", "")
    return _attempt(lambda: uc.file_report(runtime, current_actor(), event_id, kind, form),
                    _("报告已报送。"), url_for("ui.event_page", event_id=event_id))


@bp.post("/events/<int:event_id>/reports/<int:report_id>/acknowledge")
@login_required
def acknowledge_event_report(event_id: int, report_id: int) -> Response:
    return _attempt(lambda: uc.acknowledge(runtime, current_actor(), event_id, report_id),
                    _("已签收。"), url_for("ui.event_page", event_id=event_id))
