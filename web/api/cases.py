"""Cases: start any process the user may start, see one, send it a message, retry incidents."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hazardflow.engine import Forbidden
from hazardflow.engine.db import read_transaction
from hazardflow.engine.schema import incident
from hazardflow.workflows import cases as domain

from .. import MAX_ID
from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, evidence, json_body, login_required, require_role
from .serialize import case_result, jsonable

SUPERVISORS = ("county_supervisor", "city_supervisor", "admin")


@bp.post("/cases")
@login_required
def start() -> tuple[dict[str, Any], int]:
    body = json_body()
    key, data = body.get("definition"), body.get("data", {})
    if not isinstance(key, str) or not isinstance(data, dict):
        raise ApiError(400, "bad_request",
                       "send {\"definition\": \"<process key>\", \"data\": {...}}")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 1 <= version <= MAX_ID):
        raise ApiError(400, "bad_request", "\"version\" must be a whole number ≥ 1")
    schema = evidence.start_form(key, version)
    if key == "hazard_lifecycle":
        out = domain.report_hazard(runtime.engine, current_actor(), data,
                                   before_start=lambda: evidence.check(schema, data))
        evidence.attach(schema, data, out["case"].case_id)
        return {"case": case_result(out["case"]), "hazard": jsonable(out["hazard"])}, 201
    if not runtime.engine.may_start(runtime.engine.definition(key, version), current_actor()):
        raise Forbidden(f"you may not start {key!r}")
    evidence.check(schema, data)
    result = runtime.engine.start_case(key, data, current_actor(), version=version)
    evidence.attach(schema, data, result.case_id)
    return {"case": case_result(result)}, 201


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> dict[str, Any]:
    return {"case": jsonable(domain.case_detail(runtime.engine, current_actor(), case_id))}


@bp.post("/cases/<int:case_id>/messages")
@login_required
def message(case_id: int) -> dict[str, Any]:
    """Deliver a BPMN message (e.g. reclassify, void) to a case; supervisors only."""
    require_role(*SUPERVISORS)
    body = json_body()
    name, data = body.get("name"), body.get("data", {})
    if not isinstance(name, str) or not isinstance(data, dict):
        raise ApiError(400, "bad_request", "send {\"name\": \"<message>\", \"data\": {...}}")
    with read_transaction(runtime.db) as conn:
        if not domain.case_visible(conn, current_actor(), case_id):
            raise ApiError(404, "not_found", f"case {case_id} does not exist")
    result = runtime.engine.send_message(case_id, name, data, current_actor())
    return {"case": case_result(result)}


@bp.post("/incidents/<int:incident_id>/retry")
@login_required
def retry(incident_id: int) -> dict[str, Any]:
    require_role(*SUPERVISORS)
    with read_transaction(runtime.db) as conn:
        case_id = conn.execute(sa.select(incident.c.case_id)
                               .where(incident.c.id == incident_id)).scalar()
        if case_id is None or not domain.case_visible(conn, current_actor(), case_id):
            raise ApiError(404, "not_found", f"incident {incident_id} does not exist")
    result = runtime.engine.retry_incident(incident_id, current_actor())
    return {"case": case_result(result), "resolved": result.status != "incident"}
