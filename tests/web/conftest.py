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


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def database_url(backend: str, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "web.db")
        yield f"sqlite:///{tmp_path}/web.db"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = "hfweb_" + uuid.uuid4().hex[:12]
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield _pg_url_for(name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


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
