"""Duty rosters (值班备勤): the tables of ``workflows/duty*.py`` (migration 0022).

A unit's roster is one row per month (``duty_roster``) with its people per business day
(``duty_assignment``: the leader on duty 带班领导 and the staff on duty 值班人员; a day's duty
is the whole calendar day in business time, 00:00 to 24:00). A swap (``duty_swap``) moves one
person's duty on a day to a colleague (替班), or exchanges two days (换班), once the colleague
has accepted and the roster's owner has approved. The city declares periods that need a
higher level of duty (``duty_level``: at least so many leaders and staff each day). A
person's duty phone is ``duty_contact``. They live on the engine's ``metadata`` like every
other table.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from hazardflow.engine.schema import UtcDateTime, metadata

duty_roster = Table(
    "duty_roster", metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("duty_phone", String(32)),  # the unit's duty line (值班电话)
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    UniqueConstraint("unit_id", "month", name="uq_duty_roster_unit_month"),
)

duty_assignment = Table(
    "duty_assignment", metadata,
    Column("id", Integer, primary_key=True),
    Column("roster_id", Integer, ForeignKey("duty_roster.id", ondelete="CASCADE"),
           nullable=False),
    Column("day", String(10), nullable=False),  # YYYY-MM-DD, a business day
    Column("post", String(8), nullable=False),  # leader (带班领导), staff (值班人员)
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    UniqueConstraint("roster_id", "day", "user_id", name="uq_duty_assignment_day_user"),
    Index("ix_duty_assignment_day", "day"),
)

duty_swap = Table(
    "duty_swap", metadata,
    Column("id", Integer, primary_key=True),
    Column("roster_id", Integer, ForeignKey("duty_roster.id", ondelete="CASCADE"),
           nullable=False),
    Column("day", String(10), nullable=False),  # the requester's duty day
    Column("post", String(8), nullable=False),
    Column("requester_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("colleague_id", Integer, ForeignKey("app_user.id"), nullable=False),
    # 换班: the colleague's duty day the requester takes in return; null: 替班
    Column("other_day", String(10)),
    Column("reason", Text, nullable=False),
    # requested → accepted → approved; declined (by the colleague), rejected (by the owner)
    Column("status", String(16), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime),
    Column("decided_at", UtcDateTime),
    Column("decided_by", String(64)),
    Column("decision_note", Text),
    Index("ix_duty_swap_roster_id_status", "roster_id", "status"),
)

duty_level = Table(
    "duty_level", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False),  # 春节, 汛期, a major event
    Column("starts_on", String(10), nullable=False),  # YYYY-MM-DD, inclusive
    Column("ends_on", String(10), nullable=False),  # YYYY-MM-DD, inclusive
    Column("min_leaders", Integer, nullable=False),
    Column("min_staff", Integer, nullable=False),
    Column("declared_by", String(64), nullable=False),
    Column("declared_at", UtcDateTime, nullable=False),
    Index("ix_duty_level_starts_on", "starts_on"),
)

duty_contact = Table(
    "duty_contact", metadata,
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"),
           primary_key=True),
    Column("phone", String(32), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
