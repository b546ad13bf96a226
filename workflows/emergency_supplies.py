"""Expiring and expired emergency supplies (应急物资临期、过期).

An item with an expiry date is **expiring** from ``window`` days before it (default 30,
``HAZARDFLOW_MAP_EXPIRY_DAYS``) and **expired** after the day itself, both counted in
business days of the calendar (Asia/Shanghai). The map flags such items and their depots;
:func:`notify_supply_expiry`, a periodic job of both drivers (``workflows/jobs.py``), tells
the depot's keeper once per item and state in the in-app notifications (and whatever
channels they chose): the item's ``notified_state`` is set by a conditional update in the
same transaction as the notification, so a second run or a racing driver does not notify
again. A depot without a keeper tells its unit's safety officers (a group notification).
Changing an item's expiry clears what was told (``emergency._replace_items``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.db import write_transaction

from .calendar import BusinessCalendar
from .notifications import add_notification
from .phrases import Phrase, phrase
from .schema import unit
from .schema_emergency import supply_depot, supply_item

STATES = {"expiring": "临期", "expired": "已过期"}
SWEEP_SECONDS = 3600.0  # how often both drivers look for expiring supplies


def item_state(expires_on: str | None, today: date, window: int) -> str | None:
    """``expired`` after the expiry day, ``expiring`` within ``window`` days of it, else
    None (also for an item that does not expire)."""
    if not expires_on:
        return None
    day = date.fromisoformat(expires_on)
    if day < today:
        return "expired"
    return "expiring" if day <= today + timedelta(days=window) else None


# what a depot's keeper is told (workflows/phrases.py)
EXPIRY_TEXTS: dict[str, str] = {
    "title": "%(depot)s：%(item)s%(state)s",
    "body": "%(unit)s %(depot)s 的 %(item)s（%(quantity)s%(label)s）有效期至 %(expires)s，"
            "%(state)s，请及时补充或更换。",
}


def _text(row: sa.Row[tuple[object, ...]], state: str) -> tuple[Phrase, Phrase]:
    t = EXPIRY_TEXTS
    title = phrase(t["title"], words=("state",), depot=str(row.depot_name),
                   item=str(row.name), state=STATES[state])
    body = phrase(t["body"], words=("state",), unit=str(row.unit_name),
                  depot=str(row.depot_name), item=str(row.name), quantity=str(row.quantity),
                  label=str(row.unit_label), expires=str(row.expires_on), state=STATES[state])
    return title, body


def notify_in(conn: Connection, now: datetime, calendar: BusinessCalendar, window: int) -> int:
    """Tell the keepers of the items that became expiring or expired; how many were told."""
    today = calendar.today(now)
    horizon = (today + timedelta(days=window)).isoformat()
    rows = conn.execute(
        sa.select(supply_item, supply_depot.c.name.label("depot_name"),
                  supply_depot.c.keeper_id, unit.c.code.label("unit_code"),
                  unit.c.name.label("unit_name"))
        .select_from(supply_item.join(supply_depot, supply_depot.c.id == supply_item.c.depot_id)
                     .join(unit, unit.c.id == supply_depot.c.unit_id))
        .where(supply_item.c.expires_on.is_not(None), supply_item.c.expires_on <= horizon)
        .order_by(supply_item.c.id)).all()
    told = 0
    for row in rows:
        state = item_state(row.expires_on, today, window)
        if state is None or state == row.notified_state:
            continue
        claimed = conn.execute(supply_item.update().where(
            supply_item.c.id == row.id,
            sa.or_(supply_item.c.notified_state.is_(None),
                   supply_item.c.notified_state != state)).values(notified_state=state))
        if claimed.rowcount != 1:
            continue
        title, body = _text(row, state)
        if row.keeper_id is not None:
            add_notification(conn, kind="supply_expiry", title=title, body=body, now=now,
                             user_id=int(row.keeper_id))
        else:
            add_notification(conn, kind="supply_expiry", title=title, body=body, now=now,
                             grant=("safety_officer", str(row.unit_code)))
        told += 1
    return told


def notify_supply_expiry(db: sa.Engine, now: datetime, calendar: BusinessCalendar,
                         window: int) -> int:
    """The periodic job: :func:`notify_in` in one transaction."""
    with write_transaction(db) as conn:
        return notify_in(conn, now, calendar, window)
