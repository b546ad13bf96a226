"""Pages: rewards for public reports (举报奖励), under /rewards.

- ``GET /rewards``: the city's tiers by hazard level, the 属实 reports with a known reporter
  awaiting a reward, and the rewards of the units the viewer oversees (triage desks, county
  and city supervisors: ``reward.propose``), with a warning when this year's (or, in
  December, next year's) official holidays are unknown.
- ``POST /rewards/propose`` (CSRF, ``report_id``): start the reward of a 属实 report listed
  as awaiting one (``reward.propose``, the report visible to the viewer).
- ``POST /rewards/tiers`` (CSRF): the city sets the amounts (``reward.tiers``).
The proposal, approval and payment are the reward case's tasks, done from the inbox."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import Conflict, InvalidInput
from hazardflow.workflows.ledger import LEVELS
from hazardflow.workflows.rewards import STATUSES
from hazardflow.workflows.usecases import rewards as uc

from ..extensions import runtime
from . import bp, current_actor, flash_error, login_required


@bp.get("/rewards")
@login_required
def rewards() -> str:
    view = uc.rewards_page(runtime, current_actor())
    return render_template("ui/reward_list.html", levels=LEVELS, statuses=STATUSES, **view)


@bp.post("/rewards/propose")
@login_required
def propose_reward() -> Response:
    report_id = request.form.get("report_id", "")
    if not report_id.isdigit():
        raise InvalidInput("请选择举报 (report_id must be a report's number)")
    try:
        uc.propose_reward(runtime, current_actor(), int(report_id))
        flash(_("已开启奖励流程，请在待办中拟定奖励金额。"), "info")
    except (InvalidInput, Conflict) as exc:
        flash_error(exc)
    return redirect(url_for("ui.rewards"))


@bp.post("/rewards/tiers")
@login_required
def reward_tiers() -> Response:
    amounts = {level: request.form.get(f"amount_{level}", "").strip() for level in LEVELS}
    try:
        uc.set_reward_tiers(runtime, current_actor(), amounts, request.form.get("note", ""))
        flash(_("奖励标准已保存。"), "info")
    except InvalidInput as exc:
        flash_error(exc)
    return redirect(url_for("ui.rewards"))
