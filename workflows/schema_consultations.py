"""Tables of the risk consultations (专题会商) and their follow-up actions (migration 0027).

A session (``consultation``) is held by a commission (the city or a county-level body):
its topics, participants and decisions, and the figures read from the dashboards when it
was held, frozen as JSON (``figures``). Each follow-up action (``consultation_action``) has
an owner and a deadline and follows its own small BPMN case (``consultation_action``), whose
user task sits in the owner's inbox with that due date.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from hazardflow.engine.schema import UtcDateTime, metadata

from .schema import unit

# kind: scheduled (定期), ad_hoc (专题); status: planned (已安排: held_at is the planned
# time, no figures yet), held (已召开: held_at is when it was recorded, figures frozen then)
consultation = Table(
    "consultation", metadata,
    Column("id", Integer, primary_key=True),
    Column("body_id", Integer, ForeignKey(unit.c.id), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False, server_default="held"),
    Column("title", String(200), nullable=False),
    Column("held_at", UtcDateTime, nullable=False),
    Column("place", String(200), nullable=False, server_default=""),
    Column("topics", Text, nullable=False),
    Column("participants", Text, nullable=False),  # JSON: [{"name", "unit", "username"}]
    Column("decisions", Text, nullable=False, server_default=""),
    Column("figures", Text, nullable=False),  # JSON frozen at the session
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_consultation_body_id", "body_id"),
)

# status: open, done
consultation_action = Table(
    "consultation_action", metadata,
    Column("id", Integer, primary_key=True),
    Column("consultation_id", Integer, ForeignKey("consultation.id"), nullable=False),
    Column("case_id", Integer, ForeignKey("process_case.id"), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("owner", String(64), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", Text),
    Column("done_by", String(64)),
    Column("done_at", UtcDateTime),
    Index("ix_consultation_action_consultation_id", "consultation_id"),
)
