"""Pages: duty rosters (值班备勤).

- ``GET /duty``: the units whose rosters the reader may see, by county, with links to this
  month's roster, and the declared higher levels (the city declares one here:
  ``POST /duty/levels``).
- ``GET /duty/today``: today's leader and staff on duty (business time) at every unit in
  scope, grouped by county, with phones; short days under a declared level flagged.
- ``GET|POST /duty/<code>/<YYYY-MM>``: a unit's month; its keepers edit it here, or fill it
  by taking people in turn (``POST …/rotate``).
  ``…/print``: the printable roster; ``….xlsx``: the Excel export.
- ``POST /duty/<code>/<YYYY-MM>/swaps``: ask a colleague to take a duty;
  ``POST /duty/swaps/<id>/answer`` (the colleague) and ``…/decide`` (the keeper).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, InvalidInput
from hazardflow.workflows.duty import POSTS, month_of
from hazardflow.workflows.usecases import duty as uc

from ..downloads import xlsx_response
from ..extensions import runtime
from . import bp, current_actor, local_path, login_required


def _attempt(action: Callable[[], object], done: str, back: str) -> Response:
    """Run ``action``; a refusal of the input or a state that changed meanwhile is shown on
    the page it came from (Forbidden and NotFound answer 403/404 like everywhere)."""
    try:
        action()
        flash(done, "info")
    except (InvalidInput, Conflict) as exc:
        details = "；".join(d.message for d in getattr(exc, "details", []) or []
                           if d.message != exc.message)
        flash(f"{exc.message}{'：' + details if details else ''}", "error")
    return redirect(local_path(back, url_for("ui.duty_index")))


def _this_month() -> str:
    return month_of(runtime.calendar.today(runtime.now()))


@bp.get("/duty")
@login_required
def duty_index() -> str:
    actor = current_actor()
    return render_template("ui/duty_index.html", view=uc.index(runtime, actor),
                           levels=uc.levels(runtime, actor), month=_this_month())


@bp.get("/duty/today")
@login_required
def duty_today() -> str:
    return render_template("ui/duty_today.html", view=uc.today(runtime, current_actor()),
                           month=_this_month(), posts=POSTS)


@bp.post("/duty/levels")
@login_required
def duty_declare_level() -> Response:
    form = request.form

    def number(name: str) -> int:
        value = form.get(name, "")
        return int(value) if value.isdigit() else -1
    return _attempt(lambda: uc.declare_level(
        runtime, current_actor(), form.get("name", ""), form.get("starts_on", ""),
        form.get("ends_on", ""), number("min_leaders"), number("min_staff")),
        _("已宣布提级值班时段，人员不足的单位已收到通知。"), url_for("ui.duty_index"))


@bp.get("/duty/<code>/<month>")
@login_required
def duty_roster(code: str, month: str) -> str:
    view = uc.roster(runtime, current_actor(), code, month)
    first, last = view.roster.days[0].day, view.roster.days[-1].day
    return render_template("ui/duty_roster.html", view=view, posts=POSTS,
                           previous=month_of(first - timedelta(days=1)),
                           following=month_of(last + timedelta(days=1)))


@bp.post("/duty/<code>/<month>")
@login_required
def duty_roster_save(code: str, month: str) -> Response:
    form = request.form
    plan: dict[str, dict[str, list[str]]] = {}
    for key in form:
        post, _sep, day = key.partition("-")
        if post in POSTS and day:
            plan.setdefault(day, {})[post] = [v for v in form.getlist(key) if v]
    phones = {key[len("phone-"):]: form[key] for key in form if key.startswith("phone-")}
    return _attempt(lambda: uc.save_roster(runtime, current_actor(), code, month, plan,
                                           form.get("duty_phone"), phones),
                    _("值班表已保存。"), url_for("ui.duty_roster", code=code, month=month))


@bp.post("/duty/<code>/<month>/rotate")
@login_required
def duty_roster_rotate(code: str, month: str) -> Response:
    form = request.form
    per_day = form.get("staff_per_day", "1")
    return _attempt(lambda: uc.rotate_roster(
        runtime, current_actor(), code, month, form.getlist("leaders"), form.getlist("staff"),
        int(per_day) if per_day.isdigit() else 0),
        _("已按顺序轮班生成本月值班表，可再逐日调整。"),
        url_for("ui.duty_roster", code=code, month=month))


@bp.get("/duty/<code>/<month>.xlsx")
@login_required
def duty_roster_export(code: str, month: str) -> Response:
    found = uc.export_roster(runtime, current_actor(), code, month)
    return xlsx_response(found.body, found.filename)


@bp.get("/duty/<code>/<month>/print")
@login_required
def duty_roster_print(code: str, month: str) -> str:
    view = uc.roster(runtime, current_actor(), code, month)
    return render_template("ui/duty_print.html", view=view)


@bp.post("/duty/<code>/<month>/swaps")
@login_required
def duty_swap_request(code: str, month: str) -> Response:
    form = request.form
    return _attempt(lambda: uc.request_swap(
        runtime, current_actor(), code, month, form.get("day", ""), form.get("colleague", ""),
        form.get("reason", ""), form.get("other_day") or None),
        _("换班申请已发给同事。"), url_for("ui.duty_roster", code=code, month=month))


@bp.post("/duty/swaps/<int:swap_id>/answer")
@login_required
def duty_swap_answer(swap_id: int) -> Response:
    accept = request.form.get("accept") == "1"
    return _attempt(lambda: uc.answer_swap(runtime, current_actor(), swap_id, accept),
                    _("已答复换班申请。"), request.form.get("back", ""))


@bp.post("/duty/swaps/<int:swap_id>/decide")
@login_required
def duty_swap_decide(swap_id: int) -> Response:
    form = request.form
    return _attempt(lambda: uc.decide_swap(runtime, current_actor(), swap_id,
                                           form.get("approve") == "1", form.get("note", "")),
                    _("已审批换班申请。"), form.get("back", ""))
