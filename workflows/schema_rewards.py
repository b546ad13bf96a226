"""Tables of the rewards for public reports (举报奖励): the city's tiers by level of hazard
and one reward record per report. They live on the engine's ``metadata`` (one Alembic
history: migration 0023).

A reward record follows its BPMN case (``report_reward``): the service task
``reward.record`` writes each step's outcome here (proposed, approved, returned, refused,
paid); who did what and when is in the case's audit chain.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

from .schema import unit

# The amount the city sets for a 属实 report by the level of the hazard it revealed
# (general 一般隐患, major 重大隐患: workflows/ledger.LEVELS), in whole yuan.
reward_tier = Table(
    "reward_tier", metadata,
    Column("level", String(16), primary_key=True),
    Column("amount", Integer, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One reward per report. ``status``: proposing (拟定中), proposed (待审批), approved (待发放),
# refused (不予奖励), paid (已发放). Amounts in whole yuan.
report_reward = Table(
    "report_reward", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("public_report.id"), nullable=False, unique=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False, unique=True),
    Column("unit_id", Integer, ForeignKey(unit.c.id), nullable=False),
    Column("hazard_level", String(16), nullable=False),
    Column("tier_amount", Integer, nullable=False),  # the tier when proposed
    Column("amount", Integer),  # proposed (the tier's, or adjusted with a reason)
    Column("amount_reason", Text),
    Column("status", String(16), nullable=False),
    Column("decision_reason", Text),  # the city's reason to send back or refuse
    Column("decided_by", String(64)),
    Column("decided_at", UtcDateTime),
    Column("paid_on", Date),
    Column("paid_amount", Integer),
    Column("payment_ref", String(128)),
    Column("proposed_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_report_reward_status", "status"),
)
