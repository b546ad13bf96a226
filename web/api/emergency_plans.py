"""API v1: emergency plans (应急预案) and their drills (演练): the plans of the units in scope
with what is due, one plan with its versions and drills, recording a drill, asking for a
revision. Drafting, approval and filing (备案) are the plan case's tasks (``/tasks``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response
from pydantic import Field

from hazardflow.workflows.usecases import emergency_plans as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import Envelope, Row
from .serialize import jsonable
from .spec import endpoint

TAG = "emergency_plans"


class PlanFlag(Row):
    code: str = Field(description="revision_due 修订到期, revision_overdue 修订逾期, "
                                  "drill_due 演练到期, drill_overdue 演练逾期")
    name: str


class Plan(Row):
    """一份应急预案 (a plan): 类型、状态、下次修订和演练日期。"""

    id: int
    unit_code: str
    unit_name: str
    kind: str = Field(description="comprehensive 综合预案, special 专项预案, onsite 现场处置方案")
    title: str
    status: str = Field(description="drafting, approving, filing, returned, in_force")
    case_id: int | None
    filed_on: date | None
    revision_due_on: date | None
    drill_due_on: date | None
    revise_by: date | None
    flags: list[PlanFlag]


class PlanList(Envelope):
    plans: list[Plan]


class DrillProblem(Row):
    id: int
    description: str
    rectification: str
    hazard_case_id: int | None = Field(description="由该问题登记的隐患案件 (the hazard case "
                                                   "it opened)")


class Drill(Row):
    id: int
    held_on: date
    scenario: str
    participants: str
    evaluation: str
    problems: list[DrillProblem]


class PlanDetail(Envelope):
    plan: Plan
    versions: list[dict[str, Any]]
    drills: list[Drill]


class DrillRequest(Envelope):
    held_on: date
    scenario: str = Field(min_length=1, max_length=4000)
    participants: str = Field(min_length=1, max_length=4000)
    evaluation: str = Field(min_length=1, max_length=4000)
    problems: list[str] = Field(default_factory=list, max_length=50,
                                description="发现的问题，每条一项 (problems found, one each)")


class DrillCreated(Envelope):
    id: int


class RevisionRequest(Envelope):
    reason: str = Field(description="incident, organisation, risk, law, drill, other")
    note: str = Field("", max_length=2000)


def _plan(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "unit_code", "unit_name", "kind", "title", "status", "case_id", "filed_on",
            "revision_due_on", "drill_due_on", "revise_by")
    return {**{k: row[k] for k in keys},
            "flags": [{"code": c, "name": n} for c, n in row["flags"]]}


@bp.get("/plans")
@login_required
@endpoint("list_plans", TAG, {200: PlanList})
def list_plans() -> dict[str, Any]:
    """辖区内单位的应急预案及到期情况 (the plans of the units in scope, with what is due)"""
    return jsonable({"plans": [_plan(p) for p in uc.plan_list(runtime, current_actor())]})


@bp.get("/plans/<int:plan_id>")
@login_required
@endpoint("get_plan", TAG, {200: PlanDetail}, errors=(404,))
def get_plan(plan_id: int) -> dict[str, Any]:
    """一份预案：版本、演练和问题 (a plan with its versions, drills and their problems)"""
    page = uc.plan_page(runtime, current_actor(), plan_id)
    versions = [{k: v[k] for k in ("id", "label", "summary", "status", "submitted_at",
                                   "approved_at", "filed_at", "reason")}
                for v in page["versions"]]
    drills = [{k: d[k] for k in ("id", "held_on", "scenario", "participants", "evaluation")}
              | {"problems": [{k: p[k] for k in ("id", "description", "rectification",
                                                 "hazard_case_id")} for p in d["problems"]]}
              for d in page["drills"]]
    return jsonable({"plan": _plan(page["plan"]), "versions": versions, "drills": drills})


@bp.post("/plans/<int:plan_id>/drills")
@login_required
@endpoint("record_drill", TAG, {201: DrillCreated}, errors=(403, 404, 409, 422),
          json=DrillRequest)
def record_drill(plan_id: int, json: DrillRequest) -> tuple[dict[str, Any], int]:
    """登记一次演练：单位安全管理员或主要负责人；发现问题的，预案转入修订 (record a drill:
    the unit's safety officer or principal; problems found start the plan's revision)"""
    form = {"held_on": json.held_on.isoformat(), "scenario": json.scenario,
            "participants": json.participants, "evaluation": json.evaluation,
            "problems": json.problems}
    return {"id": uc.record_drill(runtime, current_actor(), plan_id, form)}, 201


@bp.post("/plans/<int:plan_id>/revision")
@login_required
@endpoint("request_plan_revision", TAG, {204: None}, errors=(403, 404, 409, 422),
          json=RevisionRequest)
def request_revision(plan_id: int, json: RevisionRequest) -> Response:
    """要求修订预案（发生事故、机构变动等）：单位或其监管卫健委 (start a revision now: the
    unit or a supervising commission)"""
    uc.trigger_revision(runtime, current_actor(), plan_id, json.reason, json.note)
    return Response(status=204)
