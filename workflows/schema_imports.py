"""Ledgers imported from Excel (台账导入; migration 0021): one ``ledger_import`` row per
import run (who, when, which file by name and SHA-256, the column mapping used, progress
counts updated after each batch), and one ``imported_hazard`` row per hazard it brought in
(which sheet row, the sheet's own notice number kept as a reference, the state the row
implied). They live on the engine's ``metadata`` like every other table."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from hazardflow.engine.schema import UtcDateTime, metadata

ledger_import = Table(
    "ledger_import", metadata,
    Column("id", Integer, primary_key=True),
    Column("filename", String(255), nullable=False),  # as uploaded, for display only
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(16), nullable=False),  # running, done, failed
    Column("mapping", Text, nullable=False),  # JSON: field → column letter
    Column("total_rows", Integer, nullable=False),  # rows of the sheet with data
    Column("good_rows", Integer, nullable=False),  # rows without a problem, to import
    Column("imported_rows", Integer, nullable=False),  # written so far (batch by batch)
    Column("error", Text),  # why a batch failed (status failed)
    Index("ix_ledger_import_created_by", "created_by"),
    Index("ix_ledger_import_sha256", "sha256"),
)

imported_hazard = Table(
    "imported_hazard", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("ledger_import.id"), nullable=False),
    Column("hazard_id", Integer, ForeignKey("hazard.id"), nullable=False),
    Column("row_number", Integer, nullable=False),  # the row in the sheet (1-based)
    Column("reference", String(64)),  # the sheet's own 通知书编号, kept as it was written
    # registered, ordered, awaiting_verification, closed (ledger_import.STATES)
    Column("state", String(32), nullable=False),
    UniqueConstraint("hazard_id", name="uq_imported_hazard_hazard_id"),
    UniqueConstraint("import_id", "row_number", name="uq_imported_hazard_import_row"),
)
