"""Where and how a person hears of their work outside the app: their contact details and
channel choices per kind of notice (each person for themselves), the defaults per role (an
admin), and the log of deliveries (an admin).

Choices and defaults are written whole for the kinds of notice given: a kind named with a
list of channels has exactly those on (an empty list: only the in-app notice). A refused
request changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput

from .. import policy
from ..delivery_channels import CHANNELS, configured_channels
from ..delivery_plan import CATEGORIES, URGENT, choices_of, role_defaults
from ..roles import ROLES, role_name
from ..runtime import Runtime
from ..schema import app_user, notification
from ..schema_delivery import (
    delivery,
    delivery_attempt,
    notification_preference,
    notification_role_default,
    user_contact,
)
from ..uow import reading, unit_of_work

MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
WECOM_ID = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
CONTACT_FIELDS = ("mobile", "email", "wecom_userid")
STATUSES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败",
            "withheld": "未发送（无权查看）", "skipped": "未发送（渠道关闭或无联系方式）"}
PER_PAGE = 50


@dataclass(frozen=True)
class Preferences:
    contacts: dict[str, str | None]
    choices: dict[str, list[str]]  # category → channels on
    configured: list[str]  # the channels this installation sends by


def kinds() -> list[dict[str, Any]]:
    """The kinds of notice, in order, with their Chinese names and urgency."""
    return [{"code": c, "name": n, "urgent": c in URGENT} for c, n in CATEGORIES.items()]


def channels() -> list[dict[str, str]]:
    return [{"code": c, "name": n} for c, n in CHANNELS.items()]


def _contacts(conn: Connection, user_id: int) -> dict[str, str | None]:
    row = conn.execute(sa.select(user_contact).where(user_contact.c.user_id == user_id)).first()
    return {f: (getattr(row, f) if row else None) for f in CONTACT_FIELDS}


def my_preferences(rt: Runtime, actor: Actor, user_id: int) -> Preferences:
    """The signed-in person's contacts and channel choices (their own, their roles' defaults
    or the built-in ones)."""
    with reading(rt) as conn:
        chosen = choices_of(conn, [user_id])[user_id]
        contacts = _contacts(conn, user_id)
    return Preferences(contacts, {c: sorted(chosen[c]) for c in CATEGORIES},
                       sorted(configured_channels(rt.settings)))


def _check_choices(choices: Mapping[str, Any], field: str,
                   problems: list[Detail]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for category, chosen in choices.items():
        if category not in CATEGORIES:
            problems.append(Detail(f"没有这类通知：{category} (unknown kind of notice)",
                                   field=f"{field}.{category}"))
            continue
        if not isinstance(chosen, list | tuple | set) or any(c not in CHANNELS for c in chosen):
            problems.append(Detail(f"渠道须为 {'、'.join(CHANNELS)} 之中的 (unknown channel)",
                                   field=f"{field}.{category}"))
            continue
        out[category] = set(chosen)
    return out


def _check_contacts(contacts: Mapping[str, Any], problems: list[Detail]) -> dict[str, str | None]:
    rules = {"mobile": (MOBILE, "手机号须为 11 位中国大陆手机号 (a mainland mobile number)"),
             "email": (EMAIL, "电子邮件地址格式不对 (not an e-mail address)"),
             "wecom_userid": (WECOM_ID, "企业微信账号只能含字母、数字和 _ . @ - (a WeCom user id)")}
    out: dict[str, str | None] = {}
    for field, value in contacts.items():
        if field not in rules:
            problems.append(Detail(f"不认识的联系方式：{field} (unknown contact field)",
                                   field=f"contacts.{field}"))
            continue
        text = (value or "").strip() if isinstance(value, str) or value is None else None
        if text is None or (text and not rules[field][0].match(text)):
            problems.append(Detail(rules[field][1], field=f"contacts.{field}"))
            continue
        out[field] = text or None
    return out


def _refuse(problems: list[Detail]) -> None:
    if problems:
        raise InvalidInput("通知设置有误：" + "；".join(p.message for p in problems)
                           + " (invalid notice settings)", problems)


def _write_choices(conn: Connection, table: sa.Table, owner: sa.Column[Any], key: Any,
                   choices: dict[str, set[str]]) -> None:
    for category, chosen in choices.items():
        conn.execute(sa.delete(table).where(owner == key, table.c.category == category))
        conn.execute(table.insert(), [{owner.name: key, "category": category, "channel": c,
                                       "enabled": c in chosen} for c in CHANNELS])


def set_my_preferences(rt: Runtime, actor: Actor, user_id: int,
                       contacts: Mapping[str, Any] | None = None,
                       choices: Mapping[str, Any] | None = None) -> Preferences:
    """Change the signed-in person's contacts (the fields given; empty clears one) and
    channel choices (the kinds given)."""
    problems: list[Detail] = []
    checked_contacts = _check_contacts(contacts or {}, problems)
    checked_choices = _check_choices(choices or {}, "choices", problems)
    _refuse(problems)
    with unit_of_work(rt) as conn:
        if checked_contacts:
            now = rt.now()
            current = _contacts(conn, user_id)
            values = {**current, **checked_contacts, "updated_at": now}
            conn.execute(sa.delete(user_contact).where(user_contact.c.user_id == user_id))
            if any(values[f] for f in CONTACT_FIELDS):
                conn.execute(user_contact.insert().values(user_id=user_id, **values))
        _write_choices(conn, notification_preference, notification_preference.c.user_id,
                       user_id, checked_choices)
    return my_preferences(rt, actor, user_id)


def defaults(rt: Runtime, actor: Actor) -> dict[str, dict[str, list[str]]]:
    """Every role's defaults (an admin): role → kind of notice → channels on; a role without
    defaults of its own follows the built-in ones (``delivery_plan.BUILTIN``)."""
    policy.require(actor, "admin")
    with reading(rt) as conn:
        found = role_defaults(conn)
    return {role: {c: sorted(found[role][c]) for c in CATEGORIES} for role in sorted(found)}


def set_role_defaults(rt: Runtime, actor: Actor, role: str,
                      choices: Mapping[str, Any]) -> dict[str, list[str]]:
    """Set the defaults of everyone holding ``role`` for the kinds given (an admin)."""
    policy.require(actor, "admin")
    if role not in ROLES:
        raise InvalidInput(f"没有这个角色：{role} (unknown role)", [Detail(
            f"没有这个角色：{role} (unknown role)", field="role")])
    problems: list[Detail] = []
    checked = _check_choices(choices, "choices", problems)
    _refuse(problems)
    with unit_of_work(rt) as conn:
        _write_choices(conn, notification_role_default, notification_role_default.c.role,
                       role, checked)
        found = role_defaults(conn).get(role, {})
    return {c: sorted(found.get(c, set())) for c in CATEGORIES}


def role_names() -> list[dict[str, str]]:
    return [{"code": r, "name": role_name(r)} for r in ROLES]


def delivery_log(rt: Runtime, actor: Actor, page: int = 1, status: str | None = None,
                 per_page: int = PER_PAGE) -> tuple[list[dict[str, Any]], int]:
    """Newest first (an admin): who, what, by which channel, how many attempts, the result
    and the last attempt's answer or error; with the total."""
    policy.require(actor, "admin")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"没有这种状态：{status} (unknown status)",
                           [Detail("状态不对 (unknown status)", field="status")])
    page, per_page = max(1, page), max(1, min(per_page, 200))
    tried = delivery_attempt.alias("tried")
    last_id = (sa.select(sa.func.max(tried.c.id)).where(tried.c.delivery_id == delivery.c.id)
               .correlate(delivery).scalar_subquery())
    where = [delivery.c.status == status] if status else []
    with reading(rt) as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            sa.select(delivery, app_user.c.display_name, notification.c.title,
                      notification.c.kind, delivery_attempt.c.answer, delivery_attempt.c.error,
                      delivery_attempt.c.status_code, delivery_attempt.c.at.label("last_at"))
            .select_from(delivery.join(app_user, app_user.c.id == delivery.c.user_id)
                         .join(notification, notification.c.id == delivery.c.notification_id)
                         .outerjoin(delivery_attempt, delivery_attempt.c.id == last_id))
            .where(*where).order_by(delivery.c.id.desc())
            .limit(per_page).offset((page - 1) * per_page))]
        total = int(conn.execute(sa.select(sa.func.count()).select_from(delivery)
                                 .where(*where)).scalar_one())
    for row in rows:
        row.update(channel_name=CHANNELS.get(row["channel"], row["channel"]),
                   status_name=STATUSES.get(row["status"], row["status"]),
                   kind_name=CATEGORIES.get(row["category"], row["category"]))
    return rows, total
