"""Tables of the classification of hazards by the 2023 list (migration 0016): the items of
the 医疗机构重大事故隐患判定清单（试行） as seeded reference data, and how each registered
hazard was classified against it. They live on the engine's ``metadata``."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

# One item or sub-item of the list: 一 is "1", 二（二） is "2.2". An item with sub-items is
# chosen by its sub-items (``parent_code`` names the item above).
major_hazard_item = Table(
    "major_hazard_item", metadata,
    Column("code", String(16), primary_key=True),
    Column("list_code", String(16), nullable=False),  # "2023"
    Column("parent_code", String(16)),
    Column("position", Integer, nullable=False),
    Column("number", String(16), nullable=False),  # 一, （二）
    Column("text", Text, nullable=False),
    Column("category", String(64)),  # ledger.CATEGORIES, for the item's own area
)

# A hazard's classification when it was registered: the list item the reporter picked (or
# none), the level it was registered at, and the reason recorded to keep a listed hazard 一般.
hazard_classification = Table(
    "hazard_classification", metadata,
    Column("case_id", Integer, ForeignKey("process_case.id"), primary_key=True),
    Column("item_code", String(16), ForeignKey("major_hazard_item.code"), nullable=False),
    Column("level", String(8), nullable=False),
    Column("reason", Text),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_hazard_classification_item_code", "item_code"),
)
