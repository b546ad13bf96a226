"""Database engines and the one way the runtime writes: a transaction that locks first.

SQLite: WAL journal, ``synchronous=NORMAL``, foreign keys on, and writes that begin with
``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way. PostgreSQL: ordinary
transactions; a case is locked with ``SELECT ... FOR UPDATE`` on its row.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create a SQLAlchemy engine set up for the runtime."""
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", 30)
        connect_args.setdefault("check_same_thread", False)
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("hf_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


AFTER_COMMIT = "hf_after_commit"
AFTER_ROLLBACK = "hf_after_rollback"


def on_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the transaction ``conn`` is in has committed; dropped on rollback.

    What may only happen after a commit (remember a live workflow in the cache, hand work to
    a Celery worker) registers here, so the caller that owns the transaction decides."""
    conn.info.setdefault(AFTER_COMMIT, []).append(callback)


def on_rollback(conn: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` if the transaction ``conn`` is in rolls back (undo what lives outside
    the database, e.g. a stored file whose row is not committed); dropped on commit."""
    conn.info.setdefault(AFTER_ROLLBACK, []).append(callback)


def _run_quietly(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # cleaning up must never hide why the transaction failed
            logging.getLogger("hazardflow.db").exception("rollback clean-up failed")


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-write transaction; on SQLite it holds the write lock from its first statement.
    Callbacks registered with :func:`on_commit` run after it commits."""
    with engine.connect() as conn:
        conn.execution_options(hf_write=True)
        conn.info.pop(AFTER_COMMIT, None)  # left by a caller that never committed: stale
        conn.info.pop(AFTER_ROLLBACK, None)
        try:
            with conn.begin():
                yield conn
        except BaseException:
            conn.info.pop(AFTER_COMMIT, None)
            _run_quietly(conn.info.pop(AFTER_ROLLBACK, []))
            raise
        conn.info.pop(AFTER_ROLLBACK, None)
        callbacks = conn.info.pop(AFTER_COMMIT, [])
    for callback in callbacks:
        callback()


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop(AFTER_COMMIT, None)  # nothing is written here: nothing to follow


def new_id(result: sa.CursorResult[Any]) -> int:
    """The primary key an INSERT just created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
