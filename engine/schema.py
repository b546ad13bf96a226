"""Tables the runtime owns (SQLAlchemy Core). Alembic manages them; see migrations/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


deployment = Table(
    "deployment", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("filename", String(255)),
    Column("bpmn_xml", Text, nullable=False),
    Column("forms", Text, nullable=False),  # JSON object: form key -> JSON Schema
    Column("deployed_by", String(64), nullable=False),
    Column("deployed_at", UtcDateTime, nullable=False),
)

process_definition = Table(
    "process_definition", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("deployment_id", Integer, ForeignKey("deployment.id"), nullable=False),
    Column("starter_groups", String(1000), nullable=False, server_default=""),
    Column("start_form", String(128)),
    Column("deployed_at", UtcDateTime, nullable=False),
    UniqueConstraint("key", "version", name="uq_process_definition_key_version"),
)

process_case = Table(
    "process_case", metadata,
    Column("id", Integer, primary_key=True),
    Column("definition_id", Integer, ForeignKey("process_definition.id"), nullable=False),
    # active: waits for people or timers; completed; incident: an automatic step failed;
    # terminated: stopped by an operator.
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("business_key", String(128)),
    Column("started_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    # the audit chain's tail (engine/audit.py): appending a record needs no read
    Column("audit_seq", Integer, nullable=False, server_default="0"),
    Column("audit_hash", String(64), nullable=False, server_default="0" * 64),
    Index("ix_process_case_status", "status"),
    Index("ix_process_case_definition_id", "definition_id"),
)

human_task = Table(
    "human_task", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("spiff_task_id", String(36), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("form_key", String(128)),
    Column("state", String(12), nullable=False),  # open, completed, cancelled
    Column("assignee", String(64)),
    Column("priority", Integer, nullable=False, server_default="50"),
    Column("due_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("completed_by", String(64)),
    UniqueConstraint("spiff_task_id", name="uq_human_task_spiff_task_id"),
    Index("ix_human_task_case_id", "case_id"),
    Index("ix_human_task_open_assignee", "assignee", "due_at",
          sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),
    Index("ix_human_task_open_due", "due_at",
          sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),
    Index("ix_human_task_completed_by", "completed_by", "completed_at"),
)

task_candidate = Table(
    "task_candidate", metadata,
    Column("id", Integer, primary_key=True),
    Column("human_task_id", Integer, ForeignKey("human_task.id", ondelete="CASCADE"),
           nullable=False),
    Column("role", String(64), nullable=False),
    Column("unit", String(64)),  # None: the role at any unit
    # (role, unit) finds a group's tasks; with the task id the inbox reads only the index
    Index("ix_task_candidate_role_unit_task", "role", "unit", "human_task_id"),
    Index("ix_task_candidate_human_task_id", "human_task_id"),
)

timer = Table(
    "timer", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id")),
    # start timers have no case yet: they belong to a process key
    Column("process_key", String(128)),
    Column("spiff_task_id", String(36)),
    Column("element_id", String(255), nullable=False),
    Column("expression", String(255)),
    Column("due_at", UtcDateTime, nullable=False),
    Column("fired_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_timer_open_due", "due_at",
          sqlite_where=text("fired_at IS NULL"), postgresql_where=text("fired_at IS NULL")),
    Index("ix_timer_case_id", "case_id"),
)

incident = Table(
    "incident", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("element_id", String(255)),
    Column("spiff_task_id", String(36)),
    Column("origin", String(32), nullable=False),  # completion, timer, outbox, retry, start
    Column("message", Text, nullable=False),
    Column("detail", Text),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("resolved_by", String(64)),
    Index("ix_incident_open", "case_id",
          sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Index("ix_outbox_open", "created_at",
          sqlite_where=text("done_at IS NULL"), postgresql_where=text("done_at IS NULL")),
)

audit_event = Table(
    "audit_event", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("element_id", String(255)),
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("at", UtcDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("redacted", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("case_id", "seq", name="uq_audit_event_case_seq"),
)

# Sealed checkpoints over the audit log (engine/seal.py). Numbered 1, 2, 3... by the sealer,
# not by a sequence, so that a gap always means a deleted checkpoint.
audit_checkpoint = Table(
    "audit_checkpoint", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("key_id", String(16), nullable=False),  # which key sealed it (a fingerprint)
    Column("prev_mac", String(64), nullable=False),
    Column("case_count", Integer, nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 over its heads, sorted by case
    Column("mac", String(64), nullable=False),  # HMAC-SHA256 under a key kept off the database
)

# The heads a checkpoint sealed: each case whose log grew since the previous checkpoint.
# No foreign key to process_case: a deleted case's sealed head must outlive it.
audit_checkpoint_head = Table(
    "audit_checkpoint_head", metadata,
    Column("checkpoint_id", Integer, ForeignKey("audit_checkpoint.id"), primary_key=True),
    Column("case_id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_checkpoint_head_case_seq", "case_id", "seq"),
)
