"""An app on each backend, migrated with Alembic, with the demo organisation and users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.db import upgrade
from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.web import create_app
from hazardflow.workflows import demo, users
from hazardflow.workflows.runtime import seed_definitions

from ..conftest import pg_schema_url

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Asia/Shanghai


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def database_url(backend: str, tmp_path: Any) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/web.db"
        return
    schema, url = pg_schema_url()
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{url}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with small costs: the tests sign in often."""
    from argon2 import PasswordHasher
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def app(database_url: str, clock: FixedClock, tmp_path: Any) -> Iterator[Flask]:
    app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "inst"),
                      "scheduler": False, "clock": clock, "TESTING": True})
    state = app.extensions["hazardflow"]
    upgrade(state.db)
    seed_definitions(state.engine)
    with write_transaction(state.db) as conn:
        demo.seed_demo(conn, T0)
    yield app
    state.db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


Login = Callable[[str], dict[str, str]]


@pytest.fixture
def login(client: FlaskClient) -> Login:
    """Headers with a bearer token for a demo user (password demo12345)."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            response = client.post("/api/v1/auth/token",
                                   json={"username": username, "password": demo.DEMO_PASSWORD})
            assert response.status_code == 200, response.get_json()
            cache[username] = {"Authorization": f"Bearer {response.get_json()['token']}"}
        return cache[username]
    return headers


def hazard_data(**overrides: Any) -> dict[str, Any]:
    data = {"unit_code": "LA-JA-H01", "location": "门诊楼二层东侧消防通道",
            "category": "fire", "level": "general", "description": "消防通道堆放杂物",
            "photos_before": ["ev-1"], "source": "inspection"}
    data.update(overrides)
    return data
