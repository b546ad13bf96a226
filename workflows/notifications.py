"""In-app notifications (站内通知): to one user, or to everyone holding a role at a unit.

A group notification is one row; reading it marks it read for the whole group.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, update
from sqlalchemy.engine import Connection

from hazardflow.engine.services import Grant

from .schema import notification, unit

KINDS: dict[str, str] = {
    "remind": "整改期限临近提醒",
    "due": "整改期限已到",
    "overdue": "隐患整改超期",
    "escalate": "隐患超期升级",
    "report_up": "重大隐患上报",
    "listed_supervision": "重大隐患挂牌督办",
    "supervision_letter": "督办函",
    "publish": "隐患通报",
}


def kind_name(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return KINDS[kind]


def _unit_id(conn: Connection, code: str | None) -> int | None:
    if code is None:
        return None
    found = conn.execute(select(unit.c.id).where(unit.c.code == code)).scalar()
    if found is None:
        raise ValueError(f"unknown unit code {code!r}")
    return int(found)


def add_notification(conn: Connection, *, kind: str, title: str, body: str, now: datetime,
                     user_id: int | None = None, grant: Grant | None = None,
                     case_id: int | None = None) -> int:
    """Store one notification for ``user_id`` or for the (role, unit code) ``grant``."""
    kind_name(kind)
    if (user_id is None) == (grant is None):
        raise ValueError("a notification goes to a user or to a (role, unit) group, not both")
    role, unit_id = (grant[0], _unit_id(conn, grant[1])) if grant else (None, None)
    result = conn.execute(notification.insert().values(
        user_id=user_id, role=role, unit_id=unit_id, case_id=case_id, kind=kind,
        title=title, body=body, created_at=now))
    return int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0


def notifications_for(conn: Connection, user_id: int, grants: Iterable[Grant],
                      unread_only: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: the user's own notifications and those of the groups they belong to."""
    clauses: list[ColumnElement[bool]] = [notification.c.user_id == user_id]
    for role, code in grants:
        group: ColumnElement[bool] = notification.c.unit_id.is_(None)
        if code is not None:
            group = or_(group, notification.c.unit_id == select(unit.c.id).where(
                unit.c.code == code).scalar_subquery())
        clauses.append(and_(notification.c.role == role, group))
    query = (select(notification, unit.c.code.label("unit_code"))
             .select_from(notification.outerjoin(unit, unit.c.id == notification.c.unit_id))
             .where(or_(false(), *clauses))
             .order_by(notification.c.created_at.desc(), notification.c.id.desc())
             .limit(limit))
    if unread_only:
        query = query.where(notification.c.read_at.is_(None))
    return [dict(row._mapping) for row in conn.execute(query)]


def mark_read(conn: Connection, notification_id: int, now: datetime) -> None:
    conn.execute(update(notification).where(notification.c.id == notification_id,
                                            notification.c.read_at.is_(None))
                 .values(read_at=now))
