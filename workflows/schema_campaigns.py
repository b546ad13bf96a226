"""Tables of the campaign around the cases (migration 0005): campaigns and their themes and
units, checklists, inspections and their item results, the periodic reports of every unit,
spot-check draws and the assessment rules. They live on the engine's ``metadata``.

Campaigns are referred to by ``code`` (the value ``hazard.campaign`` holds). JSON columns
are Text holding canonical JSON.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hazardflow.engine.schema import UtcDateTime, metadata

campaign = Table(
    "campaign", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),  # 2026-YDQ
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("starts_on", String(10), nullable=False),  # YYYY-MM-DD, a business day
    Column("ends_on", String(10), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# A focus theme (汛期, 有限空间...): the hazard category it counts and its checklist.
campaign_theme = Table(
    "campaign_theme", metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaign.id", ondelete="CASCADE"),
           nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("category", String(64), nullable=False),  # ledger.CATEGORIES
    Column("checklist_code", String(64)),
    Column("position", Integer, nullable=False),
    UniqueConstraint("campaign_id", "code", name="uq_campaign_theme_code"),
)

campaign_unit = Table(
    "campaign_unit", metadata,
    Column("campaign_id", Integer, ForeignKey("campaign.id", ondelete="CASCADE"),
           nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    PrimaryKeyConstraint("campaign_id", "unit_id", name="pk_campaign_unit"),
)

# A checklist is versioned (migration 0017): adding or changing an item makes a new version;
# an inspection keeps the version it started with (``inspection.checklist_version``).
checklist = Table(
    "checklist", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("theme", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),  # the current one
    Column("updated_by", String(64)),
    Column("updated_at", UtcDateTime),
)

# An item row is never changed once an inspection may hold it: a change closes the row
# (``version_to``) and adds one from the new version; the row is in the versions
# version_from <= v < version_to (no version_to: still current).
checklist_item = Table(
    "checklist_item", metadata,
    Column("id", Integer, primary_key=True),
    Column("checklist_id", Integer, ForeignKey("checklist.id", ondelete="CASCADE"),
           nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("legal_basis", Text, nullable=False, server_default=""),
    Column("category", String(64), nullable=False),
    # failing it is one of the health-sector major-hazard triggers (a 重大 case)
    Column("major_trigger", Boolean, nullable=False, server_default=text("false")),
    # the item of the 2023 list it checks (major_hazard_item.code), if any
    Column("major_item", String(16)),
    Column("version_from", Integer, nullable=False, server_default=text("1")),
    Column("version_to", Integer),
    UniqueConstraint("checklist_id", "version_from", "position",
                     name="uq_checklist_item_position"),
)

# kinds: self 自查, routine 日常, special 专项, spot_check 抽查, unannounced 暗查暗访,
# supervision 督导. An unannounced inspection stays hidden from its unit until published.
inspection = Table(
    "inspection", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),  # JC-2026-000001
    Column("kind", String(16), nullable=False),
    Column("campaign_code", String(64)),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("checklist_id", Integer, ForeignKey("checklist.id"), nullable=False),
    Column("inspector", String(64), nullable=False),
    Column("inspected_on", String(10), nullable=False),
    Column("location", String(255), nullable=False, server_default=""),
    Column("summary", Text, nullable=False, server_default=""),
    Column("spot_check_id", Integer, ForeignKey("spot_check.id")),
    Column("checklist_version", Integer, nullable=False, server_default=text("1")),
    Column("document_id", Integer),  # the notice listing its hazards, once issued
    Column("visible_to_unit", Boolean, nullable=False, server_default=text("true")),
    Column("published_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_inspection_unit_id", "unit_id"),
    Index("ix_inspection_campaign_code", "campaign_code"),
)

# One checklist item's result; a failed item becomes a hazard case (case_id, hazard_code).
inspection_result = Table(
    "inspection_result", metadata,
    Column("id", Integer, primary_key=True),
    Column("inspection_id", Integer, ForeignKey("inspection.id", ondelete="CASCADE"),
           nullable=False),
    Column("item_id", Integer, ForeignKey("checklist_item.id"), nullable=False),
    Column("result", String(8), nullable=False),  # pass, fail, na
    Column("note", Text, nullable=False, server_default=""),
    Column("location", String(255), nullable=False, server_default=""),
    Column("photos", Text, nullable=False, server_default="[]"),  # JSON evidence ids
    Column("case_id", Integer, ForeignKey("process_case.id")),
    Column("hazard_code", String(32)),
    UniqueConstraint("inspection_id", "item_id", name="uq_inspection_result_item"),
    Index("ix_inspection_result_case_id", "case_id"),
)

# A unit's monthly / quarterly / annual report; its case is the report process.
unit_report = Table(
    "unit_report", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # monthly, quarterly, annual
    Column("period", String(16), nullable=False),  # 2026-12, 2026-Q4, 2026
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("county_code", String(64)),
    Column("case_id", Integer, ForeignKey("process_case.id")),
    Column("campaign_code", String(64)),
    Column("due_on", String(10), nullable=False),  # the last on-time day, a business day
    Column("status", String(16), nullable=False),  # open, submitted
    Column("figures", Text, nullable=False, server_default="{}"),
    Column("narrative", Text, nullable=False, server_default=""),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("filled_at", UtcDateTime),
    Column("submitted_at", UtcDateTime),
    Column("submitted_by", String(64)),
    Column("signed_by", String(64)),
    Column("late", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("kind", "period", "unit_id", name="uq_unit_report_period"),
    UniqueConstraint("case_id", name="uq_unit_report_case_id"),
    Index("ix_unit_report_kind_period", "kind", "period"),
)

# A reproducible random sample of units for spot checks (抽查) or unannounced visits (暗访).
spot_check_draw = Table(
    "spot_check_draw", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),  # CC-2026-001
    Column("title", String(255), nullable=False),
    Column("kind", String(16), nullable=False),  # spot_check, unannounced
    Column("seed", String(64), nullable=False),
    Column("sample_size", Integer, nullable=False),
    Column("stratified", Boolean, nullable=False, server_default=text("false")),
    Column("campaign_code", String(64)),
    Column("population", Text, nullable=False),  # JSON list of the unit codes drawn from
    Column("drawn_by", String(64), nullable=False),
    Column("drawn_at", UtcDateTime, nullable=False),
    Column("notice_no", String(64)),
    Column("summary", Text, nullable=False, server_default=""),
    Column("published_at", UtcDateTime),
    Column("published_by", String(64)),
)

spot_check = Table(
    "spot_check", metadata,
    Column("id", Integer, primary_key=True),
    Column("draw_id", Integer, ForeignKey("spot_check_draw.id", ondelete="CASCADE"),
           nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("inspector", String(64)),
    Column("result", String(16), nullable=False, server_default="pending"),  # passed, failed
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("draw_id", "unit_id", name="uq_spot_check_unit"),
)

# Overrides of the default assessment rules (assessment.DEFAULT_RULES).
assessment_rule = Table(
    "assessment_rule", metadata,
    Column("code", String(32), primary_key=True),
    Column("points", Float, nullable=False),
    Column("cap", Float, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
