"""Tables of the look-back (回头看): the sample rule a commission sets, the rounds drawn by
it and the hazards each round sampled with the re-check's outcome. They live on the
engine's ``metadata`` (one Alembic history: migration 0029).

A sampled hazard follows its own small BPMN case (``lookback``): the re-check task sits in
the supervising body's inbox; its service tasks write the outcome here. A hazard is looked
back at most once (``hazard_id`` unique); found back (隐患复现), the sample names the new
hazard case opened as its repeat (``repeat_case_id``), which the assessment counts.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hazardflow.engine.schema import UtcDateTime, metadata

from .schema import hazard, unit

# One rule per commission: the city's for the whole city (except the areas of counties
# with their own rule), a county-level body's for its own units. ``level``: general or
# major to sample only that level, NULL for both.
lookback_rule = Table(
    "lookback_rule", metadata,
    Column("body_id", Integer, ForeignKey(unit.c.id), primary_key=True),
    Column("months", Integer, nullable=False),
    Column("share_pct", Integer, nullable=False),
    Column("at_least", Integer, nullable=False, server_default="0"),
    Column("majors_always", Boolean, nullable=False, server_default=text("true")),
    Column("level", String(16)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One round per body and closing month (``period``, YYYY-MM in business time): the
# hazards closed that month, drawn ``months`` later with ``seed``; ``rule`` is the rule as
# it was (JSON), ``pool`` how many hazards could be drawn.
lookback_round = Table(
    "lookback_round", metadata,
    Column("id", Integer, primary_key=True),
    Column("body_id", Integer, ForeignKey(unit.c.id), nullable=False),
    Column("period", String(7), nullable=False),
    Column("seed", String(128), nullable=False),
    Column("rule", Text, nullable=False),
    Column("pool", Integer, nullable=False),
    Column("drawn_by", String(64), nullable=False),
    Column("drawn_at", UtcDateTime, nullable=False),
    UniqueConstraint("body_id", "period", name="uq_lookback_round_body_period"),
)

# ``why``: major (重大隐患必查) or drawn (抽中); ``outcome``: pending (待复查), held
# (已整改到位), back (隐患复现).
lookback_sample = Table(
    "lookback_sample", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, ForeignKey("lookback_round.id"), nullable=False),
    Column("hazard_id", Integer, ForeignKey(hazard.c.id), nullable=False, unique=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False, unique=True),
    Column("recheck_body", String(64), nullable=False),
    Column("why", String(16), nullable=False),
    Column("outcome", String(16), nullable=False, server_default="pending"),
    Column("note", Text),
    Column("done_by", String(64)),
    Column("done_at", UtcDateTime),
    Column("repeat_case_id", Integer, ForeignKey("process_case.id"), unique=True),
    Column("repeat_hazard_code", String(32)),
    Index("ix_lookback_sample_round_id", "round_id"),
)
