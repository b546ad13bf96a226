"""In-app notifications as a user reads them: a page of them, marking read, the unread count.

Every function takes the signed-in user's id with their actor and shows, counts or marks only
the notifications addressed to them (or their groups) about cases they may see and no task
they are excluded from (``workflows.notifications``, which applies
``policy.visible_notifications`` with the engine's ``exclusions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hazardflow.engine import Actor

from .. import notifications
from ..runtime import Runtime
from ..uow import reading, unit_of_work

PER_PAGE = 30


@dataclass(frozen=True)
class NotificationPage:
    rows: list[dict[str, Any]]  # each with ``kind_name`` (in Chinese)
    total: int
    unread: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def notification_page(rt: Runtime, actor: Actor, user_id: int, page: int = 1,
                      per_page: int = PER_PAGE) -> NotificationPage:
    """One page of the user's notifications, unread first, with the total and unread count."""
    page, per_page = max(1, page), max(1, min(per_page, 200))
    with reading(rt) as conn:
        excluded = rt.engine.exclusions(conn)
        rows = notifications.notifications_for(conn, user_id, actor, excluded, limit=per_page,
                                               offset=(page - 1) * per_page,
                                               unread_first=True)
        total = notifications.count_for(conn, user_id, actor, excluded)
        unread = notifications.unread_count(conn, user_id, actor, excluded)
    for row in rows:
        row["kind_name"] = notifications.KINDS.get(row["kind"], row["kind"])
    return NotificationPage(rows, total, unread, page, per_page)


def unread_count(rt: Runtime, actor: Actor, user_id: int) -> int:
    with reading(rt) as conn:
        return notifications.unread_count(conn, user_id, actor, rt.engine.exclusions(conn))


def mark_read(rt: Runtime, actor: Actor, user_id: int, notification_id: int) -> int:
    """Mark one notification the user sees read (one they do not see is left alone, as if
    it did not exist); returns their unread count afterwards."""
    with unit_of_work(rt) as conn:
        excluded = rt.engine.exclusions(conn)
        notifications.mark_read_for(conn, notification_id, user_id, actor, excluded, rt.now())
        return notifications.unread_count(conn, user_id, actor, excluded)


def mark_all_read(rt: Runtime, actor: Actor, user_id: int) -> tuple[int, int]:
    """Mark every notification the user sees read: (how many were marked, unread after)."""
    with unit_of_work(rt) as conn:
        excluded = rt.engine.exclusions(conn)
        marked = notifications.mark_all_read(conn, user_id, actor, excluded, rt.now())
        return marked, notifications.unread_count(conn, user_id, actor, excluded)


def open_notification(rt: Runtime, actor: Actor, user_id: int,
                      notification_id: int) -> dict[str, Any] | None:
    """Mark it read and return it (its ``task_id`` and ``case_id`` say where it leads);
    None when the user does not see it."""
    with unit_of_work(rt) as conn:
        row = notifications.notification_of(conn, notification_id, user_id, actor,
                                            rt.engine.exclusions(conn))
        if row is not None:
            notifications.mark_read(conn, notification_id, rt.now())
        return row
