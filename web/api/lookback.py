"""API v1: the look-back (回头看): the sample rules and rounds the caller reads, and setting
a commission's sample rule (the city's supervisors for the city, a county's for its own
units). The re-checks are tasks (``/tasks``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from hazardflow.workflows.usecases import lookback as uc

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.common import Envelope, Row
from .serialize import jsonable
from .spec import endpoint

TAG = "lookback"


class LookbackRule(Row):
    """一个机关的回头看抽样规则 (a commission's sample rule)."""

    body_code: str
    body_name: str
    months: int = Field(description="销号后几个月抽取")
    share_pct: int = Field(description="抽样比例（%）")
    at_least: int = Field(description="每轮最少抽取数")
    majors_always: bool = Field(description="重大隐患必查")
    level: str | None = Field(description="只抽该等级（general 一般、major 重大），null 为全部")
    active: bool
    updated_at: datetime


class LookbackSample(Row):
    hazard_code: str
    unit_name: str
    level: str
    why: str = Field(description="major 重大隐患必查, drawn 随机抽中")
    recheck_body: str = Field(description="复查机关（隐患单位所属县区卫健委，市直单位为市卫健委）")
    outcome: str = Field(description="pending 待复查, held 已整改到位, back 隐患复现")
    case_id: int = Field(description="回头看复查案件")
    repeat_hazard_code: str | None = Field(description="隐患复现时重新登记的隐患")


class LookbackRound(Row):
    id: int
    body_code: str
    body_name: str
    period: str = Field(description="本轮抽取的销号月份（YYYY-MM）")
    seed: str = Field(description="随机种子：同一批隐患、同一种子抽取结果相同")
    pool: int = Field(description="可抽取的隐患数")
    drawn_at: datetime
    rule: dict[str, Any] = Field(description="抽取时的规则")
    samples: list[LookbackSample]


class LookbackOverview(Envelope):
    rules: list[LookbackRule]
    rounds: list[LookbackRound]


class LookbackRuleRequest(Envelope):
    body_code: str = Field(min_length=1, max_length=64, description="设定规则的卫健委")
    months: int = Field(ge=1, le=24, description="销号后几个月抽取")
    share_pct: int = Field(ge=0, le=100, description="抽样比例（%）")
    at_least: int = Field(0, ge=0, le=500, description="每轮最少抽取数")
    majors_always: bool = True
    level: Literal["general", "major"] | None = None
    active: bool = True


@bp.get("/lookback")
@login_required
@endpoint("get_lookback", TAG, {200: LookbackOverview})
def overview() -> dict[str, Any]:
    """可见的回头看抽样规则和抽取记录（含每个抽中隐患的复查结论） (the sample rules and
    rounds the caller reads, with each sampled hazard's outcome)"""
    page = uc.page(runtime, current_actor())
    return jsonable({"rules": page["rules"], "rounds": page["rounds"]})


@bp.put("/lookback/rule")
@login_required
@endpoint("set_lookback_rule", TAG, {200: LookbackRule}, errors=(403, 404, 422),
          json=LookbackRuleRequest)
def set_rule(json: LookbackRuleRequest) -> dict[str, Any]:
    """设定回头看抽样规则：市卫健委为全市，县区卫健委为本辖区 (set a commission's sample
    rule: the city's supervisors for the city, a county's for its own units)"""
    return jsonable(uc.set_rule(runtime, current_actor(), json.model_dump()))
