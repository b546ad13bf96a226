"""Tables of public reports (举报投诉): what a member of the public filed at ``/report``, the
photos they sent, and the links between near-identical reports (疑似重复). They live on the
engine's ``metadata`` (one Alembic history: migration 0019).

A report's contact details are never stored in clear: ``contact_enc`` is a Fernet token
(workflows/public_reports_keys.py) that only the triage role of the unit's county has
decrypted for it. The PIN is an argon2id hash, like a password.
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

# One report. ``status``: received (已受理), rejected (不予受理), verifying (核查中),
# substantiated (属实), unfounded (不属实), closed (已办结); ``finding`` keeps 属实/不属实
# once the report is closed. ``reporter_known``: named with a way to reach them (the reward
# path needs it); ``hazard_level``: the level of the hazard opened from it (general, major).
public_report = Table(
    "public_report", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),  # JB7K3M9Q2X, the tracking code
    Column("pin_hash", String(255), nullable=False),  # argon2id
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("county_code", String(64)),  # the unit's supervising body, for scoping
    Column("place", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("anonymous", Boolean, nullable=False, server_default=text("true")),
    Column("reporter_known", Boolean, nullable=False, server_default=text("false")),
    Column("contact_enc", Text),  # Fernet token of {"name", "phone", "email"}; null: none
    Column("status", String(16), nullable=False),
    Column("finding", String(16)),  # substantiated, unfounded
    Column("reject_reason", Text),  # internal, the triage role's
    Column("finding_note", Text),  # internal, the inspector's reasoning
    Column("public_reply", Text),  # what the reporter reads at /report/track
    Column("hazard_level", String(16)),
    Column("case_id", Integer, ForeignKey("process_case.id")),  # the triage case
    Column("hazard_id", Integer, ForeignKey("hazard.id")),  # opened when 属实
    # a keyed hash of the sender's address (abuse analysis; the address itself is not kept)
    Column("source_hash", String(64), nullable=False, server_default=""),
    Column("channel", String(8), nullable=False, server_default="web"),  # web, api
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Index("ix_public_report_unit_id_created_at", "unit_id", "created_at"),
    Index("ix_public_report_county_code_status", "county_code", "status"),
    Index("ix_public_report_case_id", "case_id"),
)

# The photos of a report: evidence rows (workflows/evidence.py), attached to the triage case.
public_report_photo = Table(
    "public_report_photo", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("public_report.id", ondelete="CASCADE"),
           nullable=False),
    Column("evidence_id", Integer, ForeignKey("evidence.id"), nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("report_id", "position", name="uq_public_report_photo_position"),
)

# A later report linked to an earlier one (``kind`` duplicate: 疑似重复, same unit, similar
# text within the window); both stay and are triaged, the link only says so.
public_report_link = Table(
    "public_report_link", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("public_report.id", ondelete="CASCADE"),
           nullable=False),
    Column("other_id", Integer, ForeignKey("public_report.id", ondelete="CASCADE"),
           nullable=False),
    Column("kind", String(16), nullable=False),
    Column("score", Integer, nullable=False),  # similarity in percent
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("report_id", "other_id", name="uq_public_report_link_pair"),
    Index("ix_public_report_link_other_id", "other_id"),
)
