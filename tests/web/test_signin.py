"""Failed sign-ins (web/signin.py): a (username, address) pair that keeps failing waits
longer each time, answered 429 with Retry-After and never by sleeping; nobody else is slowed
by it; an address has an hourly ceiling across usernames; the page and the API share the
policy, and so do the app's workers when the counts live in Redis."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.config import Settings
from hazardflow.engine import FixedClock
from hazardflow.web import signin

from ..distributed import redis_or_skip
from .conftest import PASSWORD, assert_error, make_app
from .pages import Browser

TOKEN = "/api/v1/auth/token"
REDIS = "redis://127.0.0.1:6379/13"
HERE, THERE = "198.51.100.7", "203.0.113.9"  # documentation addresses: only labels here


def attempt(client: FlaskClient, username: str, password: str = "bad-guess",
            address: str = HERE) -> Any:
    return client.post(TOKEN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def fail(client: FlaskClient, username: str, times: int, address: str = HERE) -> None:
    for _ in range(times):
        assert_error(attempt(client, username, address=address), 401, "unauthenticated")


def waits(response: Any) -> int:
    body = assert_error(response, 429, "too_many_requests")
    assert "登录失败次数过多" in body["message"]
    return int(response.headers["Retry-After"])


def skip_the_wait(app: Flask, username: str, address: str = HERE) -> None:
    """As if the pair's wait had run out (instead of sleeping through it)."""
    policy = app.extensions[signin.EXTENSION]
    policy.limiter.storage.clear(policy._pair(username, address)[1])


def test_the_waits_double_from_one_second_up_to_the_cap() -> None:
    schedule = [signin.wait_after(n, free=5, cap=300) for n in range(1, 16)]
    assert schedule == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert signin.wait_after(10_000, free=5, cap=300) == 300


def test_a_pair_that_keeps_failing_waits_longer_each_time(client: FlaskClient) -> None:
    app = client.application
    fail(client, "safety", 4)
    fail(client, "safety", 1)  # the fifth failure: from now on the pair waits
    assert waits(attempt(client, "safety", PASSWORD)) == 1  # even the right password
    time.sleep(1.1)  # a real wait, run out on the storage's own clock
    fail(client, "safety", 1)
    assert waits(attempt(client, "safety")) == 2
    skip_the_wait(app, "safety")
    fail(client, "safety", 1)
    assert waits(attempt(client, "safety")) == 4
    skip_the_wait(app, "safety")
    assert attempt(client, "safety", PASSWORD).status_code == 200  # and a success forgets
    fail(client, "safety", 4)
    assert attempt(client, "safety", PASSWORD).status_code == 200


def test_nobody_else_is_slowed_by_a_waiting_pair(client: FlaskClient) -> None:
    fail(client, "safety", 5)
    assert waits(attempt(client, "safety", PASSWORD)) == 1
    # a colleague behind the same address, and the same user from another address
    assert attempt(client, "verifier", PASSWORD).status_code == 200
    assert attempt(client, "safety", PASSWORD, address=THERE).status_code == 200
    assert attempt(client, " SAFETY ").status_code == 429  # the same username, spelt loosely


def test_an_address_that_tries_many_usernames_meets_the_ceiling(
        database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path, signin_failures_per_address_hour=6)
    client = app.test_client()
    try:
        for name in ("safety", "verifier", "rectifier", "inspector", "city", "nobody"):
            fail(client, name, 1)  # one guess per account: no pair ever waits
        assert 3000 <= waits(attempt(client, "jinan", PASSWORD)) <= 3600
        assert attempt(client, "jinan", PASSWORD, address=THERE).status_code == 200
    finally:
        app.extensions["hazardflow"].db.dispose()


def test_the_sign_in_page_follows_the_same_policy(app: Flask) -> None:
    visitor = Browser(app)

    def sign_in(username: str, password: str) -> Any:
        return visitor.client.post("/login", data={
            "username": username, "password": password, "csrf_token": visitor.token()},
            environ_base={"REMOTE_ADDR": HERE})

    statuses = [sign_in("safety", "wrong-password").status_code for _ in range(5)]
    assert statuses == [401] * 5
    refused = sign_in("safety", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "登录失败次数过多，请 1 秒后再试" in refused.get_data(as_text=True)
    assert sign_in("verifier", PASSWORD).status_code == 302  # the colleague signs in
    # the API counts the page's failures: it is the same pair
    assert waits(attempt(app.test_client(), "safety", PASSWORD)) == 1


def test_the_counts_live_in_redis_when_the_broker_is_redis() -> None:
    broker = Settings(instance_path="-", broker_url="redis://h:6379/0")
    assert signin.storage_uri(broker) == "redis://h:6379/0"
    assert signin.storage_uri(replace(broker, ratelimit_storage_url="redis://r:6379/3")) \
        == "redis://r:6379/3"
    assert signin.storage_uri(replace(broker, broker_url="")) == "memory://"


@pytest.fixture
def two_workers(database_url: str, clock: FixedClock,
                tmp_path: Path) -> Iterator[tuple[FlaskClient, FlaskClient]]:
    """Two app instances (two gunicorn workers) counting in the same Redis."""
    redis_or_skip(REDIS)
    apps = [make_app(database_url, clock, tmp_path / name, ratelimit_storage_url=REDIS)
            for name in ("a", "b")]
    yield apps[0].test_client(), apps[1].test_client()
    for app in apps:
        app.extensions["hazardflow"].db.dispose()


def test_workers_sharing_redis_see_each_others_failures(
        two_workers: tuple[FlaskClient, FlaskClient]) -> None:
    first, second = two_workers
    address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # fresh in Redis
    fail(first, "safety", 3, address)
    fail(second, "safety", 2, address)  # five in all, across the two workers
    assert waits(attempt(first, "safety", PASSWORD, address)) == 1
    assert waits(attempt(second, "safety", PASSWORD, address)) == 1
    assert attempt(second, "verifier", PASSWORD, address).status_code == 200


def test_an_unreachable_redis_counts_in_memory_instead_of_refusing_everyone(
        database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    app = make_app(database_url, clock, tmp_path,
                   ratelimit_storage_url="redis://127.0.0.1:1/0")  # nothing listens there
    client = app.test_client()
    try:
        assert attempt(client, "safety", PASSWORD).status_code == 200
        fail(client, "safety", 5)
        assert waits(attempt(client, "safety", PASSWORD)) == 1
    finally:
        app.extensions["hazardflow"].db.dispose()
