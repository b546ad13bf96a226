"""The 挂牌督办 register: one row per listing of a major hazard for supervision, written by the
lifecycle's service tasks (``hazard.list_supervision``, ``hazard.delist``; migration 0013).
It lives on the engine's ``metadata`` like every other table."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

supervision_listing = Table(
    "supervision_listing", metadata,
    Column("id", Integer, primary_key=True),
    Column("hazard_id", Integer, ForeignKey("hazard.id"), nullable=False),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    # who listed it: the level (county, city) and unit code of the body, and the person
    Column("listed_level", String(8), nullable=False),
    Column("listed_by_body", String(64), nullable=False),
    Column("listed_by_user", String(64), nullable=False),
    Column("listed_at", UtcDateTime, nullable=False),
    Column("listing_reason", Text, nullable=False),
    # 摘牌: when, by whom (body and person) and why; null while it is listed
    Column("delisted_at", UtcDateTime),
    Column("delisted_by_body", String(64)),
    Column("delisted_by_user", String(64)),
    Column("delisting_reason", Text),
    Index("ix_supervision_listing_hazard_id", "hazard_id"),
    Index("ix_supervision_listing_case_id", "case_id"),
)
