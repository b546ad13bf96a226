"""Arranged consultations falling due (会商待召开): the convenor is reminded.

A session arranged ahead (status ``planned``, 已安排) becomes **due** (``due``, 待召开) from
:data:`AHEAD` before its planned time; :func:`notify_in`, a periodic job of both drivers
(``workflows/jobs.py``), then tells the person who arranged it (the convenor) in the in-app
notifications, and by whatever channels they chose, to hold it and record its decisions and
actions. The status is moved by a conditional update in the same transaction as the notice,
so a second run, or the other driver racing it, tells no one twice. A due session is held
like a planned one (``consultations.hold_planned``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.db import write_transaction

from .calendar import BusinessCalendar
from .notifications import add_notification
from .phrases import phrase
from .schema import app_user, unit
from .schema_consultations import consultation

AHEAD = timedelta(hours=24)  # how long before its time a session is due and its convenor told
SWEEP_SECONDS = 300.0  # how often both drivers look for sessions falling due


# what a convenor is told (workflows/phrases.py)
DUE_TEXTS: dict[str, str] = {
    "title": "【会商待召开】%(title)s",
    "body_place": "%(body)s安排于 %(when)s 在%(place)s召开“%(title)s”。请按时召开，并在系统中记录"
                  "会商决定和落实事项。",
    "body": "%(body)s安排于 %(when)s 召开“%(title)s”。请按时召开，并在系统中记录会商决定和"
            "落实事项。",
}


def notify_in(conn: Connection, now: datetime, calendar: BusinessCalendar) -> int:
    """Mark the arranged sessions whose time is within :data:`AHEAD` as due and tell each
    one's convenor; how many were told."""
    rows = conn.execute(
        sa.select(consultation.c.id, consultation.c.title, consultation.c.held_at,
                  consultation.c.place, consultation.c.created_by,
                  unit.c.name.label("body_name"), app_user.c.id.label("user_id"))
        .select_from(consultation.join(unit, unit.c.id == consultation.c.body_id)
                     .outerjoin(app_user, app_user.c.username == consultation.c.created_by))
        .where(consultation.c.status == "planned", consultation.c.held_at <= now + AHEAD)
        .order_by(consultation.c.id)).all()
    told = 0
    for row in rows:
        claimed = conn.execute(sa.update(consultation).where(
            consultation.c.id == row.id, consultation.c.status == "planned").values(status="due"))
        if claimed.rowcount != 1 or row.user_id is None:
            continue
        when = calendar.local(row.held_at).strftime("%Y-%m-%d %H:%M")
        body = phrase(DUE_TEXTS["body_place" if row.place else "body"], body=row.body_name,
                      when=when, place=row.place or "", title=row.title)
        add_notification(
            conn, kind="consultation_due", title=phrase(DUE_TEXTS["title"], title=row.title[:60]),
            body=body, now=now, user_id=int(row.user_id))
        told += 1
    return told


def notify_consultations_due(db: sa.Engine, now: datetime, calendar: BusinessCalendar) -> int:
    """The periodic job: :func:`notify_in` in one transaction."""
    with write_transaction(db) as conn:
        return notify_in(conn, now, calendar)
