"""The look-back (回头看) page, on the campaigns blueprint (under /campaigns).

- ``GET /campaigns/lookback``: the sample rules the viewer reads (a form for each body whose
  rule they set) and the rounds drawn with their sampled hazards and the re-checks'
  outcomes.
- the ``lookback`` filter: a hazard case's look-back, shown in its summary (``ui/_hazard``).
- ``POST /campaigns/lookback/rule`` (CSRF): set a body's rule (the city's supervisors for
  the city, a county's for its county: ``policy.require_may_set_lookback_rule``).

The re-checks themselves are inbox tasks (回头看复查)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import InvalidInput, NotFound
from hazardflow.workflows.lookback import OUTCOMES
from hazardflow.workflows.usecases import lookback as uc

from ..extensions import runtime
from . import current_actor, flash_error, login_required
from .campaigns import _page, bp


@bp.app_template_filter("lookback")
def lookback_of(case_id: Any) -> dict[str, Any] | None:
    """The look-back of a hazard case (its re-check and outcome, or the hazard it repeats),
    for the hazard summary on the case and task pages."""
    if not isinstance(case_id, int):
        return None
    return uc.link_of(runtime, current_actor(), case_id)


@bp.get("/lookback")
@login_required
def lookback_page() -> str:
    return _page("lookback.html", outcomes=OUTCOMES,
                 **uc.page(runtime, current_actor()))


@bp.post("/lookback/rule")
@login_required
def lookback_rule() -> Response:
    form = request.form
    data = {"body_code": form.get("body_code", ""), "months": form.get("months", ""),
            "share_pct": form.get("share_pct", ""), "at_least": form.get("at_least", "0"),
            "majors_always": form.get("majors_always") == "1", "level": form.get("level", ""),
            "active": form.get("active") == "1"}
    try:
        uc.set_rule(runtime, current_actor(), data)
        flash(_("回头看抽样规则已保存。"), "info")
    except (InvalidInput, NotFound) as exc:
        flash_error(exc)
    return redirect(url_for("campaigns.lookback_page"))
