"""API v1: campaigns, checklists, inspections, reports, spot checks and the assessment
(their OpenAPI entries are registered here too)."""

from __future__ import annotations

from typing import Any

from flask import request

from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.workflows import assessment, campaigns, inspections, reports, spotchecks
from hazardflow.workflows.usecases import inspections as inspection_uc

from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, json_body, login_required, require_role
from .openapi import err, ok, op, path_param, register
from .serialize import jsonable

TAG = "campaigns"
OBJ = {"type": "object", "additionalProperties": True}
CITY = ("city_supervisor",)


@bp.get("/campaigns")
@login_required
def campaign_list() -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return {"items": jsonable(campaigns.list_campaigns(conn))}


@bp.post("/campaigns")
@login_required
def campaign_create() -> tuple[dict[str, Any], int]:
    require_role(*CITY)
    body = json_body()
    try:
        themes = [campaigns.Theme(str(t["code"]), str(t["name"]), str(t["category"]),
                                  t.get("checklist_code")) for t in body.get("themes") or []]
    except (KeyError, TypeError, AttributeError):
        raise ApiError(400, "bad_request", "themes: [{code, name, category}]") from None
    with write_transaction(runtime.db) as conn:
        campaigns.create_campaign(
            conn, code=str(body.get("code") or ""), name=str(body.get("name") or ""),
            starts_on=str(body.get("starts_on") or ""), ends_on=str(body.get("ends_on") or ""),
            themes=themes, unit_codes=body.get("units"), created_by=current_actor().id,
            now=runtime.now(), description=str(body.get("description") or ""))
        found = campaigns.get_campaign(conn, str(body["code"]))
    return {"campaign": jsonable(found)}, 201


@bp.get("/campaigns/<code>")
@login_required
def campaign_progress(code: str) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return jsonable(campaigns.progress(conn, current_actor(), code, runtime.now()))


@bp.get("/checklists/<code>")
@login_required
def checklist_get(code: str) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return {"checklist": jsonable(campaigns.get_checklist(conn, code))}


@bp.post("/inspections")
@login_required
def inspection_record() -> tuple[dict[str, Any], int]:
    body = json_body()
    results = body.get("results")
    if not isinstance(results, list):
        raise ApiError(400, "bad_request", "results must be a list")
    found = inspection_uc.record(
        runtime, current_actor(), unit_code=str(body.get("unit_code") or ""),
        kind=str(body.get("kind") or ""), checklist_code=str(body.get("checklist_code") or ""),
        results=results, campaign_code=body.get("campaign_code") or None,
        location=str(body.get("location") or ""), summary=str(body.get("summary") or ""),
        inspected_on=body.get("inspected_on") or None,
        spot_check_id=body.get("spot_check_id") or None)
    return {"inspection": jsonable(found)}, 201


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection_get(inspection_id: int) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return {"inspection": jsonable(inspections.get_inspection(conn, current_actor(),
                                                                  inspection_id))}


@bp.post("/inspections/<int:inspection_id>/publish")
@login_required
def inspection_publish(inspection_id: int) -> dict[str, Any]:
    require_role(*CITY)
    with write_transaction(runtime.db) as conn:
        inspections.get_inspection(conn, current_actor(), inspection_id)
        count = inspections.publish_inspection(conn, inspection_id, actor=current_actor().id,
                                               now=runtime.now())
    return {"hazards_made_visible": count}


@bp.post("/inspections/<int:inspection_id>/notice")
@login_required
def inspection_notice(inspection_id: int) -> tuple[dict[str, Any], int]:
    with write_transaction(runtime.db) as conn:
        doc = inspections.issue_notice(conn, current_actor(), inspection_id, runtime.now())
    return {"document": {"id": doc.id, "number": doc.number, "title": doc.title}}, 201


@bp.get("/reports/<kind>/<period>")
@login_required
def report_consolidated(kind: str, period: str) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return jsonable(reports.consolidated(conn, current_actor(), kind, period, runtime.now()))


@bp.post("/spotchecks")
@login_required
def spotcheck_draw() -> tuple[dict[str, Any], int]:
    require_role(*CITY)
    body = json_body()
    try:
        size = int(body.get("size", 0))
    except (TypeError, ValueError):
        raise ApiError(400, "bad_request", "size must be a whole number") from None
    with write_transaction(runtime.db) as conn:
        draw_id = spotchecks.draw(
            conn, title=str(body.get("title") or ""), kind=str(body.get("kind") or ""),
            size=size, drawn_by=current_actor().id, now=runtime.now(),
            seed=body.get("seed") or None, stratified=bool(body.get("stratified")),
            campaign_code=body.get("campaign_code") or None)
        return {"draw": jsonable(spotchecks.get_draw(conn, draw_id))}, 201


