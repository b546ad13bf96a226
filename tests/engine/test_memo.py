"""engine.memo: what a transaction read once is kept until anything could have changed it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from hazardflow.engine.memo import TransactionMemo, written_tables
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


def test_a_write_inside_a_common_table_expression_forgets_only_the_memos_over_its_table(
        db: sa.Engine) -> None:
    """PostgreSQL's save is an audit INSERT with the case's UPDATE in a CTE: the statement's
    tree is walked, so a memo over another table survives it, and one over a table written
    anywhere inside is forgotten (SQLite has no data-modifying CTE: the walk is asked)."""
    fired = timer.update().values(fired_at=NOW).returning(timer.c.id).cte("fired")
    read_back = sa.select(fired.c.id)
    both = outbox.insert().from_select(
        ["case_id", "reason", "created_at"],
        sa.select(sa.literal(1), sa.literal("continue"), sa.literal(NOW))
        .where(sa.false())).add_cte(fired)  # no row: the statement still writes the table
    if db.dialect.name != "postgresql":
        for statement, tables in ((read_back, {timer}), (both, {timer, outbox}),
                                  (sa.select(timer.c.id), set())):
            compiled = statement.compile(dialect=db.dialect)
            assert written_tables(SimpleNamespace(compiled=compiled)) == tables
        assert written_tables(SimpleNamespace(compiled=sa.text("DELETE FROM timer")
                                              .compile())) is None
        return
    with db.begin() as conn:
        _remember(conn)
        conn.execute(read_back)
        assert _kept(conn) == (False, True)
        _remember(conn)
        conn.execute(both)
        assert _kept(conn) == (False, False)
