"""Tables of evidence files, numbered documents and the legal texts documents cite; they live
on the engine's ``metadata`` (one Alembic history: migrations 0007 and 0014)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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

# A numbered document: a rectification notice (kind "notice") or a re-check (kind "opinion"),
# in the form of its issuing body (``form``: a regulator's 责令限期整改指令书 or 整改复查意见书,
# a unit's own 隐患整改通知单 or 隐患整改验收单; workflows/documents.py FORMS). Dated on the
# order or the re-check (``dated_on``), numbered when signed (签发) by ``issued_by`` at
# ``issued_at``. ``content`` is the JSON of everything else it says, frozen when signed (the
# legal texts, the inspectors and their 执法证号, the key sentences); ``verify_code`` is the
# unguessable code its QR code carries to /verify/<code>; ``pdf_sha256`` the digest of the
# PDF issued (document_file).
document = Table(
    "document", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("form", String(24), nullable=False, server_default="directive"),
    Column("number", String(64), nullable=False),  # 金安卫健责改〔2026〕3号
    Column("issuer_unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("dated_on", String(10)),  # YYYY-MM-DD, the business day of the order or re-check
    Column("title", String(255), nullable=False),
    Column("content", Text, nullable=False, server_default="{}"),
    Column("verify_code", String(64)),
    Column("pdf_sha256", String(64)),
    UniqueConstraint("number", name="uq_document_number"),
    UniqueConstraint("verify_code", name="uq_document_verify_code"),
)

# The PDF as it was issued: served as is afterwards, so its digest stays the one recorded.
document_file = Table(
    "document_file", metadata,
    Column("document_id", Integer, ForeignKey("document.id", ondelete="CASCADE"),
           primary_key=True),
    Column("pdf", LargeBinary, nullable=False),
)

# The hazards a document lists, in order. ``snapshot`` is the JSON of what the document says
# about the case at issue time (hazard fields, requirements, the re-check), so a printed
# document never changes afterwards. ``basis_seq`` is the audit record the document rests on
# for the case: the completion that ordered the rectification (a notice) or recorded the
# re-check (an opinion); one document per order and per re-check (uq_document_case_basis).
document_case = Table(
    "document_case", metadata,
    Column("document_id", Integer, ForeignKey("document.id", ondelete="CASCADE"),
           nullable=False),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("basis_seq", Integer),
    PrimaryKeyConstraint("document_id", "case_id", name="pk_document_case"),
    UniqueConstraint("case_id", "basis_seq", name="uq_document_case_basis"),
    Index("ix_document_case_case_id", "case_id"),
)

# The legal texts a regulator's documents cite (workflows/legal_texts.py): its legal basis by
# article (part notice_basis, opinion_basis) and the appeal-rights sentence (part appeal).
# ``unit_id`` null: every regulator's default; a body's own rows of a part replace the
# defaults of that part. ``level``: empty for every hazard, or general/major only. Seeded
# unconfirmed: ``confirmed_at`` stays null (待法制科确认) until the legal office confirms it;
# editing a text clears it again.
legal_text = Table(
    "legal_text", metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id")),
    Column("part", String(16), nullable=False),
    Column("level", String(16), nullable=False, server_default=""),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("citation", String(255), nullable=False),
    Column("body", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("confirmed_by", String(64)),
    Column("confirmed_at", UtcDateTime),
    Index("ix_legal_text_unit_id_part", "unit_id", "part"),
)

# An inspector's 行政执法证号, printed beside their name on a regulator's documents; set by an
# administrator (workflows/certificates.py). One per user.
enforcement_certificate = Table(
    "enforcement_certificate", metadata,
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"),
           primary_key=True),
    Column("number", String(64), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
