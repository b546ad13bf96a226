"""The audit log of acts that belong to no single case: administration (users, roles,
units), deployments and migrations, publications, bulk repairs. Hash-chained like the case
log, one chain for the whole system, so a changed or removed record shows in ``verify``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.engine import Connection

from .schema import UtcDateTime, metadata

GENESIS = "0" * 64

system_event = Table(
    "system_event", metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),  # user.created, definition.deployed...
    Column("subject", String(255)),  # what it was done to: "user:jinan", "unit:LA-JA"
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("at", UtcDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("seq", name="uq_system_event_seq"),
    Index("ix_system_event_subject", "subject"),
    Index("ix_system_event_action_at", "action", "at"),
)


def _digest(prev: str, seq: int, actor: str, action: str, subject: str | None, payload: str,
            at: datetime) -> str:
    body = json.dumps([prev, seq, actor, action, subject, payload,
                       at.isoformat(timespec="microseconds")],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(conn: Connection, *, actor: str, action: str, payload: Mapping[str, Any],
           at: datetime, subject: str | None = None) -> int:
    """Append one record in the caller's transaction; returns its sequence number.

    Two writers racing for the same sequence number collide on the unique constraint and
    one transaction fails (and is retried by its caller) rather than forking the chain.
    """
    last = conn.execute(sa.select(system_event.c.seq, system_event.c.hash)
                        .order_by(system_event.c.seq.desc()).limit(1)).one_or_none()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    at = at.astimezone(UTC)
    conn.execute(sa.insert(system_event).values(
        seq=seq, actor=actor, action=action, subject=subject, payload=text, at=at,
        prev_hash=prev, hash=_digest(prev, seq, actor, action, subject, text, at)))
    return seq


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(conn: Connection) -> Iterator[Break]:
    prev, expected = GENESIS, 1
    for row in conn.execute(sa.select(system_event).order_by(system_event.c.seq)):
        if row.seq != expected:
            yield Break(row.seq, f"expected record {expected}, found {row.seq}")
        if row.prev_hash != prev:
            yield Break(row.seq, "previous-hash link does not match")
        if _digest(row.prev_hash, row.seq, row.actor, row.action, row.subject, row.payload,
                   row.at) != row.hash:
            yield Break(row.seq, "record content does not match its hash")
        prev, expected = row.hash, row.seq + 1


def events(conn: Connection, *, subject: str | None = None, action_prefix: str | None = None,
           limit: int = 200) -> list[dict[str, Any]]:
    query = sa.select(system_event).order_by(system_event.c.seq.desc()).limit(limit)
    if subject is not None:
        query = query.where(system_event.c.subject == subject)
    if action_prefix is not None:
        query = query.where(system_event.c.action.startswith(action_prefix))
    return [{"seq": r.seq, "actor": r.actor, "action": r.action, "subject": r.subject,
             "at": r.at, "payload": json.loads(r.payload)} for r in conn.execute(query)]
