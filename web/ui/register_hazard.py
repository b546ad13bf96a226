"""Register a hazard (built for a phone on site: photo, category, location, level, submit),
and start any other process the user is entitled to start."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import EngineError, Forbidden, InvalidInput, NotFound
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.schema import process_definition
from hazardflow.workflows import campaigns, cases
from hazardflow.workflows.runtime import HAZARD_PROCESS
from hazardflow.workflows.schema import unit

from ..extensions import runtime
from . import bp, current_actor, login_required
from .attach import attach_evidence, check_evidence
from .forms import errors_by_field, parse_form, render_form


def _start_schema(key: str) -> tuple[Any, dict[str, Any]]:
    definition = runtime.engine.definition(key)
    schema = definition.forms.get(definition.start_form or "") or {
        "type": "object", "properties": {}}
    return definition, schema


def _my_units() -> list[tuple[str, str]]:
    actor = current_actor()
    with read_transaction(runtime.db) as conn:
        codes = cases.units_in_scope(conn, actor)
        query = sa.select(unit.c.code, unit.c.name).where(unit.c.active.is_(True))
        if not actor.admin:
            query = query.where(unit.c.code.in_(sorted(codes) or [""]))
        return [(r.code, r.name) for r in conn.execute(query.order_by(unit.c.code))]


def _defaults() -> dict[str, Any]:
    actor = current_actor()
    units = _my_units()
    own = [u for r, u in actor.grants if u and r in ("safety_officer", "principal", "rectifier")]
    return {"source": "inspection" if cases.supervises(actor) else "self_inspection",
            "unit_code": own[0] if own else (units[0][0] if len(units) == 1 else None)}


def _register_page(data: dict[str, Any], errors: dict[str, str] | None = None,
                   status: int = 200) -> tuple[str, int]:
    schema = _start_schema(HAZARD_PROCESS)[1]
    fields_schema = {**schema, "properties": {k: v for k, v in schema["properties"].items()
                                              if k != "unit_code"}}
    with read_transaction(runtime.db) as conn:
        running = [(c["code"], c["name"]) for c in campaigns.list_campaigns(conn)]
    form_html = render_form(fields_schema, data, errors, suggestions={"campaign": running})
    return render_template("ui/register.html", form_html=form_html,
                           units=_my_units(), data=data, errors=errors or {},
                           others=startable()), status


@bp.get("/hazards/new")
@login_required
def register_hazard() -> tuple[str, int]:
    return _register_page(_defaults())


@bp.post("/hazards/new")
@login_required
def register_hazard_post() -> Response | tuple[str, int]:
    actor = current_actor()
    schema = _start_schema(HAZARD_PROCESS)[1]
    data = parse_form(schema, request.form)
    try:
        out = cases.report_hazard(runtime.engine, actor, data, before_start=lambda: (
            check_evidence(schema, data, actor.id)))
    except InvalidInput as exc:
        flash(_("请检查表单中标出的内容。"), "error")
        return _register_page(data, errors_by_field(exc.details), 422)
    except Forbidden:
        flash(_("您不能为该单位登记隐患。"), "error")
        return _register_page(data, {"unit_code": _("不在您的职责范围内")}, 403)
    case_id = out["case"].case_id
    with write_transaction(runtime.db) as conn:
        attach_evidence(conn, schema, data, case_id, actor.id)
    runtime.dispatch(out["case"])
    code = (out["hazard"] or {}).get("code", "")
    flash(_("隐患已登记：%(code)s", code=code), "info")
    return redirect(url_for("ui.case", case_id=case_id))


def startable() -> list[dict[str, Any]]:
    """The latest version of every process the user may start, the hazard process aside."""
    actor = current_actor()
    with read_transaction(runtime.db) as conn:
        keys = [r[0] for r in conn.execute(sa.select(process_definition.c.key).distinct()
                                           .order_by(process_definition.c.key))]
    out = []
    for key in keys:
        if key == HAZARD_PROCESS:
            continue
        definition = runtime.engine.definition(key)
        if runtime.engine.may_start(definition, actor):
            out.append({"key": key, "name": definition.name or key,
                        "version": definition.version})
    return out


@bp.route("/start/<key>", methods=["GET", "POST"])
@login_required
def start_process(key: str) -> Response | tuple[str, int]:
    if key == HAZARD_PROCESS:
        return redirect(url_for("ui.register_hazard"))
    try:
        definition, schema = _start_schema(key)
    except NotFound:
        abort(404)
    actor = current_actor()
    if not runtime.engine.may_start(definition, actor):
        abort(403)
    data: dict[str, Any] = {}
    errors: dict[str, str] | None = None
    status = 200
    if request.method == "POST":
        data = parse_form(schema, request.form)
        try:
            check_evidence(schema, data, actor.id)
            result = runtime.engine.start_case(key, data, actor)
            with write_transaction(runtime.db) as conn:
                attach_evidence(conn, schema, data, result.case_id, actor.id)
            runtime.dispatch(result)
            flash(_("已发起：%(name)s", name=definition.name or key), "info")
            return redirect(url_for("ui.case", case_id=result.case_id))
        except InvalidInput as exc:
            errors, status = errors_by_field(exc.details), 422
        except EngineError as exc:
            flash(exc.message, "error")
            status = 409
    return render_template("ui/start.html", definition=definition,
                           form_html=render_form(schema, data, errors)), status
