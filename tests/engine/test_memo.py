"""engine.memo: what a transaction read once is kept until anything could have changed it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

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
        _remember(conn)  # the sweep's claim: a lock taken by a statement that opens WITH
        due = sa.select(timer.c.case_id).where(timer.c.fired_at.is_(None)).cte("due")
        conn.execute(sa.select(timer.c.id).where(timer.c.case_id.in_(sa.select(due.c.case_id)))
                     .with_for_update(skip_locked=True))
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
    if db.dialect.name != "postgresql":  # SQLite has no data-modifying CTE: the walk is asked
        for statement, tables in ((read_back, {timer}), (both, {timer, outbox})):
            compiled = statement.compile(dialect=db.dialect)
            assert written_tables(SimpleNamespace(compiled=compiled)) == tables
        return
    with db.begin() as conn:
        _remember(conn)
        conn.execute(read_back)
        assert _kept(conn) == (False, True)
        _remember(conn)
        conn.execute(both)
        assert _kept(conn) == (False, False)


def test_the_walk_finds_every_written_table_or_gives_up_on_textual_sql() -> None:
    """What the memo is told a statement writes, for each shape a write can hide in; SQL it
    cannot read (a textual select, DDL) is untold, and every memo is forgotten. Compiled for
    PostgreSQL, the backend that has these shapes (SQLite has no writing CTE)."""
    fired = timer.update().values(fired_at=NOW).returning(timer.c.id, timer.c.case_id)
    cte = fired.cte("fired")
    gone = outbox.delete().returning(outbox.c.id).cte("gone")
    shapes: list[tuple[Any, set[sa.Table] | None]] = [
        (sa.select(timer.c.id), set()),
        (sa.select(cte.c.id), {timer}),  # read back from a write
        (outbox.insert().from_select(["case_id"], sa.select(sa.literal(1))).add_cte(cte),
         {timer, outbox}),  # added, never referenced
        (outbox.delete().where(outbox.c.case_id == cte.c.case_id),
         {timer, outbox}),  # reached only through the WHERE clause
        (sa.select(timer.update().where(timer.c.id.in_(sa.select(gone.c.id)))
                   .values(fired_at=NOW).returning(timer.c.id).cte("chained").c.id),
         {timer, outbox}),  # a chain of CTEs
        (sa.update(cast(Any, timer.alias("t"))).values(fired_at=NOW), {timer}),  # an alias
        (sa.text("DELETE FROM timer RETURNING id").columns(sa.column("id")), None),
        (sa.select(timer.c.id).where(sa.text("1 = 1")), None),
        (sa.text("DELETE FROM timer"), None),
        (sa.schema.CreateTable(timer), None),
    ]
    for statement, tables in shapes:
        compiled = statement.compile(dialect=postgresql.dialect())
        found = written_tables(SimpleNamespace(compiled=compiled))
        assert found == (frozenset(tables) if tables is not None else None), statement
