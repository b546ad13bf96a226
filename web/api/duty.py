"""API v1: duty rosters (值班备勤): today's officers of every unit in scope, and a unit's
monthly roster, read by who the unit is in scope of and replaced by its keepers."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.duty import MONTH_PATTERN, Person, Roster
from hazardflow.workflows.duty_levels import Shortfall
from hazardflow.workflows.usecases import duty as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.duty import DutyToday, RosterRequest
from .models.duty import Roster as RosterModel
from .serialize import jsonable
from .spec import endpoint

TAG = "duty"
MONTH = {"month": {"pattern": MONTH_PATTERN.pattern, "examples": ["2026-12"]}}


def _people(people: list[Person]) -> list[dict[str, Any]]:
    return [{"name": p.name, "username": p.username, "phone": p.phone} for p in people]


def _short(short: Shortfall | None) -> dict[str, Any] | None:
    if short is None:
        return None
    return {"names": list(short.names), "min_leaders": short.min_leaders,
            "min_staff": short.min_staff, "leaders": short.leaders, "staff": short.staff}


def _roster(roster: Roster, may_keep: bool) -> dict[str, Any]:
    return jsonable({
        "unit_code": roster.unit.code, "unit_name": roster.unit.name, "month": roster.month,
        "exists": roster.exists, "duty_phone": roster.duty_phone,
        "updated_at": roster.updated_at, "may_keep": may_keep,
        "days": [{"day": d.day, "leaders": _people(d.leaders), "staff": _people(d.staff),
                  "shortfall": _short(d.shortfall)} for d in roster.days],
        "levels": [{"id": lv.id, "name": lv.name, "starts_on": lv.starts_on,
                    "ends_on": lv.ends_on, "min_leaders": lv.min_leaders,
                    "min_staff": lv.min_staff} for lv in roster.levels]})


@bp.get("/duty/today")
@login_required
@endpoint("duty_today", TAG, {200: DutyToday})
def duty_today() -> dict[str, Any]:
    """今日值班：辖区内每个单位的带班领导和值班人员（业务时区），按县区分组 (today's leader
    and staff on duty at every unit in scope, in business time, by county)"""
    view = uc.today(runtime, current_actor())
    return jsonable({"day": view.day, "counties": [
        {"code": c.code, "name": c.name, "units": [
            {"code": u.code, "name": u.name, "leaders": _people(u.leaders),
             "staff": _people(u.staff), "duty_phone": u.duty_phone, "rostered": u.rostered,
             "shortfall": _short(u.shortfall)} for u in c.units]}
        for c in view.counties]})


@bp.get("/units/<code>/rosters/<month>")
@login_required
@endpoint("get_roster", TAG, {200: RosterModel}, errors=(403, 404, 422), path=MONTH)
def get_roster(code: str, month: str) -> dict[str, Any]:
    """单位某月的值班表：本单位、所属县区和市卫健委可查看 (a unit's roster of a month: the
    unit, its county and the city read it)"""
    view = uc.roster(runtime, current_actor(), code, month)
    return _roster(view.roster, view.may_keep)


@bp.put("/units/<code>/rosters/<month>")
@login_required
@endpoint("put_roster", TAG, {200: RosterModel}, errors=(403, 404, 422), json=RosterRequest,
          path=MONTH)
def put_roster(code: str, month: str, json: RosterRequest) -> dict[str, Any]:
    """整月替换值班表：单位安全管理员或主要负责人；卫健委由其监管人员 (replace a unit's
    month: its safety officer or principal; a commission's supervisors)"""
    plan = {day: {"leader": p.leader, "staff": p.staff} for day, p in json.days.items()}
    saved = uc.save_roster(runtime, current_actor(), code, month, plan, json.duty_phone,
                           json.phones)
    return _roster(saved, True)
