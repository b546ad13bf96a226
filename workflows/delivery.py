"""Sending the deliveries: the periodic job of both drivers (``workflows/jobs.py``).

At least once. A run claims the due pending deliveries in one transaction (each claim is a
lease of :data:`LEASE` and counts an attempt), sends each outside any transaction, then
records each attempt's result in a transaction of its own: sent; or, when trying again may
help and attempts remain, pending again after a backoff that doubles each time
(``HAZARDFLOW_NOTIFY_BACKOFF_SECONDS`` × 2^(attempt−1), at most :data:`MAX_BACKOFF`); else
failed. A worker that dies after the provider accepted and before the record leaves the claim
to lapse: the delivery is sent again, with the same idempotency key, so that a provider that
honours keys (Aliyun's ``OutId``, a webhook's ``Idempotency-Key``) records it once.

At claim time each delivery is checked again, as the in-app list is read: the person must
still be active and see the notification (``policy.visible_notifications``: addressed to
them or their group, about a case they may see and no task they are excluded from by
separation of duties; an unannounced-visit finding hidden from its unit's staff, or the
verification's notice to the rectifier who also holds the verifier's role, is **withheld**
from them, never sent); the channel must be configured, still
chosen and the person must have an address (else **skipped**). A non-urgent SMS due in the
quiet hours (``HAZARDFLOW_NOTIFY_QUIET_HOURS``, business time) waits until they end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.db import write_transaction
from hazardflow.engine.ownership import Exclusion

from .calendar import BusinessCalendar
from .delivery_channels import CHANNELS, Channel, Message, Outcome, configured_channels
from .delivery_plan import choices_of, contacts_of
from .notifications import KINDS
from .policy import visible_notifications
from .runtime import Runtime
from .schema import notification
from .schema_delivery import delivery, delivery_attempt
from .users import actor_for, get_user

LEASE = timedelta(minutes=5)  # a claimed delivery not recorded by then is sent again
MAX_BACKOFF = timedelta(hours=6)
BATCH = 100


@dataclass(frozen=True)
class QuietHours:
    """A nightly window in business time (it may wrap past midnight)."""

    start: time
    end: time
    calendar: BusinessCalendar

    @classmethod
    def parse(cls, text: str, calendar: BusinessCalendar) -> QuietHours | None:
        if not text:
            return None
        start, end = (time.fromisoformat(p) for p in text.split("-"))
        return cls(start, end, calendar)

    def covers(self, moment: datetime) -> bool:
        now = self.calendar.local(moment).time()
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """The first end of the window after ``moment`` (a UTC moment)."""
        local = self.calendar.local(moment)
        end = datetime.combine(local.date(), self.end, self.calendar.tz)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int
    channel: str
    message: Message


def channels_of(rt: Runtime) -> dict[str, Channel]:
    """The runtime's configured channels, built once (企业微信's token cache lives on)."""
    found = rt.extras.get("channels")
    if found is None:
        found = rt.extras["channels"] = configured_channels(rt.settings)
    return dict(found)


def backoff(rt: Runtime, attempt: int) -> timedelta:
    wait = timedelta(seconds=rt.settings.notify_backoff_seconds * 2 ** max(0, attempt - 1))
    return min(wait, MAX_BACKOFF)


def _close(conn: Connection, delivery_id: int, status: str, why: str) -> None:
    conn.execute(sa.update(delivery).where(delivery.c.id == delivery_id).values(
        status=status, last_error=why, claimed_until=None))


def _visible(conn: Connection, row: Any, exclusions: Sequence[Exclusion]) -> bool:
    person = get_user(conn, int(row.user_id))
    if person is None or not person.active:
        return False
    actor = actor_for(conn, person.id)
    return conn.execute(sa.select(notification.c.id).where(
        notification.c.id == row.notification_id,
        visible_notifications(person.id, actor, exclusions))).first() is not None


def _claim(rt: Runtime, now: datetime, channels: dict[str, Channel],
           counts: dict[str, int]) -> list[Claimed]:
    quiet = QuietHours.parse(rt.settings.notify_quiet_hours, rt.calendar)
    claimed: list[Claimed] = []
    with write_transaction(rt.db) as conn:
        rows = list(conn.execute(
            sa.select(delivery, notification.c.kind, notification.c.title, notification.c.body)
            .join(notification, notification.c.id == delivery.c.notification_id)
            .where(delivery.c.status == "pending", delivery.c.next_attempt_at <= now,
                   sa.or_(delivery.c.claimed_until.is_(None), delivery.c.claimed_until <= now))
            .order_by(delivery.c.next_attempt_at, delivery.c.id).limit(BATCH)
            .with_for_update(skip_locked=True, of=delivery)))
        exclusions = rt.engine.exclusions(conn) if rows else []
        for row in rows:
            if row.channel not in channels:
                _close(conn, row.id, "skipped", "渠道未配置 (the channel is not configured)")
                counts["skipped"] += 1
            elif row.channel == "sms" and not row.urgent and quiet and quiet.covers(now):
                conn.execute(sa.update(delivery).where(delivery.c.id == row.id).values(
                    next_attempt_at=quiet.ends_after(now), claimed_until=None))
                counts["held"] += 1
            elif not _visible(conn, row, exclusions):
                _close(conn, row.id, "withheld", "收件人无权查看 (not visible to the person)")
                counts["withheld"] += 1
            elif row.channel not in choices_of(conn, [row.user_id])[row.user_id][row.category]:
                _close(conn, row.id, "skipped", "已关闭该渠道 (the person switched it off)")
                counts["skipped"] += 1
            elif (address := contacts_of(conn, [row.user_id]).get(row.user_id, {})
                  .get(row.channel)) is None:
                _close(conn, row.id, "skipped", "无联系方式 (no address for the channel)")
                counts["skipped"] += 1
            else:
                attempt = int(row.attempts) + 1
                conn.execute(sa.update(delivery).where(delivery.c.id == row.id).values(
                    attempts=attempt, claimed_until=now + LEASE))
                claimed.append(Claimed(row.id, attempt, row.channel, Message(
                    key=row.idempotency_key, address=address, title=row.title, body=row.body,
                    kind_name=KINDS.get(row.kind, row.kind))))
    return claimed


def _record(rt: Runtime, job: Claimed, outcome: Outcome, now: datetime) -> str:
    """Log the attempt and settle the delivery (unless another worker claimed it since)."""
    values: dict[str, Any]
    if outcome.ok:
        status, values = "sent", {"sent_at": now, "last_error": None}
    elif outcome.retry and job.attempt < rt.settings.notify_max_attempts:
        status, values = "pending", {"next_attempt_at": now + backoff(rt, job.attempt),
                                     "last_error": outcome.error}
    else:
        status, values = "failed", {"last_error": outcome.error}
    with write_transaction(rt.db) as conn:
        conn.execute(delivery_attempt.insert().values(
            delivery_id=job.delivery_id, attempt=job.attempt, at=now,
            address=job.message.address[:255], ok=outcome.ok, status_code=outcome.status,
            answer=outcome.answer or None, error=outcome.error or None))
        conn.execute(sa.update(delivery).where(
            delivery.c.id == job.delivery_id, delivery.c.attempts == job.attempt).values(
            status=status, claimed_until=None, **values))
    return status


def send_due(rt: Runtime, now: datetime) -> dict[str, int]:
    """The job: send the due deliveries; counts by result (sent, pending again, failed,
    held for quiet hours, withheld, skipped)."""
    counts = dict.fromkeys(("sent", "pending", "failed", "held", "withheld", "skipped"), 0)
    channels = channels_of(rt)
    for job in _claim(rt, now, channels, counts):
        try:
            outcome = channels[job.channel].send(job.message)
        except Exception as error:  # a channel's bug must not stop the others
            outcome = Outcome.failed(f"{type(error).__name__}: {error}")
        counts[_record(rt, job, outcome, now)] += 1
    return counts


def channel_name(channel: str) -> str:
    return CHANNELS.get(channel, channel)
