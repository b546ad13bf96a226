"""engine.memo: what a transaction read once is kept until anything could have changed it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hazardflow.engine.memo import TransactionMemo
from hazardflow.engine.schema import outbox, timer

TIMERS = TransactionMemo("test_timers", [timer])
OUTBOX = TransactionMemo("test_outbox", [outbox])
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _remember(conn: sa.Connection) -> None:
    for memo in (TIMERS, OUTBOX):
        kept = memo.of(conn)
        assert kept is not None
        kept["read"] = True


def _kept(conn: sa.Connection) -> tuple[bool, bool]:
    return tuple("read" in (memo.of(conn) or {}) for memo in (TIMERS, OUTBOX))  # type: ignore[return-value]


def _new_timer() -> sa.Insert:
    return timer.insert().values(process_key="p", element_id="T", due_at=NOW, created_at=NOW)


def test_nothing_is_kept_outside_a_transaction(db: sa.Engine) -> None:
    with db.connect() as conn:
        conn.commit()  # the autobegun transaction ends
        assert conn.get_transaction() is None
        assert TIMERS.of(conn) is None


def test_a_write_forgets_the_memos_over_its_table_only(db: sa.Engine) -> None:
    with db.begin() as conn:
        _remember(conn)
        conn.execute(sa.select(timer.c.id))  # a read forgets nothing
        assert _kept(conn) == (True, True)
        conn.execute(_new_timer())
        assert _kept(conn) == (False, True)
        _remember(conn)
        conn.execute(timer.update().values(fired_at=NOW))
        conn.execute(outbox.delete())
        assert _kept(conn) == (False, False)


@pytest.mark.parametrize("sql", [
    "UPDATE outbox SET attempts = attempts + 1",  # textual SQL: its target is not looked at
    "WITH gone AS (SELECT 1 AS x) DELETE FROM outbox WHERE id IN (SELECT x FROM gone)",
])
def test_a_statement_it_cannot_see_into_forgets_everything(db: sa.Engine, sql: str) -> None:
    with db.begin() as conn:
        _remember(conn)
        conn.execute(sa.text(sql))
        assert _kept(conn) == (False, False)


def test_a_read_with_common_table_expressions_forgets_nothing(db: sa.Engine) -> None:
    with db.begin() as conn:
        _remember(conn)
        recent = sa.select(timer.c.id).where(timer.c.fired_at.is_(None)).cte("recent")
        conn.execute(sa.select(recent.c.id))
        assert _kept(conn) == (True, True)


def test_rollbacks_and_new_transactions_start_afresh(db: sa.Engine) -> None:
    with db.connect() as conn:
        with conn.begin():
            _remember(conn)
            with pytest.raises(RuntimeError), conn.begin_nested():
                raise RuntimeError("the savepoint rolls back")
            assert _kept(conn) == (False, False)
            _remember(conn)
        with conn.begin():  # the next transaction on the same connection
            assert _kept(conn) == (False, False)
            _remember(conn)
            conn.rollback()
        with conn.begin():
            assert _kept(conn) == (False, False)


def test_a_locking_read_forgets_what_was_read_before_the_lock(db: sa.Engine) -> None:
    """Under READ COMMITTED a row read before the case's lock may have been changed by the
    transaction the lock waited for (SQLite has no FOR UPDATE: its writers begin IMMEDIATE)."""
    with db.begin() as conn:
        _remember(conn)
        conn.execute(sa.select(timer.c.id).with_for_update())
        expected = (False, False) if db.dialect.name == "postgresql" else (True, True)
        assert _kept(conn) == expected
