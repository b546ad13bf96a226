"""A runtime over the seeded organisation (on each backend), with a clock the test moves,
and committed users: an administrator (``boss``) and a rectifier (``wang``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa

from hazardflow.engine import Actor, FixedClock
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.users import User, actor_for, create_user
from tests.factories import make_runtime

from ..conftest import T0

BOSS_PASSWORD = "boss-password"
WANG_PASSWORD = "wangs-password"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def rt(org: sa.Engine, clock: FixedClock) -> Iterator[Runtime]:
    yield make_runtime(org, clock)


@pytest.fixture
def people(org: sa.Engine, now: datetime) -> dict[str, User]:
    with org.begin() as conn:
        return {"boss": create_user(conn, "boss", BOSS_PASSWORD, "管理员", [("admin", None)],
                                    now=now),
                "wang": create_user(conn, "wang", WANG_PASSWORD, "王医生",
                                    [("rectifier", "LA-JA-H01")], now=now)}


def actor(rt: Runtime, username: str) -> Actor:
    with rt.db.connect() as conn:
        return actor_for(conn, username)
