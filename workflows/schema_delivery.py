"""Notices outside the app: people's contact details, their channel preferences, the role
defaults an admin sets, and one delivery row per (notification, person, channel) with the log
of each attempt (``workflows/delivery.py`` plans and sends them)."""

from __future__ import annotations

from typing import Any

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

from hazardflow.engine.schema import UtcDateTime, metadata

# Where a person is reached: a mobile number (SMS, 钉钉 @), an e-mail address, a 企业微信 /
# 政务微信 user id. One row per user, each field optional.
user_contact = Table(
    "user_contact", metadata,
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("mobile", String(32)),
    Column("email", String(255)),
    Column("wecom_userid", String(64)),
    Column("updated_at", UtcDateTime, nullable=False),
)


def _choices(name: str, owner: Column[Any]) -> Table:
    """Channels on or off per kind of notice (``delivery_plan.CATEGORIES``) for an owner."""
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True),
        owner,
        Column("category", String(32), nullable=False),
        Column("channel", String(16), nullable=False),
        Column("enabled", Boolean, nullable=False),
        UniqueConstraint(owner.name, "category", "channel", name=f"uq_{name}"),
    )


# A person's own choice.
notification_preference = _choices("notification_preference", Column(
    "user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False))
# An admin's default for everyone holding a role, where they made no choice of their own.
notification_role_default = _choices("notification_role_default",
                                     Column("role", String(64), nullable=False))

# One notice to one person by one channel, made in the notification's own transaction.
# status: pending (due at next_attempt_at), sent, failed (attempts used up or refused for
# good), withheld (the person may not see what it is about), skipped (channel not
# configured, switched off or no address). claimed_until: a worker is sending it; if the
# worker dies, the claim lapses and another sends it again with the same idempotency key.
delivery = Table(
    "delivery", metadata,
    Column("id", Integer, primary_key=True),
    Column("notification_id", Integer, ForeignKey("notification.id", ondelete="CASCADE"),
           nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("category", String(32), nullable=False),
    Column("urgent", Boolean, nullable=False, server_default=text("false")),
    Column("idempotency_key", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    UniqueConstraint("notification_id", "user_id", "channel", name="uq_delivery_once"),
    Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_delivery_user_id", "user_id"),
)

# Each try: to which address, the provider's status and answer, or the error.
delivery_attempt = Table(
    "delivery_attempt", metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("delivery.id", ondelete="CASCADE"),
           nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("address", String(255), nullable=False, server_default=""),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("answer", Text),  # the provider's answer, shortened
    Column("error", Text),
    Index("ix_delivery_attempt_delivery_id", "delivery_id"),
)
