"""An app on each backend, migrated with Alembic, with the demo organisation and users.

Migrating and seeding take most of a test's time, so they run once per session into a
template (an SQLite file; a PostgreSQL database) and every test gets a fresh copy of it:
a file copy, or ``CREATE DATABASE ... TEMPLATE``. Every test still has its own database
and its own app (engine caches included).
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, Response, request
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from hazardflow.bootstrap import build_runtime
from hazardflow.config import load_settings
from hazardflow.db import upgrade
from hazardflow.engine import FixedClock
from hazardflow.engine.db import make_engine, write_transaction
from hazardflow.web import create_app
from hazardflow.workflows import demo, users
from hazardflow.workflows.runtime import build_engine, seed_definitions

from ..conftest import PG_URL

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Asia/Shanghai
PASSWORD = demo.DEMO_PASSWORD


def _share_url_builders() -> None:
    """Every test builds its own app, and werkzeug compiles two URL builders (generated
    Python code) for each of its ~300 rules each time: about a tenth of the web suites'
    time. A builder's code depends only on the rule, its parsed parts, its defaults and its
    converters' types (it reaches the converters through the rule it is bound to), so the
    suite keeps one per rule and shape for the process; each app still binds its own."""
    from werkzeug.routing.rules import Rule

    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "shared", False):
        return
    built: dict[tuple[Any, ...], Any] = {}

    def compile_builder(self: Rule, append_unknown: bool = True) -> Any:
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               tuple((k, type(v)) for k, v in self._converters.items()), append_unknown)
        found = built.get(key)
        if found is None:
            found = built[key] = original(self, append_unknown)
        return found

    compile_builder.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


_share_url_builders()


def _cheap_hasher() -> Any:
    from argon2 import PasswordHasher
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _migrate_and_seed(url: str) -> None:
    db = make_engine(url)
    try:
        upgrade(db)
        seed_definitions(build_engine(db, clock=FixedClock(T0)))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(users, "_hasher", _cheap_hasher())
            with write_transaction(db) as conn:
                demo.seed_demo(conn, T0)
        if db.dialect.name == "sqlite":
            with db.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "web.db"
    _migrate_and_seed(f"sqlite:///{path}")
    return path


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url_for(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = "hfweb_tmpl_" + uuid.uuid4().hex[:10]
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        _migrate_and_seed(_pg_url_for(name))
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


class SeededSchemas:
    """PostgreSQL copies of the migrated, seeded template for one test each, as schemas of
    the test database: ``CREATE DATABASE … TEMPLATE`` costs about a second of the server's
    CPU per test on this machine, refilling a migrated schema from the template about 15 ms.
    A schema is migrated with Alembic once, then reused: each ``take`` empties it and copies
    every table's rows and every sequence's position from the template in one statement
    (foreign keys unchecked while copying). A schema that cannot be emptied (a connection
    left holding a lock) is dropped, and another is made."""

    def __init__(self) -> None:
        self.admin = _pg_admin()
        self.template = "hfweb_tmpl_" + uuid.uuid4().hex[:10]
        self.free: list[str] = []
        self.every: list[str] = []
        self._create(self.template)
        _migrate_and_seed(_schema_url(self.template))
        with self.admin.connect() as conn:
            self.tables = conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                "AND table_type = 'BASE TABLE' ORDER BY table_name"),
                {"s": self.template}).scalars().all()
            self.sequences = conn.execute(sa.text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = :s "
                "ORDER BY sequencename"), {"s": self.template}).scalars().all()

    def _create(self, schema: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        self.every.append(schema)

    def take(self) -> str:
        while self.free:
            schema = self.free.pop()
            if self._fill(schema):
                return schema
        schema = "hfweb_" + uuid.uuid4().hex[:12]
        self._create(schema)
        db = make_engine(_schema_url(schema))
        try:
            upgrade(db)
        finally:
            db.dispose()
        assert self._fill(schema), f"a new schema {schema} could not be filled"
        return schema

    def _fill(self, schema: str) -> bool:
        source = self.template
        script = ["SET LOCAL lock_timeout = '5s'",
                  "SET LOCAL session_replication_role = replica"]  # no FK order
        script += [f'DELETE FROM "{schema}"."{t}"' for t in self.tables]
        script += [f'INSERT INTO "{schema}"."{t}" SELECT * FROM "{source}"."{t}"'
                   for t in self.tables]
        script += [f"SELECT setval('\"{schema}\".\"{q}\"', last_value, is_called) "
                   f'FROM "{source}"."{q}"' for q in self.sequences]
        try:
            with self.admin.connect() as conn:  # one query: one implicit transaction
                conn.exec_driver_sql("; ".join(script))
        except sa.exc.DBAPIError:
            self._drop(schema)
            return False
        return True

    def give_back(self, schema: str) -> None:
        self.free.append(schema)

    def _drop(self, schema: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if schema in self.every:
            self.every.remove(schema)

    def close(self) -> None:
        for schema in list(self.every):
            self._drop(schema)
        self.admin.dispose()


@pytest.fixture(scope="session")
def seeded_schemas() -> Iterator[SeededSchemas]:
    schemas = SeededSchemas()
    yield schemas
    schemas.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def database_url(backend: str, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh copy of the migrated, seeded template: an SQLite file, or a PostgreSQL
    schema (``SeededSchemas``)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "web.db")
        yield f"sqlite:///{tmp_path}/web.db"
        return
    schemas: SeededSchemas = request.getfixturevalue("seeded_schemas")
    schema = schemas.take()
    try:
        yield _schema_url(schema)
    finally:
        schemas.give_back(schema)


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with small costs: the tests sign in often."""
    monkeypatch.setattr(users, "_hasher", _cheap_hasher())


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/tasks/<int:task_id>`` → ``/tasks/{task_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


_APPS: list[Flask] = []  # the apps made by the running test


def make_app(database_url: str, clock: FixedClock, tmp_path: Path,
             **overrides: Any) -> Flask:
    """An app whose API responses are recorded as (rule, method, status)."""
    settings = load_settings(env={}, overrides={
        "database_url": database_url, "instance_path": str(tmp_path / "inst"),
        "scheduler": False, "secret_key": "test-secret", **overrides})
    app = create_app(build_runtime(settings, clock=clock), TESTING=True)
    seen: list[tuple[str, str, int]] = []
    app.extensions["test_responses"] = seen

    @app.after_request
    def record(response: Response) -> Response:
        if request.url_rule is not None and request.url_rule.rule.startswith("/api/v1/"):
            seen.append((request.url_rule.rule, request.method, response.status_code))
        return response

    _APPS.append(app)
    return app


@pytest.fixture(autouse=True)
def every_response_is_documented() -> Iterator[None]:
    """After each test: every status an API operation answered is described for it in
    /api/v1/openapi.json (the document spectree makes from the handlers' models), so the
    whole suite is evidence that the description is complete."""
    from hazardflow.web.api.spec import document
    _APPS.clear()
    yield
    missing = set()
    for app in _APPS:
        with app.app_context():
            paths = document()["paths"]
        for rule, method, status in app.extensions["test_responses"]:
            operation = paths.get(openapi_path(rule), {}).get(method.lower())
            if operation is None or str(status) not in operation["responses"]:
                missing.add(f"{method} {openapi_path(rule)} → {status}")
    _APPS.clear()
    assert not missing, f"answered but not described in openapi.json: {sorted(missing)}"


@pytest.fixture
def app(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, clock, tmp_path)
    yield app
    app.extensions["hazardflow"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


Login = Callable[[str], dict[str, str]]


def sign_in(client: FlaskClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token",
                           json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def login(client: FlaskClient) -> Login:
    """Headers with a bearer token for a demo user (password demo12345)."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = sign_in(client, username)
        return cache[username]
    return headers


def hazard_data(**overrides: Any) -> dict[str, Any]:
    data = {"unit_code": "LA-JA-H01", "location": "门诊楼二层东侧消防通道",
            "category": "fire", "level": "general", "description": "消防通道堆放杂物",
            "photos_before": ["ev-1"], "source": "inspection"}
    data.update(overrides)
    return data


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has ``status`` and the API's JSON error shape; returns the body."""
    body = response.get_json(silent=True)
    assert response.status_code == status, (response.status_code, body or response.data[:300])
    assert isinstance(body, dict), response.data[:300]
    assert {"error", "message", "details"} <= body.keys(), body
    assert isinstance(body["error"], str) and isinstance(body["message"], str), body
    assert isinstance(body["details"], list), body
    if code is not None:
        assert body["error"] == code, body
    return body


# The live server and headless Chromium fixtures (`live`, `browser`) for end-to-end tests.
from .live import browser, chromium, live  # noqa: E402,F401
