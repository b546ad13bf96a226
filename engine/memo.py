"""Rows read once per transaction: a step asks for the same unit or ledger row several times
(the use-case's check, a service handler, a listener), and each ask was a round trip.

A :class:`TransactionMemo` keeps what was read, keyed by the caller, for the rest of the
transaction the connection is in, and forgets all of it, by one mechanism wherever the write
comes from, when

- a statement writes (INSERT, UPDATE or DELETE) one of the tables it is declared over,
  wherever the write sits in it (a data-modifying common table expression included: the
  statement's whole tree is walked once and the answer kept on its compiled form), or any
  statement runs whose targets it cannot tell (textual SQL, DDL): judged on the SQL sent,
  so no path is missed;
- a locking read runs (``SELECT … FOR UPDATE``, the case's lock): under READ COMMITTED a row
  read before the lock may have been changed by the transaction the lock waited for;
- the transaction or one of its savepoints rolls back;
- the transaction ends (the memo is tied to the transaction object, never reused).

Outside a transaction nothing is kept. Values must be immutable, or copied by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Table, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import FromClause, SelectBase, TextualSelect

_MEMOS: list[TransactionMemo] = []
T = TypeVar("T")


class TransactionMemo:
    """What one kind of read found in the current transaction (see the module's docstring)."""

    def __init__(self, name: str, tables: Iterable[Table]) -> None:
        self.key = f"hf_memo:{name}"
        self.tables = frozenset(tables)
        _MEMOS.append(self)

    def of(self, conn: Connection) -> dict[Any, Any] | None:
        """The memo of the transaction ``conn`` is in; None outside a transaction."""
        transaction = conn.get_transaction()
        if transaction is None:
            return None
        held = conn.info.get(self.key)
        if held is None or held[0] is not transaction:
            held = conn.info[self.key] = (transaction, {})
        memo: dict[Any, Any] = held[1]
        return memo

    def read(self, conn: Connection, key: Any, load: Callable[[], T | None]) -> T | None:
        """What ``key`` found earlier in this transaction, else ``load()`` (kept unless None;
        nothing is kept outside a transaction)."""
        kept = self.of(conn)
        if kept is not None and key in kept:
            found: T = kept[key]
            return found
        loaded = load()
        if kept is not None and loaded is not None:
            kept[key] = loaded
        return loaded

    def forget(self, conn: Connection) -> None:
        conn.info.pop(self.key, None)


def _forget_all(conn: Connection) -> None:
    for memo in _MEMOS:
        memo.forget(conn)


_DML = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
_WRITTEN = "_hf_memo_written"  # kept on a compiled statement: the tables it writes (or None)


def written_tables(context: Any) -> frozenset[FromClause] | None:
    """The tables a compiled SELECT, INSERT, UPDATE or DELETE writes, wherever the write sits
    in it (a data-modifying CTE, nested, added or reached only through a WHERE clause: the
    CTEs the compiler rendered are walked too); None when its targets cannot be told
    (textual SQL anywhere in it, DDL)."""
    compiled = getattr(context, "compiled", None)
    statement = getattr(compiled, "statement", None)
    if not isinstance(statement, (UpdateBase, SelectBase)):
        return None
    kept = compiled.__dict__
    if _WRITTEN not in kept:
        kept[_WRITTEN] = _walk([statement, *(getattr(compiled, "ctes", None) or ())])
    found: frozenset[FromClause] | None = kept[_WRITTEN]
    return found


def _walk(roots: list[Any]) -> frozenset[Any] | None:
    tables: set[Any] = set()
    for root in roots:
        for element in visitors.iterate(root):
            if isinstance(element, (TextClause, TextualSelect)):
                return None
            if isinstance(element, UpdateBase):
                table: Any = element.table
                while not isinstance(table, Table) and hasattr(table, "element"):
                    table = table.element  # an alias of the table writes the table
                tables.add(table)
    return frozenset(tables)


@event.listens_for(Engine, "after_cursor_execute")
def _forget_on_write(conn: Connection, _cursor: Any, statement: str, _parameters: Any,
                     context: Any, _executemany: bool) -> None:
    head = statement[:16].lstrip().upper()  # not the whole statement: it can be long
    if head.startswith(("SELECT", "WITH")) and ("FOR UPDATE" in statement
                                                or "FOR SHARE" in statement):
        _forget_all(conn)  # a lock taken: what was read before it may have changed since
        return
    if head.startswith(("SAVEPOINT", "RELEASE")):
        return  # the savepoints a step opens (their rollback is an event)
    written = written_tables(context)
    if written is not None:
        if written:
            for memo in _MEMOS:
                if not memo.tables.isdisjoint(written):
                    memo.forget(conn)
        return
    if head.startswith("SELECT") or (head.startswith("WITH") and not _DML.search(statement)):
        return  # a textual read
    _forget_all(conn)  # textual SQL that may write, DDL: forget everything


@event.listens_for(Engine, "rollback_savepoint")
def _forget_on_savepoint_rollback(conn: Connection, *_: Any) -> None:
    _forget_all(conn)


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn: Connection) -> None:
    _forget_all(conn)
