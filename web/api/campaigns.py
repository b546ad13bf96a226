"""API v1: campaigns, checklists, inspections, reports, spot checks and the assessment
(their OpenAPI entries are registered here too)."""

from __future__ import annotations

from typing import Any

from flask import request

from hazardflow.workflows.campaigns import Theme
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import inspections as inspection_uc

from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, json_body, login_required
from .openapi import err, ok, op, path_param, register
from .serialize import jsonable

TAG = "campaigns"
OBJ = {"type": "object", "additionalProperties": True}


@bp.get("/campaigns")
@login_required
def campaign_list() -> dict[str, Any]:
    return {"items": jsonable(campaign_uc.list_campaigns(runtime, current_actor()))}


@bp.post("/campaigns")
@login_required
def campaign_create() -> tuple[dict[str, Any], int]:
    body = json_body()
    try:
        themes = [Theme(str(t["code"]), str(t["name"]), str(t["category"]),
                        t.get("checklist_code")) for t in body.get("themes") or []]
    except (KeyError, TypeError, AttributeError):
        raise ApiError(400, "bad_request", "themes: [{code, name, category}]") from None
    found = campaign_uc.create_campaign(
        runtime, current_actor(), code=str(body.get("code") or ""),
        name=str(body.get("name") or ""), starts_on=str(body.get("starts_on") or ""),
        ends_on=str(body.get("ends_on") or ""), themes=themes, unit_codes=body.get("units"),
        description=str(body.get("description") or ""))
    return {"campaign": jsonable(found)}, 201


@bp.get("/campaigns/<code>")
@login_required
def campaign_progress(code: str) -> dict[str, Any]:
    return jsonable(campaign_uc.progress(runtime, current_actor(), code))


@bp.get("/checklists/<code>")
@login_required
def checklist_get(code: str) -> dict[str, Any]:
    return {"checklist": jsonable(campaign_uc.checklist(runtime, current_actor(), code))}


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
    return {"inspection": jsonable(inspection_uc.get(runtime, current_actor(), inspection_id))}


@bp.post("/inspections/<int:inspection_id>/publish")
@login_required
def inspection_publish(inspection_id: int) -> dict[str, Any]:
    return {"hazards_made_visible": inspection_uc.publish(runtime, current_actor(),
                                                          inspection_id)}


@bp.post("/inspections/<int:inspection_id>/notice")
@login_required
def inspection_notice(inspection_id: int) -> tuple[dict[str, Any], int]:
    doc = inspection_uc.issue_notice(runtime, current_actor(), inspection_id)
    return {"document": {"id": doc.id, "number": doc.number, "title": doc.title}}, 201


@bp.get("/reports/<kind>/<period>")
@login_required
def report_consolidated(kind: str, period: str) -> dict[str, Any]:
    return jsonable(campaign_uc.consolidated_report(runtime, current_actor(), kind, period))


@bp.post("/spotchecks")
@login_required
def spotcheck_draw() -> tuple[dict[str, Any], int]:
    body = json_body()
    try:
        size = int(body.get("size", 0))
    except (TypeError, ValueError):
        raise ApiError(400, "bad_request", "size must be a whole number") from None
    found = campaign_uc.draw(
        runtime, current_actor(), title=str(body.get("title") or ""),
        kind=str(body.get("kind") or ""), size=size, seed=body.get("seed") or None,
        stratified=bool(body.get("stratified")),
        campaign_code=body.get("campaign_code") or None)
    return {"draw": jsonable(found)}, 201


@bp.get("/spotchecks/<int:draw_id>")
@login_required
def spotcheck_get(draw_id: int) -> dict[str, Any]:
    return {"draw": jsonable(campaign_uc.get_draw(runtime, current_actor(), draw_id))}


@bp.post("/spotchecks/<int:draw_id>/publish")
@login_required
def spotcheck_publish(draw_id: int) -> dict[str, Any]:
    body = request.get_json(silent=True)
    summary = str((body if isinstance(body, dict) else {}).get("summary") or "")
    return {"draw": jsonable(campaign_uc.publish_draw(runtime, current_actor(), draw_id,
                                                      summary))}


@bp.get("/assessment/<int:year>")
@login_required
def assessment_get(year: int) -> dict[str, Any]:
    return jsonable(campaign_uc.assessment(runtime, current_actor(), year))


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
                    {**ok("The ranking", OBJ), **err(401, 422)}, params=[path_param("year")],
                    tag=TAG))


_describe()
