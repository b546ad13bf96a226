"""Credentials a user signs in with: page sessions and API bearer tokens.

Both are random secrets handed to the client once and stored here only as a SHA-256 hash,
with an expiry (``settings.token_ttl_seconds`` from their creation) and a revocation time.
The server decides on every request whether one is still good, so ending one here ends it
everywhere, whatever copy of the cookie or token is left in a browser or a script.

``revoke_credentials`` is the one place that ends all of a user's credentials. Every change
that must end them (a new password, a disabled account, a withdrawn role) calls it through
``workflows.users`` in the same transaction as the change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import UtcDateTime, metadata

from .schema import app_user

api_token = Table(
    "api_token", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

user_session = Table(
    "user_session", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

# last_seen_at is a hint for administrators, not a security check: written at most this often
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Holder:
    """The user a session or token belongs to, read in the same statement as it: who a
    request is takes one read and the user's grants one more."""

    user_id: int
    username: str
    display_name: str
    active: bool
    must_change_password: bool


@dataclass(frozen=True)
class PageSession:
    id: int
    user_id: int
    expires_at: datetime
    last_seen_at: datetime | None = None
    holder: Holder | None = None  # when read by find_session


_HOLDER = (app_user.c.id.label("holder_id"), app_user.c.username, app_user.c.display_name,
           app_user.c.active, app_user.c.must_change_password)


def _holder(row: Any) -> Holder:
    return Holder(int(row.holder_id), str(row.username), str(row.display_name),
                  bool(row.active), bool(row.must_change_password))


def open_session(conn: Connection, user_id: int, now: datetime,
                 ttl_seconds: int) -> tuple[str, PageSession]:
    """A new page session: the key (for the cookie, shown only here) and its row."""
    key = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_seconds)
    result = conn.execute(sa.insert(user_session).values(
        user_id=user_id, key_hash=digest(key), created_at=now, last_seen_at=now,
        expires_at=expires))
    inserted = result.inserted_primary_key
    assert inserted is not None
    return key, PageSession(int(inserted[0]), user_id, expires, now)


def find_session(conn: Connection, key: str, now: datetime) -> PageSession | None:
    """The live (not revoked, not expired) session with this key and its holder, else
    None."""
    row = conn.execute(sa.select(user_session, *_HOLDER)
                       .join(app_user, app_user.c.id == user_session.c.user_id)
                       .where(user_session.c.key_hash == digest(key))).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return PageSession(int(row.id), int(row.user_id), row.expires_at, row.last_seen_at,
                       _holder(row))


def needs_touch(found: PageSession, now: datetime) -> bool:
    """Whether the session's last-seen time is a minute old or more (as it was read)."""
    return found.last_seen_at is None or now - found.last_seen_at >= TOUCH_EVERY


def touch(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(sa.update(user_session).where(user_session.c.id == session_id)
                 .values(last_seen_at=now))


def end_session(conn: Connection, key: str, now: datetime) -> bool:
    """Revoke the session with this key (sign-out); False if there was none live."""
    result = conn.execute(sa.update(user_session).where(
        user_session.c.key_hash == digest(key), user_session.c.revoked_at.is_(None))
        .values(revoked_at=now))
    return bool(result.rowcount)


def issue_token(conn: Connection, user_id: int, now: datetime,
                ttl_seconds: int) -> tuple[str, datetime]:
    """A new API bearer token (shown only here) and when it expires."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_seconds)
    conn.execute(sa.insert(api_token).values(user_id=user_id, token_hash=digest(token),
                                             created_at=now, expires_at=expires))
    return token, expires


def token_user(conn: Connection, token: str, now: datetime) -> Holder | None:
    """The user of a live (not revoked, not expired) token, else None."""
    row = conn.execute(sa.select(api_token.c.expires_at, api_token.c.revoked_at, *_HOLDER)
                       .join(app_user, app_user.c.id == api_token.c.user_id)
                       .where(api_token.c.token_hash == digest(token))).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return _holder(row)


def revoke_token(conn: Connection, token: str, now: datetime) -> bool:
    result = conn.execute(sa.update(api_token).where(api_token.c.token_hash == digest(token),
                                                     api_token.c.revoked_at.is_(None))
                          .values(revoked_at=now))
    return bool(result.rowcount)


def revoke_credentials(conn: Connection, user_id: int, now: datetime,
                       keep_session: int | None = None) -> int:
    """End every API token and page session of a user, except the page session
    ``keep_session`` (the one a user changing their own password is using). Returns how
    many were ended."""
    tokens = conn.execute(sa.update(api_token).where(
        api_token.c.user_id == user_id, api_token.c.revoked_at.is_(None))
        .values(revoked_at=now))
    sessions = sa.update(user_session).where(user_session.c.user_id == user_id,
                                             user_session.c.revoked_at.is_(None))
    if keep_session is not None:
        sessions = sessions.where(user_session.c.id != keep_session)
    ended = conn.execute(sessions.values(revoked_at=now))
    return int(tokens.rowcount or 0) + int(ended.rowcount or 0)
