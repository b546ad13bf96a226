"""API v1: duty rosters (值班备勤): today's officers of every unit in scope; a unit's monthly
roster, read by who the unit is in scope of and replaced by its keepers; swaps (asked,
answered by the colleague, decided by the keeper); the city's declared higher levels."""

from __future__ import annotations

from typing import Any

from hazardflow.workflows.duty import MONTH_PATTERN, Person, Roster
from hazardflow.workflows.duty_levels import Level, Shortfall
from hazardflow.workflows.duty_swaps import Swap
from hazardflow.workflows.usecases import duty as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.duty import (
    DutyLevelDeclared,
    DutyLevelRequest,
    DutyLevels,
    DutyRoster,
    DutyRosterRequest,
    DutySwap,
    DutySwapAnswer,
    DutySwapDecision,
    DutySwapRequest,
    DutyToday,
)
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
@endpoint("get_duty_roster", TAG, {200: DutyRoster}, errors=(403, 404, 422), path=MONTH)
def get_roster(code: str, month: str) -> dict[str, Any]:
    """单位某月的值班表：本单位、所属县区和市卫健委可查看 (a unit's roster of a month: the
    unit, its county and the city read it)"""
    view = uc.roster(runtime, current_actor(), code, month)
    return _roster(view.roster, view.may_keep)


@bp.put("/units/<code>/rosters/<month>")
@login_required
@endpoint("put_duty_roster", TAG, {200: DutyRoster}, errors=(403, 404, 422),
          json=DutyRosterRequest, path=MONTH)
def put_roster(code: str, month: str, json: DutyRosterRequest) -> dict[str, Any]:
    """整月替换值班表：单位安全管理员或主要负责人；卫健委由其监管人员 (replace a unit's
    month: its safety officer or principal; a commission's supervisors)"""
    plan = {day: {"leader": p.leader, "staff": p.staff} for day, p in json.days.items()}
    saved = uc.save_roster(runtime, current_actor(), code, month, plan, json.duty_phone,
                           json.phones)
    return _roster(saved, True)


def _swap(swap: Swap) -> dict[str, Any]:
    return jsonable({
        "id": swap.id, "unit_code": swap.unit_code, "month": swap.month, "day": swap.day,
        "other_day": swap.other_day, "post": swap.post, "requester": swap.requester,
        "colleague": swap.colleague, "reason": swap.reason, "status": swap.status,
        "decided_by": swap.decided_by, "decision_note": swap.decision_note})


def _level(level: Level) -> dict[str, Any]:
    return jsonable({"id": level.id, "name": level.name, "starts_on": level.starts_on,
                     "ends_on": level.ends_on, "min_leaders": level.min_leaders,
                     "min_staff": level.min_staff})


@bp.post("/units/<code>/rosters/<month>/swaps")
@login_required
@endpoint("request_duty_swap", TAG, {201: DutySwap}, errors=(403, 404, 409, 422),
          json=DutySwapRequest, path=MONTH)
def request_swap(code: str, month: str, json: DutySwapRequest) -> tuple[dict[str, Any], int]:
    """申请换班：请本单位同事代自己某日值班 (ask a colleague to take one's duty on a day)"""
    swap = uc.request_swap(runtime, current_actor(), code, month, json.day.isoformat(),
                           json.colleague, json.reason,
                           json.other_day.isoformat() if json.other_day else None)
    return _swap(swap), 201


@bp.post("/duty/swaps/<int:swap_id>/answer")
@login_required
@endpoint("answer_duty_swap", TAG, {200: DutySwap}, errors=(403, 404, 409), json=DutySwapAnswer)
def answer_swap(swap_id: int, json: DutySwapAnswer) -> dict[str, Any]:
    """被请求的同事同意或婉拒 (the colleague asked accepts or declines)"""
    return _swap(uc.answer_swap(runtime, current_actor(), swap_id, json.accept))


@bp.post("/duty/swaps/<int:swap_id>/decision")
@login_required
@endpoint("decide_duty_swap", TAG, {200: DutySwap}, errors=(403, 404, 409), json=DutySwapDecision)
def decide_swap(swap_id: int, json: DutySwapDecision) -> dict[str, Any]:
    """值班表管理人员批准（值班表随之变更）或不批准 (the keeper approves, changing the
    roster, or rejects)"""
    return _swap(uc.decide_swap(runtime, current_actor(), swap_id, json.approve, json.note))


@bp.get("/duty/levels")
@login_required
@endpoint("list_duty_levels", TAG, {200: DutyLevels})
def list_levels() -> dict[str, Any]:
    """已宣布的提级值班时段 (the declared periods of higher duty)"""
    return {"items": [_level(lv) for lv in uc.levels(runtime, current_actor())]}


@bp.post("/duty/levels")
@login_required
@endpoint("declare_duty_level", TAG, {201: DutyLevelDeclared}, errors=(403, 422),
          json=DutyLevelRequest)
def declare_level(json: DutyLevelRequest) -> tuple[dict[str, Any], int]:
    """市卫健委宣布提级值班时段，人员不足的值班表管理人员收到通知 (the city declares a period
    of higher duty; keepers of rosters that fall short are notified)"""
    level, told = uc.declare_level(runtime, current_actor(), json.name,
                                   json.starts_on.isoformat(), json.ends_on.isoformat(),
                                   json.min_leaders, json.min_staff)
    return {"level": _level(level), "units_told": told}, 201
