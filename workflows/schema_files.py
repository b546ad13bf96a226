"""Tables of evidence files and numbered documents; they live on the engine's ``metadata``
(one Alembic history, migration 0007)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hazardflow.engine.schema import UtcDateTime, metadata

# One uploaded file (photo, PDF, office document, text). The bytes live in the storage
# (workflows.evidence.Storage) under ``storage_key``; images also have a JPEG thumbnail.
# Unattached (case_id null) until the form that names it starts a case or completes a task.
evidence = Table(
    "evidence", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id")),
    Column("task_id", Integer, ForeignKey("human_task.id")),
    Column("kind", String(16), nullable=False),  # before, after, document, other
    Column("filename", String(255), nullable=False),  # as uploaded, for display only
    Column("content_type", String(128), nullable=False),  # found from the content
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(128), nullable=False),
    Column("thumb_key", String(128)),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Index("ix_evidence_case_id", "case_id"),
    Index("ix_evidence_uploaded_by", "uploaded_by"),
)

# A numbered document: 整改通知书 (kind "notice") or 复查意见书 (kind "opinion").
document = Table(
    "document", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("number", String(64), nullable=False),  # 金安卫健整改〔2026〕3号
    Column("issuer_unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("title", String(255), nullable=False),
    UniqueConstraint("number", name="uq_document_number"),
)

# The hazards a document lists, in order. ``snapshot`` is the JSON of what the document says
# about the case at issue time (hazard fields, requirements, the re-check), so a printed
# document never changes afterwards.
document_case = Table(
    "document_case", metadata,
    Column("document_id", Integer, ForeignKey("document.id", ondelete="CASCADE"),
           nullable=False),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),
    PrimaryKeyConstraint("document_id", "case_id", name="pk_document_case"),
    Index("ix_document_case_case_id", "case_id"),
)
