"""Tables of the designer: saved drafts, and migration batches with each case's result.

They live on the engine's ``metadata`` (one Alembic history; migration 0006).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

# A diagram being edited. Never deployed by itself, never seen by the runtime.
designer_draft = Table(
    "designer_draft", metadata,
    Column("id", Integer, primary_key=True),
    Column("process_key", String(128)),  # the first executable process id, when it has one
    Column("name", String(255), nullable=False),
    Column("bpmn_xml", Text, nullable=False),
    Column("forms", Text, nullable=False, server_default="{}"),  # JSON: form key -> schema
    Column("base_version", Integer),  # the deployed version it was opened from
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("created_by", String(64), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_designer_draft_process_key", "process_key"),
)

# One request to move the running cases of a version to another version.
migration_batch = Table(
    "migration_batch", metadata,
    Column("id", Integer, primary_key=True),
    Column("process_key", String(128), nullable=False),
    Column("from_version", Integer, nullable=False),
    Column("to_version", Integer, nullable=False),
    Column("mapping", Text, nullable=False, server_default="{}"),  # JSON: old id -> new id
    Column("status", String(16), nullable=False),  # running, done
    Column("total", Integer, nullable=False, server_default="0"),
    Column("moved", Integer, nullable=False, server_default="0"),
    Column("blocked", Integer, nullable=False, server_default="0"),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
)

migration_case = Table(
    "migration_case", metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("migration_batch.id", ondelete="CASCADE"),
           nullable=False),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("status", String(16), nullable=False),  # pending, moved, blocked
    Column("reason", Text),
    Column("from_revision", Integer),
    Column("to_revision", Integer),
    Column("at", UtcDateTime),
    Index("ix_migration_case_batch_id", "batch_id", "status"),
)
