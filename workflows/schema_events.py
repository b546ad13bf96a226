"""Tables of the information reports (信息报告) of events up the chain (migration 0026).

An event (``info_event``) follows its BPMN case (``information_report``): the unit files a
first report (首报), any number of follow-ups (续报) and a final report (终报); each is one
``info_event_report`` row with who filed it and when, and who at the receiving level
acknowledged it (签收). ``event_deadline`` holds the city's deadlines per level of event
(minutes to the first report, days to the final report); a level without a row takes the
defaults in :data:`~hazardflow.workflows.events.DEFAULT_DEADLINES`.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, text

from hazardflow.engine.schema import UtcDateTime, metadata

from .schema import unit

event_deadline = Table(
    "event_deadline", metadata,
    Column("level", String(16), primary_key=True),
    Column("first_minutes", Integer, nullable=False),
    Column("final_days", Integer, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# status: open (首报 awaited or 续报 going on), closed (终报 filed)
info_event = Table(
    "info_event", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False, unique=True),
    Column("unit_id", Integer, ForeignKey(unit.c.id), nullable=False),
    Column("county_code", String(64)),  # the unit's supervising body, for scoping
    Column("title", String(200), nullable=False),
    Column("place", String(255), nullable=False),
    Column("level", String(16), nullable=False),  # general, larger, major, grave
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("known_at", UtcDateTime, nullable=False),
    Column("first_due_at", UtcDateTime, nullable=False),
    Column("final_due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("first_overdue", Boolean, nullable=False, server_default=text("false")),
    Column("final_overdue", Boolean, nullable=False, server_default=text("false")),
    Column("last_report_at", UtcDateTime),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Index("ix_info_event_status", "status"),
    Index("ix_info_event_unit_id", "unit_id"),
)

# kind: first (首报), followup (续报), final (终报)
info_event_report = Table(
    "info_event_report", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("info_event.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("level", String(16), nullable=False),
    Column("situation", Text, nullable=False),
    Column("deaths", Integer, nullable=False, server_default="0"),
    Column("injuries", Integer, nullable=False, server_default="0"),
    Column("measures", Text, nullable=False),
    Column("late", Boolean, nullable=False, server_default=text("false")),
    Column("reported_by", String(64), nullable=False),
    Column("reported_at", UtcDateTime, nullable=False),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", UtcDateTime),
    Index("ix_info_event_report_event_id", "event_id"),
)
