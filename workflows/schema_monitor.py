"""Tables of the supervisor's monitor: stuck-case thresholds, repair batches and their
per-case results, deadline-extension requests, and the dashboard's rollup of the ledger.

They live on the engine's ``metadata`` (one Alembic history: migration 0004). The indexes
declared here on the engine's and the ledger's tables serve the monitor's queries.
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

from hazardflow.engine.schema import UtcDateTime, human_task, incident, metadata

from .schema import hazard

# N days after which a task counts as unclaimed / a case as idle at one element.
# element_id "" is the process-wide default; process_key "*" applies to every process.
monitor_threshold = Table(
    "monitor_threshold", metadata,
    Column("id", Integer, primary_key=True),
    Column("process_key", String(128), nullable=False),
    Column("element_id", String(255), nullable=False, server_default=""),
    Column("kind", String(16), nullable=False),  # unclaimed, idle
    Column("days", Integer, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("process_key", "element_id", "kind", name="uq_monitor_threshold_key"),
)

# One bulk repair: what, why, by whom, and how far it has got (the page polls this row).
repair_batch = Table(
    "repair_batch", metadata,
    Column("id", Integer, primary_key=True),
    Column("action", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("params", Text, nullable=False, server_default="{}"),  # JSON
    Column("status", String(16), nullable=False),  # running, done
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("succeeded", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Index("ix_repair_batch_actor", "actor", "created_at"),
)

repair_result = Table(
    "repair_result", metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("repair_batch.id", ondelete="CASCADE"),
           nullable=False),
    Column("case_id", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # ok, failed (again), refused
    Column("message", Text, nullable=False, server_default=""),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_repair_result_batch_id", "batch_id", "id"),
)

# 延期: the unit asks for a later deadline, a supervisor approves (the timers move) or not.
extension_request = Table(
    "extension_request", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("old_deadline", String(10)),
    Column("new_deadline", String(10), nullable=False),
    Column("status", String(16), nullable=False),  # pending, approved, rejected
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", UtcDateTime),
    Column("decision_note", Text),
    Index("ix_extension_request_status", "status", "case_id"),
    Index("ix_extension_request_case_id", "case_id"),
)

# The dashboard's rollup of the ledger, two cubes in one table, by business week (the
# Monday, YYYY-MM-DD): unit_id 0 = per county and level; level "" = per unit.
# kind: found (week reported), closed (week closed; hours_sum = hours taken), closed_f and
# ontime_f (closed / closed by the deadline, counted in the week the hazard was found).
hazard_stat = Table(
    "hazard_stat", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("week", String(10), nullable=False),
    Column("county_code", String(64), nullable=False, server_default=""),
    Column("level", String(16), nullable=False, server_default=""),
    Column("unit_id", Integer, nullable=False, server_default="0"),
    Column("n", Integer, nullable=False, server_default="0"),
    Column("hours_sum", Integer, nullable=False, server_default="0"),
    UniqueConstraint("kind", "week", "county_code", "level", "unit_id",
                     name="uq_hazard_stat_key"),
)

# What each hazard currently contributes to hazard_stat (so a change subtracts the old).
hazard_stat_state = Table(
    "hazard_stat_state", metadata,
    Column("hazard_id", Integer, primary_key=True, autoincrement=False),
    Column("unit_id", Integer, nullable=False),
    Column("county_code", String(64), nullable=False, server_default=""),
    Column("level", String(16), nullable=False),
    Column("found_week", String(10), nullable=False),
    Column("closed_week", String(10)),
    Column("hours", Integer),
    Column("on_time", Boolean, nullable=False, server_default=text("false")),
)

monitor_mark = Table(
    "monitor_mark", metadata,
    Column("name", String(64), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
)

# Indexes for the monitor's ordered scans (oldest first, a page at a time).
Index("ix_human_task_open_created", human_task.c.created_at,
      sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'"))
Index("ix_human_task_unclaimed_created", human_task.c.created_at,
      sqlite_where=text("state = 'open' AND assignee IS NULL"),
      postgresql_where=text("state = 'open' AND assignee IS NULL"))
Index("ix_human_task_element_state", human_task.c.element_id, human_task.c.state)
Index("ix_incident_open_created", incident.c.created_at,
      sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL"))
Index("ix_hazard_updated_at", hazard.c.updated_at)
Index("ix_hazard_open_deadline", hazard.c.deadline, hazard.c.county_code, hazard.c.category,
      hazard.c.unit_id, sqlite_where=text("status = 'open'"),
      postgresql_where=text("status = 'open'"))
