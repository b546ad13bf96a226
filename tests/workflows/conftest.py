"""Fixtures for the domain layer: an empty database on both backends, the demo org tree,
fast password hashing, and a way to make process_case rows for the ledger to hang off.

The ``backend`` and ``db`` fixtures come from tests/conftest.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import (
    UtcDateTime,
    deployment,
    process_case,
    process_definition,
)
from hazardflow.engine.services import Actor
from hazardflow.workflows import users
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.demo import seed_units
from hazardflow.workflows.ledger import create_hazard_row

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the tests hash dozens of passwords."""
    monkeypatch.setattr(users, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))


@pytest.fixture
def now() -> datetime:
    return T0


@pytest.fixture
def org(db: sa.Engine) -> sa.Engine:
    """The database with the demo organisation tree committed."""
    with db.begin() as conn:
        seed_units(conn)
    return db


@pytest.fixture
def conn(org: sa.Engine) -> Iterator[Connection]:
    """One transaction on the seeded database, committed at the end."""
    with org.begin() as connection:
        yield connection


def _filled(table: sa.Table, now: datetime, **given: Any) -> dict[str, Any]:
    """``given`` plus a dummy value for every other required column (schema churn proof)."""
    values = dict(given)
    for col in table.columns:
        if (col.name in values or col.primary_key or col.nullable
                or col.default is not None or col.server_default is not None):
            continue
        if isinstance(col.type, UtcDateTime):
            values[col.name] = now
        elif isinstance(col.type, sa.LargeBinary):
            values[col.name] = b""
        elif isinstance(col.type, sa.Boolean):
            values[col.name] = False
        elif isinstance(col.type, sa.Integer):
            values[col.name] = 1
        else:
            values[col.name] = f"test-{col.name}"
    return values


def _insert(conn: Connection, table: sa.Table, values: dict[str, Any]) -> int:
    key = conn.execute(table.insert().values(values)).inserted_primary_key
    assert key is not None
    return int(key[0])


CaseFactory = Callable[..., int]


@pytest.fixture
def make_case(now: datetime) -> CaseFactory:
    """make_case(conn, key="hazard_lifecycle") → the id of a new process_case row."""

    def make(conn: Connection, key: str = "hazard_lifecycle") -> int:
        definition = conn.execute(sa.select(process_definition.c.id).where(
            process_definition.c.key == key)).scalar()
        if definition is None:
            dep = _insert(conn, deployment, _filled(
                deployment, now, sha256=hashlib.sha256(key.encode()).hexdigest()))
            definition = _insert(conn, process_definition, _filled(
                process_definition, now, key=key, version=1, deployment_id=dep))
        return _insert(conn, process_case, _filled(
            process_case, now, definition_id=definition, status="active", revision=1,
            state=b"{}", started_by="test"))

    return make


HazardFactory = Callable[..., tuple[int, str]]


@pytest.fixture
def make_hazard(make_case: CaseFactory, now: datetime) -> HazardFactory:
    """make_hazard(conn, unit_code, **data) → (case id, hazard code)."""

    def make(conn: Connection, unit_code: str = "LA-JA-H01", reported_by: str = "safety",
             at: datetime | None = None, **data: Any) -> tuple[int, str]:
        case_id = make_case(conn)
        fields: dict[str, Any] = {"unit_code": unit_code, "level": "general",
                                  "category": "fire", "location": "门诊楼三层",
                                  "description": "疏散通道堆放杂物", "source": "self_inspection"}
        fields.update(data)
        code = create_hazard_row(conn, case_id, fields, reported_by, at or now,
                                 DEFAULT_CALENDAR)
        return case_id, code

    return make


def actor(*grants: str, admin: bool = False) -> Actor:
    """An actor from ``"role@UNIT"`` strings."""
    pairs = set()
    for spec in grants:
        role, _, unit_code = spec.partition("@")
        pairs.add((role, unit_code or None))
    return Actor("someone", frozenset(pairs), admin=admin)
