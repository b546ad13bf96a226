"""Inspectors' 行政执法证号: a regulator's documents print each inspector's name with the
number of their law-enforcement certificate (安全生产法 第六十七条: inspectors show a valid
certificate). An administrator records it on the user's page; the journal keeps each change.
"""

from __future__ import annotations

from datetime import datetime

import re2
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput, NotFound, journal

from .schema import app_user
from .schema_files import enforcement_certificate

MAX_NUMBER = 64
# letters (Chinese included), digits, and the punctuation such numbers carry
_SHAPE = re2.compile(r"^[\p{Han}A-Za-z0-9（）()〔〕\[\]第号字\-—/· ]{4,64}$")


def _user_id(conn: Connection, username: str) -> int:
    found = conn.execute(sa.select(app_user.c.id).where(app_user.c.username == username)).scalar()
    if found is None:
        raise NotFound(f"没有这个用户：{username} (no such user)")
    return int(found)


def certificate_of(conn: Connection, username: str) -> str | None:
    """The user's 执法证号, or None."""
    found = conn.execute(
        sa.select(enforcement_certificate.c.number)
        .join(app_user, app_user.c.id == enforcement_certificate.c.user_id)
        .where(app_user.c.username == username)).scalar()
    return str(found) if found else None


def set_certificate(conn: Connection, *, username: str, number: str | None, by: str,
                    now: datetime) -> str | None:
    """Record (or, with an empty ``number``, remove) the user's 执法证号; journaled."""
    user_id = _user_id(conn, username)
    clean = " ".join((number or "").split())
    if clean and not _SHAPE.match(clean):
        message = "执法证号为 4 到 64 个汉字、字母、数字或括号 (4 to 64 letters, digits, brackets)"
        raise InvalidInput(message, [Detail(message, field="number")])
    conn.execute(sa.delete(enforcement_certificate)
                 .where(enforcement_certificate.c.user_id == user_id))
    if clean:
        conn.execute(enforcement_certificate.insert().values(
            user_id=user_id, number=clean, updated_by=by, updated_at=now))
    journal.record(conn, actor=by, action="user.certificate_set", subject=f"user:{username}",
                   at=now, payload={"number": clean or None})
    return clean or None