@bp.get("/spotchecks/<int:draw_id>")
@login_required
def spotcheck_get(draw_id: int) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        found = spotchecks.get_draw(conn, draw_id)
    if found["published_at"] is None and not _sees_unpublished():
        raise ApiError(404, "not_found", f"no published spot check {draw_id}")
    return {"draw": jsonable(found)}


def _sees_unpublished() -> bool:
    actor = current_actor()
    return actor.admin or bool(actor.roles & {"city_supervisor", "city_leader"})


@bp.post("/spotchecks/<int:draw_id>/publish")
@login_required
def spotcheck_publish(draw_id: int) -> dict[str, Any]:
    require_role(*CITY)
    summary = str((request.get_json(silent=True) or {}).get("summary") or "")
    with write_transaction(runtime.db) as conn:
        return {"draw": jsonable(spotchecks.publish(conn, draw_id, actor=current_actor().id,
                                                    now=runtime.now(), summary=summary))}


@bp.get("/assessment/<int:year>")
@login_required
def assessment_get(year: int) -> dict[str, Any]:
    with read_transaction(runtime.db) as conn:
        return jsonable(assessment.assess(conn, current_actor(), year, runtime.now()))


def _describe() -> None:
    base = "/api/v1"
    code = path_param("code", "string")
    register(f"{base}/campaigns",
             get=op("Campaigns (专项行动)", {**ok("The campaigns", OBJ), **err(401)}, tag=TAG),
             post=op("Create a campaign (city)", {**ok("Created", OBJ, 201), **err(401, 403, 409,
                                                                                  422)},
                     body={"application/json": {"schema": OBJ}}, tag=TAG))
    register(f"{base}/campaigns/{{code}}",
             get=op("A campaign's progress by unit and theme",
                    {**ok("Progress", OBJ), **err(401, 404)}, params=[code], tag=TAG))
    register(f"{base}/checklists/{{code}}",
             get=op("A checklist and its items", {**ok("The checklist", OBJ), **err(401, 404)},
                    params=[code], tag=TAG))
    register(f"{base}/inspections",
             post=op("Record an inspection; failed items become hazard cases",
                     {**ok("Recorded", OBJ, 201), **err(401, 403, 404, 409, 422)},
                     body={"application/json": {"schema": OBJ}}, tag=TAG))
    one = [path_param("inspection_id")]
    register(f"{base}/inspections/{{inspection_id}}",
             get=op("An inspection", {**ok("The inspection", OBJ), **err(401, 404)},
                    params=one, tag=TAG))
    register(f"{base}/inspections/{{inspection_id}}/publish",
             post=op("Publish an inspection's findings (city)",
                     {**ok("Published", OBJ), **err(401, 403, 404)}, params=one, tag=TAG))
    register(f"{base}/inspections/{{inspection_id}}/notice",
             post=op("Issue one rectification notice listing the inspection's hazards",
                     {**ok("Issued", OBJ, 201), **err(401, 403, 404, 409, 422)}, params=one,
                     tag=TAG))
    register(f"{base}/reports/{{kind}}/{{period}}",
             get=op("The consolidated view of a period's reports",
                    {**ok("Reports and totals", OBJ), **err(401, 422)},
                    params=[path_param("kind", "string"), path_param("period", "string")],
                    tag=TAG))
    register(f"{base}/spotchecks",
             post=op("Draw a reproducible sample of units (city)",
                     {**ok("Drawn", OBJ, 201), **err(401, 403, 422)},
                     body={"application/json": {"schema": OBJ}}, tag=TAG))
    draw = [path_param("draw_id")]
    register(f"{base}/spotchecks/{{draw_id}}",
             get=op("A draw, its checks and findings", {**ok("The draw", OBJ), **err(401, 404)},
                    params=draw, tag=TAG))
    register(f"{base}/spotchecks/{{draw_id}}/publish",
             post=op("Publish the 通报 (audited)", {**ok("Published", OBJ),
                                                   **err(401, 403, 404, 409)},
                     params=draw, tag=TAG))
    register(f"{base}/assessment/{{year}}",
             get=op("The annual assessment: ranking and breakdown",
                    {**ok("The ranking", OBJ), **err(401)}, params=[path_param("year")],
                    tag=TAG))


_describe()
