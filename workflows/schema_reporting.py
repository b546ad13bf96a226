"""Tables of the reporting chain and the assessment, beside the campaign's (migration 0015):
where a report goes, in whose name an inspection was made, and which hazards a 回头看 found
again. They live on the engine's ``metadata``; each row hangs off a row of the campaign's
tables (``schema_campaigns``) and goes with it.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    text,
)

from hazardflow.engine.schema import UtcDateTime, metadata

# The body a report goes to (``report_chain``: its county-level body, or the city), whether it
# is a backfill (a period before the round that opened it, e.g. the months of a campaign that
# began before the system: never late) and when its principal signed it.
report_route = Table(
    "report_route", metadata,
    Column("report_id", Integer, ForeignKey("unit_report.id", ondelete="CASCADE"),
           primary_key=True),
    Column("reports_to", String(64), nullable=False),
    Column("backfill", Boolean, nullable=False, server_default=text("false")),
    Column("signed_at", UtcDateTime),
    Index("ix_report_route_reports_to", "reports_to"),
)

# The body in whose name an inspection was made (``policy.acting_body``): the unit itself for
# a self-inspection, its county-level body or the city for a regulator's.
inspection_body = Table(
    "inspection_body", metadata,
    Column("inspection_id", Integer, ForeignKey("inspection.id", ondelete="CASCADE"),
           primary_key=True),
    Column("body_code", String(64), nullable=False),
    Index("ix_inspection_body_body_code", "body_code"),
)

# A failed checklist item that finds again a hazard closed before (回头看: the rectification
# did not hold): the earlier hazard's code. The item's result row holds the new case.
inspection_repeat = Table(
    "inspection_repeat", metadata,
    Column("inspection_id", Integer, ForeignKey("inspection.id", ondelete="CASCADE"),
           nullable=False),
    Column("item_id", Integer, nullable=False),
    Column("repeat_of", String(32), nullable=False),
    PrimaryKeyConstraint("inspection_id", "item_id", name="pk_inspection_repeat"),
)
