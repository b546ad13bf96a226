"""The floor under ``sqlite_ratio``: naive persistence of the same path on SQLite.

Each completion locks and reads the case row, runs the step on a workflow kept in memory,
and writes the whole state back, serialized as the engine serializes it, in its own
transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, WAL, ``synchronous=NORMAL``): two statements a
step and nothing else, no task rows, timers, audit chain, outbox or validation. Once through
the ``sqlite3`` driver alone, once through SQLAlchemy Core with prebuilt statements on one
held connection (the cheapest way the engine could issue them). The engine does all of
that and more each step, so its ratio stays under these two; they say what a target asks
of the persistence itself.
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
    """Completions per second through SQLAlchemy Core: prebuilt statements, one connection."""
    serializer = CaseSerializer()
    metadata = sa.MetaData()
    table = sa.Table("naive_case", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("state", sa.LargeBinary, nullable=False))
    insert = table.insert()
    lock = sa.select(table.c.id).where(table.c.id == sa.bindparam("case_id"))
    save = table.update().where(table.c.id == sa.bindparam("case_id")).values(
        state=sa.bindparam("blob"))
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

        metadata.create_all(db)
        try:
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
                            conn.execute(save, {"case_id": case_id,
                                                "blob": serializer.dumps(workflow)})
                return cases * len(path) / (time.perf_counter() - began)
        finally:
            db.dispose()
