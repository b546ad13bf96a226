"""Tables of the emergency plans (应急预案): each unit's plans, their versions, their drills
(演练) with the problems found, and the revision and drill cycle per kind of plan. They live
on the engine's ``metadata`` (one Alembic history: migration 0025).

A plan follows its BPMN case (``emergency_plan``): the service tasks ``plan.*`` keep the
``emergency_plan`` row in step (drafting, approval, filing 备案, in force, revision due);
who did what and when is in the case's audit chain.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

from .schema import unit

# How often each kind of plan is revised and drilled, and how long its unit has once a
# revision or a drill is due (the city sets them; workflows/emergency_plans.DEFAULT_CYCLES
# holds the values used for a kind with no row).
plan_cycle = Table(
    "plan_cycle", metadata,
    Column("kind", String(16), primary_key=True),
    Column("revision_months", Integer, nullable=False),
    Column("drill_months", Integer, nullable=False),
    Column("revise_days", Integer, nullable=False),
    Column("drill_days", Integer, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One plan of a unit. ``kind``: comprehensive (综合预案), special (专项预案), onsite
# (现场处置方案). ``status``: drafting, approving, filing, returned (备案退回), in_force.
emergency_plan = Table(
    "emergency_plan", metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(unit.c.id), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("case_id", Integer, ForeignKey("process_case.id"), unique=True),
    Column("status", String(16), nullable=False),
    Column("current_version_id", Integer),  # the version in force (filed), if any
    Column("filed_on", Date),
    Column("revision_due_on", Date),  # the next regular revision (every N months)
    Column("drill_due_on", Date),  # the next drill
    Column("revise_by", Date),  # while a revision is open: its deadline
    Column("revision_reason", Text),  # why the open revision was started
    Column("return_reason", Text),  # the last refusal (approval or filing)
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_emergency_plan_unit_id", "unit_id"),
)

# Each version submitted. ``status``: submitted, approved, returned (by the principal),
# filed, refused (filing returned by the commission), superseded.
plan_version = Table(
    "plan_version", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("emergency_plan.id"), nullable=False),
    Column("label", String(32), nullable=False),  # 版本号, e.g. 2026版 / V3.0
    Column("summary", Text, nullable=False),  # 修订说明
    Column("file_ref", String(32), nullable=False),  # the evidence (ev-12)
    Column("status", String(16), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("approved_by", String(64)),
    Column("approved_at", UtcDateTime),
    Column("filed_by", String(64)),
    Column("filed_at", UtcDateTime),
    Column("reason", Text),  # why it was returned
    Index("ix_plan_version_plan_id", "plan_id"),
)

# One drill (演练) of a plan.
plan_drill = Table(
    "plan_drill", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("emergency_plan.id"), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("scenario", Text, nullable=False),
    Column("participants", Text, nullable=False),
    Column("evaluation", Text, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_plan_drill_plan_id", "plan_id"),
)

# A problem a drill found, its rectification, and the hazard case it opened (if any).
drill_problem = Table(
    "drill_problem", metadata,
    Column("id", Integer, primary_key=True),
    Column("drill_id", Integer, ForeignKey("plan_drill.id"), nullable=False),
    Column("description", Text, nullable=False),
    Column("rectification", Text, nullable=False, server_default=""),
    Column("hazard_case_id", Integer, ForeignKey("process_case.id")),
    Index("ix_drill_problem_drill_id", "drill_id"),
    Index("ix_drill_problem_hazard_case_id", "hazard_case_id"),
)
