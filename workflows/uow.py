"""The unit of work every use-case runs in: one transaction that commits or rolls back whole.

``unit_of_work(rt)`` opens one read-write transaction (on SQLite it holds the write lock
from its first statement) and yields its connection. Everything the use-case writes —
engine steps, evidence attachments, domain rows, journal records — goes through that
connection, so a refused request (any exception) changes nothing. Callbacks registered with
``engine.db.on_commit`` (the live-workflow cache, handing pending work to a worker) run only
after the commit.

An engine step that crashed outside the process's own steps raises ``Crashed``: the
transaction rolls back first, then the failure is recorded as an incident in a transaction
of its own, and the caller gets ``ProcessFailed`` naming the incident.

``reading(rt)`` is the same for use-cases that only read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.engine import Connection

from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.engine.errors import Crashed

from .runtime import Runtime


@contextlib.contextmanager
def unit_of_work(rt: Runtime) -> Iterator[Connection]:
    try:
        with write_transaction(rt.db) as conn:
            yield conn
    except Crashed as crash:
        with write_transaction(rt.db) as conn:
            failure = rt.engine.record_crash(conn, crash)
        raise failure from crash


@contextlib.contextmanager
def reading(rt: Runtime) -> Iterator[Connection]:
    with read_transaction(rt.db) as conn:
        yield conn
