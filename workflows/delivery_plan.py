"""Who gets a notice by which channel: the kinds of notice people choose channels for, their
choices, the admin's defaults per role, and the delivery rows a notification makes.

**Kinds of notice** (:data:`CATEGORIES`) group the notification kinds: 新待办, 即将到期, 已超期,
督办, 报表轮次 and 其他. 已超期 and 督办 are urgent: their SMS is never held for quiet hours.

**Choice** of channels, for a person and a kind of notice: the person's own
(``notification_preference``) wins; else the defaults an admin set for the roles they hold
(``notification_role_default``; on when any of their roles has it on); else the built-in
default (:data:`BUILTIN`: e-mail and 企业微信 for every kind, SMS for new tasks, overdue and 督办;
钉钉, a group's robot, only when chosen). In-app notifications are always made.

**Planning** (:func:`plan_deliveries`) runs in the notification's own transaction: one
``delivery`` row per person it is addressed to (the user, or every active member of the
group, a 卫生监督所's inspector counting for the commission it acts for, as for candidates)
and per channel chosen that the person has an address for. Whether the person may see what
it is about is decided when it is sent (``workflows/delivery.py``), as the in-app list does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .delivery_channels import ADDRESS_FIELD, CHANNELS
from .roles import DELEGATED_ROLES
from .schema import app_user, notification, unit, user_role
from .schema_delivery import (
    delivery,
    notification_preference,
    notification_role_default,
    user_contact,
)
from .units import delegating_bodies

CATEGORIES: dict[str, str] = {
    "task_new": "新待办",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "supervision": "督办",
    "report": "报表轮次",
    "other": "其他通知",
}
KIND_CATEGORY: dict[str, str] = {
    "task_new": "task_new",
    "task_due_soon": "due_soon", "remind": "due_soon", "due": "due_soon",
    "task_overdue": "overdue", "overdue": "overdue", "escalate": "overdue",
    "listed_supervision": "supervision", "supervision_letter": "supervision",
    "report_up": "supervision", "major_registered": "supervision",
    "report_remind": "report", "report_overdue": "report",
}
URGENT = frozenset({"overdue", "supervision"})
BUILTIN: dict[str, frozenset[str]] = {
    category: frozenset({"email", "wecom"}
                        | ({"sms"} if category in ("task_new", "overdue", "supervision")
                           else set()))
    for category in CATEGORIES
}
Choices = dict[str, set[str]]  # category → channels on


def category_of(kind: str) -> str:
    return KIND_CATEGORY.get(kind, "other")


def idempotency_key(notification_id: int, user_id: int, created_at: datetime) -> str:
    """The notice's key for one person, the same on every channel and every retry: the
    notification, the person and the moment it was made (so that a rebuilt database's
    notification 1 is not another's)."""
    seed = f"{notification_id}:{user_id}:{created_at.isoformat()}"
    return "hf-" + hashlib.sha256(seed.encode()).hexdigest()[:32]


# -- choices ------------------------------------------------------------------------------

def choices_of(conn: Connection, user_ids: Iterable[int]) -> dict[int, Choices]:
    """Each user's channels per kind of notice: their own choice, else their roles'
    defaults, else the built-in default."""
    ids = sorted(set(user_ids))
    out: dict[int, Choices] = {u: {c: set(BUILTIN[c]) for c in CATEGORIES} for u in ids}
    if not ids:
        return out
    roles: dict[int, set[str]] = {u: set() for u in ids}
    for user_id, role in conn.execute(sa.select(user_role.c.user_id, user_role.c.role)
                                      .where(user_role.c.user_id.in_(ids))):
        roles[user_id].add(role)
    defaults: dict[tuple[str, str, str], bool] = {
        (r.role, r.category, r.channel): bool(r.enabled) for r in conn.execute(
            sa.select(notification_role_default).where(notification_role_default.c.role.in_(
                sorted(set().union(*roles.values())) or [""])))}
    own = {(r.user_id, r.category, r.channel): bool(r.enabled) for r in conn.execute(
        sa.select(notification_preference).where(notification_preference.c.user_id.in_(ids)))}
    for user_id in ids:
        for category in CATEGORIES:
            for channel in CHANNELS:
                said = [defaults[(role, category, channel)] for role in roles[user_id]
                        if (role, category, channel) in defaults]
                on = own.get((user_id, category, channel),
                             any(said) if said else channel in BUILTIN[category])
                (out[user_id][category].add if on else out[user_id][category].discard)(channel)
    return out


def role_defaults(conn: Connection) -> dict[str, Choices]:
    """The admin's defaults: role → category → channels on (only roles with a row)."""
    out: dict[str, Choices] = {}
    for row in conn.execute(sa.select(notification_role_default)):
        chosen = out.setdefault(row.role, {c: set() for c in CATEGORIES})
        if row.enabled:
            chosen[row.category].add(row.channel)
    return out


def contacts_of(conn: Connection, user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each user's addresses by channel (only those given)."""
    out: dict[int, dict[str, str]] = {}
    for row in conn.execute(sa.select(user_contact).where(
            user_contact.c.user_id.in_(sorted(set(user_ids)) or [0]))):
        out[row.user_id] = {channel: getattr(row, field)
                            for channel, field in ADDRESS_FIELD.items() if getattr(row, field)}
    return out


# -- planning ------------------------------------------------------------------------------

def _members(conn: Connection, groups: set[tuple[str, int | None]]) -> dict[
        tuple[str, int | None], set[int]]:
    """The active users with an address who belong to each (role, unit id) group."""
    out: dict[tuple[str, int | None], set[int]] = {g: set() for g in groups}
    rows = list(conn.execute(
        sa.select(user_role.c.user_id, user_role.c.role, user_role.c.unit_id, unit.c.code)
        .select_from(user_role.join(user_contact, user_contact.c.user_id == user_role.c.user_id)
                     .join(app_user, app_user.c.id == user_role.c.user_id)
                     .outerjoin(unit, unit.c.id == user_role.c.unit_id))
        .where(user_role.c.role.in_(sorted({r for r, _ in groups})), app_user.c.active)))
    acting = delegating_bodies(conn, {r.code for r in rows if r.code and r.role in DELEGATED_ROLES})
    ids = {code: unit_id for code, unit_id in conn.execute(sa.select(unit.c.code, unit.c.id)
                                                           .where(unit.c.code.in_(
                                                               sorted(set(acting.values()))
                                                               or [""])))}
    for row in rows:
        held = {row.unit_id}
        if row.code in acting and row.role in DELEGATED_ROLES:
            held.add(ids.get(acting[row.code]))
        for role, unit_id in groups:
            if role == row.role and (unit_id is None or unit_id in held):
                out[(role, unit_id)].add(int(row.user_id))
    return out


def _anyone_reachable(conn: Connection) -> bool:
    return conn.execute(sa.select(user_contact.c.user_id).limit(1)).first() is not None


def plan_for_once_keys(conn: Connection, once_keys: Sequence[str], now: datetime) -> int:
    """:func:`plan_deliveries` for the notifications just made with these ``once_key``s."""
    if not once_keys or not _anyone_reachable(conn):
        return 0
    ids = list(conn.execute(sa.select(notification.c.id).where(
        notification.c.once_key.in_(list(once_keys)))).scalars())
    return plan_deliveries(conn, ids, now)


def plan_deliveries(conn: Connection, notification_ids: Sequence[int], now: datetime) -> int:
    """In the notifications' own transaction: a pending delivery per person and channel
    chosen (with an address); returns how many rows."""
    if not notification_ids or not _anyone_reachable(conn):
        return 0  # nobody has an address: nothing leaves the app
    notes = list(conn.execute(sa.select(
        notification.c.id, notification.c.user_id, notification.c.role, notification.c.unit_id,
        notification.c.kind, notification.c.created_at).where(
        notification.c.id.in_(list(notification_ids)))))
    members = _members(conn, {(n.role, n.unit_id) for n in notes if n.user_id is None})
    people: dict[int, set[int]] = {
        n.id: {int(n.user_id)} if n.user_id is not None else members[(n.role, n.unit_id)]
        for n in notes}
    everyone = set().union(*people.values()) if people else set()
    contacts = contacts_of(conn, everyone)
    choices = choices_of(conn, contacts)
    rows: list[dict[str, Any]] = []
    for note in notes:
        category = category_of(note.kind)
        for user_id in sorted(people[note.id] & set(contacts)):
            key = idempotency_key(note.id, user_id, note.created_at)
            for channel in sorted(choices[user_id][category] & set(contacts[user_id])):
                rows.append({"notification_id": note.id, "user_id": user_id,
                             "channel": channel, "category": category,
                             "urgent": category in URGENT, "idempotency_key": key,
                             "status": "pending", "attempts": 0, "next_attempt_at": now,
                             "created_at": now})
    if rows:
        conn.execute(delivery.insert(), rows)
    return len(rows)
