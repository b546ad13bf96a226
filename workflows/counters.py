"""Gap-free named counters for document numbers (整改通知书, 督办函, hazard codes).

The number is taken inside the caller's transaction, so a rolled-back step gives its number
back and two committed transactions never share one.

How: the row is locked before it is read. ``UPDATE counter SET value = value + 1`` takes the
row lock (PostgreSQL) or the database write lock (SQLite) and holds it to the end of the
transaction; the ``SELECT ... FOR UPDATE`` that follows reads our own increment. A second
transaction's UPDATE waits for the first to commit and then increments the committed value.
Updating before reading (rather than ``SELECT ... FOR UPDATE`` first) matters on SQLite,
whose Python driver does not open a transaction for a plain SELECT, so a read-first scheme
would read outside the lock there.

On first use the row does not exist: we insert it inside a savepoint. If another transaction
inserted it at the same moment, PostgreSQL makes our insert wait for theirs and then fail on
the primary key; we roll back to the savepoint and increment the row they created.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .schema import counter

_ATTEMPTS = 3
# one round trip: the increment hands back the new value (RETURNING: PostgreSQL, SQLite 3.35+)
_BUMP = (update(counter).where(counter.c.name == bindparam("counter_name"))
         .values(value=counter.c.value + 1).returning(counter.c.value))


def next_value(conn: Connection, name: str) -> int:
    """Increment counter ``name`` (created at 0 on first use) and return the new value."""
    for _ in range(_ATTEMPTS):
        value = conn.execute(_BUMP, {"counter_name": name}).scalar()  # the row stays locked
        if value is not None:
            return int(value)
        try:
            with conn.begin_nested():
                conn.execute(counter.insert().values(name=name, value=1))
        except IntegrityError:
            continue  # someone else created it first: increment theirs
        return 1
    raise RuntimeError(f"could not take a number from counter {name!r}")


def current_value(conn: Connection, name: str) -> int:
    """The last number handed out by counter ``name`` (0 when never used)."""
    value = conn.execute(select(counter.c.value).where(counter.c.name == name)).scalar()
    return int(value or 0)
