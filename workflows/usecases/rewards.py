"""Rewards for public reports (举报奖励): the city's tiers, and proposing a reward.

The tiers are the city's (``reward.tiers``: 市卫健委综合监督科); a reward is proposed by the
triage desk or supervisors (``reward.propose``) of the report's unit, within their scope.
The proposal, the city's approval and the payment are then the ``report_reward`` case's
tasks, completed like any task (usecases.tasks.complete). A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazardflow.engine import Actor

from .. import policy, rewards
from ..inputs import whole_number
from ..runtime import Runtime
from ..schema_rewards import report_reward
from ..uow import reading, unit_of_work
from ..users import display_names


def reward_tiers(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """The amount per hazard level, with who set it (by name)."""
    policy.require(actor, "reward.propose")
    with reading(rt) as conn:
        found = rewards.tiers(conn)
        names = display_names(conn, [t["updated_by"] for t in found if t["updated_by"]])
    return [{**t, "updated_by_name": names.get(t["updated_by"], t["updated_by"])}
            for t in found]


def set_reward_tiers(rt: Runtime, actor: Actor, amounts: Mapping[str, Any],
                     note: str = "") -> None:
    """Set the amount (whole yuan, 0 to 1,000,000) of each level given; an empty value
    removes the level's tier. City only."""
    policy.require(actor, "reward.tiers")
    checked = {str(level): None if value in (None, "") else
               whole_number(value, f"amount.{level}", low=0, high=rewards.MAX_AMOUNT)
               for level, value in amounts.items()}
    with unit_of_work(rt) as conn:
        rewards.set_tiers(conn, checked, str(note or "")[:2000], actor.id, rt.now())


def propose_reward(rt: Runtime, actor: Actor, report_id: int) -> int:
    """Start the reward of a 属实 report with a known reporter (its reward id); the amount
    comes from the city's tier for the hazard's level."""
    policy.require(actor, "reward.propose")
    with unit_of_work(rt) as conn:
        policy.require_visible_report(conn, actor, report_id)
        facts = rewards.report_facts(conn, report_id)
        return rewards.open_reward(conn, rt.engine, actor, facts, rt.now())


def reward_list(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """The rewards of the units the actor oversees (the city: all), newest first, with who
    decided by name."""
    policy.require(actor, "reward.propose")
    with reading(rt) as conn:
        found = rewards.list_rewards(
            conn, policy.unit_scope_clause(report_reward.c.unit_id, actor))
        names = display_names(conn, [r["decided_by"] for r in found])
    return [{**r, "decided_by_name": names.get(r["decided_by"] or "", r["decided_by"])}
            for r in found]


def rewards_page(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """What the rewards page shows: the tiers, the rewards in scope, the 属实 reports with a
    known reporter still without one (to propose), whether the actor may
    change the tiers, and the years whose official holidays are unknown (deadlines in working
    days then count Monday to Friday)."""
    with reading(rt) as conn:
        awaiting = rewards.awaiting_proposal(conn, policy.visible_reports(actor))
    return {"tiers": reward_tiers(rt, actor), "rewards": reward_list(rt, actor),
            "awaiting": awaiting,
            "may_set_tiers": policy.allows(actor, "reward.tiers"),
            "unknown_years": rt.calendar.workdays.unknown_soon(rt.calendar.today(rt.now()))}
