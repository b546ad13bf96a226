"""API bearer tokens: random, stored only as a hash, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import UtcDateTime, metadata

api_token = Table(
    "api_token", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)



def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(conn: Connection, user_id: int, now: datetime, ttl_seconds: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_seconds)
    conn.execute(sa.insert(api_token).values(user_id=user_id, token_hash=_digest(token),
                                             created_at=now, expires_at=expires))
    return token, expires


def user_for(conn: Connection, token: str, now: datetime) -> int | None:
    row = conn.execute(sa.select(api_token.c.user_id, api_token.c.expires_at,
                                 api_token.c.revoked_at)
                       .where(api_token.c.token_hash == _digest(token))).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return int(row.user_id)


def revoke(conn: Connection, token: str, now: datetime) -> bool:
    result = conn.execute(sa.update(api_token).where(api_token.c.token_hash == _digest(token),
                                                     api_token.c.revoked_at.is_(None))
                          .values(revoked_at=now))
    return bool(result.rowcount)
