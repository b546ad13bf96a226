"""Inbox tables: saved filters (kept per user, shareable with a role) and task comments."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

saved_filter = Table(
    "saved_filter", metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("query", Text, nullable=False),  # the inbox query string, e.g. "tab=mine&level=major"
    Column("shared_role", String(64)),  # null: only the owner; else everyone holding the role
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_saved_filter_owner_id", "owner_id"),
    Index("ix_saved_filter_shared_role", "shared_role"),
)

comment = Table(
    "comment", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("task_id", Integer, ForeignKey("human_task.id")),
    Column("author", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_comment_case_id", "case_id"),
)
