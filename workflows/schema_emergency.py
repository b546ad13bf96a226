"""The one map of readiness (应急一张图): the tables of ``workflows/emergency*.py`` and
``workflows/map*.py`` (migration 0024).

Every place is stored in WGS-84 (``lat``, ``lng``: what phones and GPS report). A unit's
own place, and for a medical institution its type and grade, is ``unit_location`` (one row
per unit). Emergency teams (``emergency_team``, members in ``emergency_team_member``),
supply depots (``supply_depot``, items with quantity and expiry in ``supply_item``) and
major hazard sources (``major_hazard_source``) each belong to a unit. An item's
``notified_state`` is the last expiry state its keeper was told of (expiring, expired).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata


def _place() -> list[Column[Any]]:
    return [Column("lat", Float, nullable=False), Column("lng", Float, nullable=False),
            Column("address", String(255), nullable=False, server_default="")]


def _stamp() -> list[Column[Any]]:
    return [Column("updated_at", UtcDateTime, nullable=False),
            Column("updated_by", String(64), nullable=False)]


unit_location = Table(
    "unit_location", metadata,
    Column("unit_id", Integer, ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
    *_place(),
    Column("facility_type", String(32)),  # 综合医院, 中医医院, 妇幼保健院, 疾控中心…
    Column("grade", String(16)),  # 三级甲等, 二级甲等, 一级, 未定级
    *_stamp(),
)

emergency_team = Table(
    "emergency_team", metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("speciality", String(64), nullable=False),  # 医疗救治, 卫生应急, 消防…
    *_place(),
    Column("notes", Text, nullable=False, server_default=""),
    *_stamp(),
    Index("ix_emergency_team_unit_id", "unit_id"),
)

emergency_team_member = Table(
    "emergency_team_member", metadata,
    Column("id", Integer, primary_key=True),
    Column("team_id", Integer, ForeignKey("emergency_team.id", ondelete="CASCADE"),
           nullable=False),
    Column("name", String(64), nullable=False),
    Column("role", String(64), nullable=False, server_default=""),  # 队长, 队员…
    Column("phone", String(32), nullable=False, server_default=""),
    Index("ix_emergency_team_member_team_id", "team_id"),
)

supply_depot = Table(
    "supply_depot", metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("name", String(128), nullable=False),
    *_place(),
    Column("keeper_id", Integer, ForeignKey("app_user.id")),  # who keeps it (保管人)
    Column("phone", String(32), nullable=False, server_default=""),
    *_stamp(),
    Index("ix_supply_depot_unit_id", "unit_id"),
)

supply_item = Table(
    "supply_item", metadata,
    Column("id", Integer, primary_key=True),
    Column("depot_id", Integer, ForeignKey("supply_depot.id", ondelete="CASCADE"),
           nullable=False),
    Column("name", String(128), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_label", String(16), nullable=False, server_default=""),  # 件, 箱, 支
    Column("expires_on", String(10)),  # YYYY-MM-DD; null: does not expire
    Column("notified_state", String(16)),  # expiring, expired: what the keeper was told
    Index("ix_supply_item_depot_id", "depot_id"),
    Index("ix_supply_item_expires_on", "expires_on"),
)

major_hazard_source = Table(
    "major_hazard_source", metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("kind", String(64), nullable=False),  # 液氧站, 危险化学品库, 锅炉…
    Column("level", String(8), nullable=False),  # 一级 … 四级
    *_place(),
    Column("notes", Text, nullable=False, server_default=""),
    *_stamp(),
    Index("ix_major_hazard_source_unit_id", "unit_id"),
)
