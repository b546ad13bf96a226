"""Shared fixtures: one suite, run against SQLite and PostgreSQL by parametrizing `db_url`.

PostgreSQL is required where CI runs (`CI` or `HAZARDFLOW_REQUIRE_SERVICES` set): there a
missing server fails the run. Elsewhere the PostgreSQL half is skipped with a loud reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("HAZARDFLOW_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = bool(os.environ.get("CI") or os.environ.get("HAZARDFLOW_REQUIRE_SERVICES"))


def _postgres_problem() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"PostgreSQL at {PG_URL} is unreachable: {exc}"
    return None


_PG_PROBLEM: str | None | bool = False


def postgres_or_skip() -> None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _postgres_problem()
    if _PG_PROBLEM:
        if REQUIRE_SERVICES:
            pytest.fail(f"{_PG_PROBLEM} (required here: CI/HAZARDFLOW_REQUIRE_SERVICES is set)")
        pytest.skip(f"!!! SKIPPING POSTGRESQL TESTS: {_PG_PROBLEM}")


def pg_schema_url() -> tuple[str, str]:
    schema = "t_" + uuid.uuid4().hex[:12]
    return schema, PG_URL


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        postgres_or_skip()
    return str(request.param)


class SchemaPool:
    """PostgreSQL schemas holding every table, reused from test to test: creating the tables
    costs about 0.3 s a test, emptying them (rows deleted, sequences restarted) about 10 ms.
    A schema whose emptying fails (a lock held by a leaked connection) is dropped instead."""

    def __init__(self) -> None:
        self.free: list[str] = []
        self.every: list[str] = []
        self.admin = sa.create_engine(PG_URL)

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        from hazardflow.db import all_metadata
        from hazardflow.engine.db import make_engine

        schema, url = pg_schema_url()
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        all_metadata().create_all(engine)
        engine.dispose()
        self.every.append(schema)
        return schema

    def give_back(self, schema: str) -> None:
        from hazardflow.db import all_metadata

        tables = [t.name for t in all_metadata().sorted_tables]
        try:
            with self.admin.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                sequences = conn.execute(sa.text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                    {"s": schema}).scalars().all()
                script = ["SET LOCAL session_replication_role = replica"]  # no FK order
                script += [f'DELETE FROM "{schema}"."{name}"' for name in tables]
                if sequences:
                    script.append("SELECT " + ", ".join(
                        f"setval('\"{schema}\".\"{seq}\"', 1, false)" for seq in sequences))
                conn.exec_driver_sql("; ".join(script))
        except sa.exc.DBAPIError:
            self.drop(schema)
            return
        self.free.append(schema)

    def drop(self, schema: str) -> None:
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if schema in self.every:
            self.every.remove(schema)

    def close(self) -> None:
        for schema in list(self.every):
            self.drop(schema)
        self.admin.dispose()


@pytest.fixture(scope="session")
def schema_pool() -> Iterator[SchemaPool]:
    pool = SchemaPool()
    yield pool
    pool.close()


@pytest.fixture
def db(backend: str, tmp_path: object, request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """An empty database with every table, on the parametrized backend."""
    from hazardflow.db import all_metadata
    from hazardflow.engine.db import make_engine

    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/hazardflow.db")
        all_metadata().create_all(engine)  # every table: engine, domain, web
        yield engine
        engine.dispose()
        return
    pool: SchemaPool = request.getfixturevalue("schema_pool")
    schema = pool.take()
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        pool.give_back(schema)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database without any table (a fresh PostgreSQL schema, dropped after)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    schema, url = pg_schema_url()
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
