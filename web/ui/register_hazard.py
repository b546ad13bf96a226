"""Register a hazard (built for a phone on site: photo, category, location, level, submit),
and start any other process the user is entitled to start."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError, Forbidden, InvalidInput, NotFound
from hazardflow.workflows.runtime import HAZARD_PROCESS
from hazardflow.workflows.usecases import cases

from ..extensions import runtime
from . import bp, current_actor, login_required
from .forms import errors_by_field, parse_form, render_form
from .holders import next_step


def _register_page(data: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                   status: int = 200) -> tuple[str, int]:
    page = cases.registration(runtime, current_actor())
    schema = page["form"]
    fields_schema = {**schema, "properties": {k: v for k, v in schema["properties"].items()
                                              if k != "unit_code"}}
    data = page["defaults"] if data is None else data
    form_html = render_form(fields_schema, data, errors,
                            suggestions={"campaign": page["campaigns"]})
    return render_template("ui/register.html", form_html=form_html, units=page["units"],
                           data=data, errors=errors or {}, others=page["others"]), status


@bp.get("/hazards/new")
@login_required
def register_hazard() -> tuple[str, int]:
    return _register_page()


@bp.post("/hazards/new")
@login_required
def register_hazard_post() -> Response | tuple[str, int]:
    schema = cases.start_form(runtime, HAZARD_PROCESS) or cases.EMPTY_FORM
    data = parse_form(schema, request.form)
    try:
        out = cases.report_hazard(runtime, current_actor(), data)
    except InvalidInput as exc:
        flash(_("请检查表单中标出的内容。"), "error")
        return _register_page(data, errors_by_field(exc.details), 422)
    except Forbidden:
        flash(_("您不能为该单位登记隐患。"), "error")
        return _register_page(data, {"unit_code": _("不在您的职责范围内")}, 403)
    code = (out["hazard"] or {}).get("code", "")
    flash(_("隐患已登记：%(code)s", code=code), "info")
    for step in out["next"]:
        flash(next_step(step), "info")
    return redirect(url_for("ui.case", case_id=out["case"].case_id))


@bp.route("/start/<key>", methods=["GET", "POST"])
@login_required
def start_process(key: str) -> Response | tuple[str, int]:
    if key == HAZARD_PROCESS:
        return redirect(url_for("ui.register_hazard"))
    try:
        page = cases.start_page(runtime, current_actor(), key)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    data: dict[str, Any] = {}
    errors: dict[str, str] | None = None
    status = 200
    if request.method == "POST":
        data = parse_form(page["form"], request.form)
        try:
            result = cases.start(runtime, current_actor(), key, data)["case"]
            flash(_("已发起：%(name)s", name=page["name"]), "info")
            return redirect(url_for("ui.case", case_id=result.case_id))
        except InvalidInput as exc:
            errors, status = errors_by_field(exc.details), 422
        except EngineError as exc:
            flash(exc.message, "error")
            status = 409
    return render_template("ui/start.html", definition=page,
                           form_html=render_form(page["form"], data, errors,
                                                 page["people"])), status
