"""The floor under the engine's ratios: naive persistence of the same path.

Each completion locks and reads the case row, runs the step on a workflow kept in memory,
and writes the whole state back, serialized as the engine serializes it, in its own
transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, WAL, ``synchronous=NORMAL``): two statements a
step and nothing else, no task rows, timers, audit chain, outbox or validation. Once through
the ``sqlite3`` driver alone, once through SQLAlchemy Core with prebuilt statements on one
held connection (the cheapest way the engine could issue them), and that again on
PostgreSQL with the row locked ``FOR UPDATE``. The engine does all of that and more each
step, so its ratios stay under these; they say what a target asks of persistence itself.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from typing import Any

import sqlalchemy as sa

from hazardflow.engine.serializer import CaseSerializer

SCHEMA = "CREATE TABLE naive_case (id INTEGER PRIMARY KEY, state BLOB NOT NULL)"


def sqlite3_per_s(runner: Any, path: list[tuple[str, dict[str, Any]]], cases: int) -> float:
    """Completions per second through the ``sqlite3`` driver alone."""
    serializer = CaseSerializer()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "naive.db"), isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(SCHEMA)
            began = time.perf_counter()
            for case_id in range(1, cases + 1):
                workflow = runner.start()
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO naive_case (id, state) VALUES (?, ?)",
                           (case_id, serializer.dumps(workflow)))
                db.execute("COMMIT")
                for element, data in path:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("SELECT id FROM naive_case WHERE id = ?", (case_id,)).fetchone()
                    runner.complete(workflow, element, data)
                    db.execute("UPDATE naive_case SET state = ? WHERE id = ?",
                               (serializer.dumps(workflow), case_id))
                    db.execute("COMMIT")
            return cases * len(path) / (time.perf_counter() - began)
        finally:
            db.close()


def sqlalchemy_per_s(runner: Any, path: list[tuple[str, dict[str, Any]]], cases: int) -> float:
    """Completions per second through SQLAlchemy Core on SQLite: prebuilt statements, one
    connection."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sa.create_engine(f"sqlite:///{tmp}/naive.db")

        @sa.event.listens_for(db, "connect")
        def _connect(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None
            dbapi.execute("PRAGMA journal_mode=WAL")
            dbapi.execute("PRAGMA synchronous=NORMAL")

        @sa.event.listens_for(db, "begin")
        def _begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        try:
            return _core_per_s(db, runner, path, cases, lock_for_update=False)
        finally:
            db.dispose()


def postgres_per_s(url: str, runner: Any, path: list[tuple[str, dict[str, Any]]],
                   cases: int) -> float:
    """The same through SQLAlchemy Core on PostgreSQL (``url``: a scratch schema), the case
    row locked with ``SELECT … FOR UPDATE``."""
    db = sa.create_engine(url)
    try:
        return _core_per_s(db, runner, path, cases, lock_for_update=True)
    finally:
        db.dispose()


def _core_per_s(db: sa.Engine, runner: Any, path: list[tuple[str, dict[str, Any]]],
                cases: int, lock_for_update: bool) -> float:
    serializer = CaseSerializer()
    metadata = sa.MetaData()
    table = sa.Table("naive_case", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("state", sa.LargeBinary, nullable=False))
    insert = table.insert()
    lock = sa.select(table.c.id).where(table.c.id == sa.bindparam("case_id"))
    if lock_for_update:
        lock = lock.with_for_update()
    save = table.update().where(table.c.id == sa.bindparam("case_id")).values(
        state=sa.bindparam("blob"))
    metadata.create_all(db)
    with db.connect() as conn:
        began = time.perf_counter()
        for case_id in range(1, cases + 1):
            workflow = runner.start()
            with conn.begin():
                conn.execute(insert, {"id": case_id, "state": serializer.dumps(workflow)})
            for element, data in path:
                with conn.begin():
                    conn.execute(lock, {"case_id": case_id}).one()
                    runner.complete(workflow, element, data)
                    conn.execute(save, {"case_id": case_id, "blob": serializer.dumps(workflow)})
        return cases * len(path) / (time.perf_counter() - began)
