"""Domain tables: the organisation, users and roles, the hazard ledger, counters and
notifications. They live on the engine's ``metadata`` so one Alembic history covers both.
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

# The organisation tree: 市卫健委 → 县区卫健委 / 开发区卫健办 / 市直单位 → 医疗卫生机构.
unit = Table(
    "unit", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),  # LA, LA-JA, LA-JA-H01
    Column("name", String(255), nullable=False),
    # Issuing-body short name on numbered documents (金安卫健整改〔2026〕1号); else the code.
    Column("short_name", String(64)),
    # city_commission, county_commission, dev_zone_office, city_direct, institution
    Column("kind", String(32), nullable=False),
    Column("parent_id", Integer, ForeignKey("unit.id")),
    # The supervising county-level body (县区卫健委 or 开发区卫健办, itself included); the city
    # commission's code for city-direct units and what lies below them; null for the city.
    Column("county_code", String(64)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Index("ix_unit_parent_id", "parent_id"),
    Index("ix_unit_county_code", "county_code"),
)

app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("password_hash", String(255), nullable=False),  # argon2id
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # set when an administrator chose the password (new user, reset): the user must pick
    # their own at the next page sign-in before doing anything else
    Column("must_change_password", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

user_role = Table(
    "user_role", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(64), nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id")),  # null for admin and designer
    # NULLs are distinct in unique constraints: users.add_role checks before inserting.
    UniqueConstraint("user_id", "role", "unit_id", name="uq_user_role_user_role_unit"),
    Index("ix_user_role_role_unit_id", "role", "unit_id"),
)

# The ledger (台账): one row per hazard case, kept in step with the case by HazardLedger.
hazard = Table(
    "hazard", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),  # YH-2026-000123
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False, unique=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("county_code", String(64)),  # copied from the unit, for scoping
    Column("location", String(255), nullable=False, server_default=""),
    Column("category", String(64), nullable=False, server_default=""),
    Column("level", String(16), nullable=False),  # general, major
    Column("description", Text, nullable=False, server_default=""),
    # self_inspection, inspection, spot_check, unannounced, public_report (ledger.SOURCES)
    Column("source", String(32), nullable=False, server_default=""),
    Column("campaign", String(128)),
    Column("status", String(16), nullable=False),  # open, closed, voided
    Column("stage", String(255)),  # names of the open human tasks, joined by 、
    Column("deadline", String(10)),  # YYYY-MM-DD, a business day (HAZARDFLOW_BUSINESS_TZ)
    Column("responsible_user", String(64)),
    Column("notice_no", String(64)),
    Column("reported_by", String(64), nullable=False),
    Column("reported_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    # False keeps an unannounced-visit (暗访) finding from the unit it concerns until published.
    Column("visible_to_unit", Boolean, nullable=False, server_default=text("true")),
    Column("published_at", UtcDateTime),
    # Who found it: the level (unit, county, city) and unit code of the body whose staff
    # registered it; who ordered its rectification: the body, the person, whether it is a
    # regulator's order or the unit's own (order_kind regulator | unit), and the business day
    # of the order; a major hazard's report to the 应急管理 department (workflows/authority.py).
    Column("found_by_level", String(8)),
    Column("found_by_body", String(64)),
    Column("order_kind", String(16)),
    Column("ordered_by_body", String(64)),
    Column("ordered_by_user", String(64)),
    Column("ordered_on", String(10)),  # YYYY-MM-DD
    Column("emergency_reported_on", String(10)),  # YYYY-MM-DD
    Index("ix_hazard_unit_id", "unit_id"),
    Index("ix_hazard_county_code_status", "county_code", "status"),
    Index("ix_hazard_level_status", "level", "status"),
    Index("ix_hazard_category", "category"),
    Index("ix_hazard_campaign", "campaign"),
)

# Named sequences: notice numbers per issuing body per year, hazard codes per year.
counter = Table(
    "counter", metadata,
    Column("name", String(128), primary_key=True),
    Column("value", Integer, nullable=False),
)

# To one user (user_id) or to everyone holding a role at a unit (role, unit_id; unit_id
# null: the role anywhere).
notification = Table(
    "notification", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE")),
    Column("role", String(64)),
    Column("unit_id", Integer, ForeignKey("unit.id")),
    Column("case_id", Integer, ForeignKey("process_case.id")),
    Column("kind", String(32), nullable=False),
    Column("title", String(255), nullable=False),
    Column("body", Text, nullable=False),
    # the title's and body's parts (workflows/phrases.py), for a page to say them in the
    # reader's language; none for a notice written before them
    Column("said", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
    # The human task it is about (new task, due soon, overdue), for its link and dedupe.
    Column("task_id", Integer, ForeignKey("human_task.id")),
    # Set on notifications that must exist once (kind, task, recipient): a second sweep or a
    # racing driver collides here instead of notifying twice.
    Column("once_key", String(160)),
    UniqueConstraint("once_key", name="uq_notification_once_key"),
    Index("ix_notification_user_id_read_at", "user_id", "read_at"),
    Index("ix_notification_role_unit_id", "role", "unit_id"),
    Index("ix_notification_task_id_kind", "task_id", "kind"),
)

# One row per escalation step already taken for a case, so that a step marked
# ``once_per`` (e.g. once per deadline) is never repeated when its task is re-entered.
# ``skipped``: not sent, a later rung was due when the ladder was armed (workflows/ladder.py).
escalation_sent = Table(
    "escalation_sent", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("once_key", String(255), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("skipped", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("case_id", "element_id", "once_key", name="uq_escalation_sent_step"),
)
