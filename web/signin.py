"""The sign-in policy, shared by the sign-in page (/login) and the API token endpoint.

Counts live where every worker of the app sees them: Flask-Limiter's storage, Redis when the
app has one (``RATELIMIT_STORAGE_URL``, else the Redis broker of ``BROKER_URL``), memory for a
single process. Two rules, and neither is a lock that someone else can hold:

- A (username, address) pair that keeps failing waits: after ``signin_free_failures``
  failures 1 s, then 2 s, 4 s … up to ``signin_max_wait_seconds``. Nothing sleeps: while a
  pair waits its attempts are answered 429 with Retry-After, without checking the password.
  The same username from another address, and another username from the same address (a
  colleague behind the hospital's NAT), are not slowed. A success forgets the pair's count.
- An address that fails ``signin_failures_per_address_hour`` times in an hour, across all
  usernames, is refused until the hour's window has room again: that stops one machine
  from trying a common password on every account.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from hazardflow.config import Settings

log = logging.getLogger(__name__)

EXTENSION = "hazardflow_signin"
PAIR_MEMORY_SECONDS = 24 * 3600  # a pair's failures count for a day, or until a success
FIRST_WAIT_SECONDS = 1


def storage_uri(settings: Settings) -> str:
    """Where the counts live: the dedicated setting, else the broker's Redis, else memory."""
    if settings.ratelimit_storage_url:
        return settings.ratelimit_storage_url
    if settings.broker_url.startswith(("redis://", "rediss://", "redis+sentinel://")):
        return settings.broker_url
    return "memory://"


def wait_after(failures: int, free: int, cap: int) -> int:
    """Seconds a pair waits after its ``failures``-th failure: 0 before ``free`` failures,
    then 1, 2, 4 … doubling up to ``cap``."""
    if failures < free:
        return 0
    exponent = min(failures - free, 32)  # 2**32 s is past any sensible cap
    return min(cap, FIRST_WAIT_SECONDS * 2 ** exponent)


@dataclass(frozen=True)
class Counters:
    storage: Storage
    window: RateLimiter


class SigninPolicy:
    """Per-app: a Flask-Limiter instance for the storage and its moving-window strategy."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        self.settings = settings
        self.prefix = str(app.config.get("RATELIMIT_KEY_PREFIX") or "hazardflow")
        self.limiter = Limiter(key_func=client_address, app=app,
                               storage_uri=storage_uri(settings), strategy="moving-window")
        self.ceiling = RateLimitItemPerHour(settings.signin_failures_per_address_hour)
        memory = MemoryStorage()
        self.fallback = Counters(memory, MovingWindowRateLimiter(memory))

    def _counters(self) -> Counters:
        return Counters(self.limiter.storage, self.limiter.limiter)

    def _pair(self, username: str, address: str) -> tuple[str, str]:
        name = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:32]
        base = f"{self.prefix}/signin/{name}/{address}"
        return base + "/failures", base + "/wait"

    def _address(self, address: str) -> tuple[str, str]:
        return (f"{self.prefix}/signin-address", address)

    def _run(self, what: str, *args: str) -> int:
        """Run one step on the shared storage; if that is unreachable, on this process's
        memory (a broken Redis must not stop everyone from signing in)."""
        step = getattr(self, "_" + what + "_on")
        try:
            return int(step(self._counters(), *args))
        except Exception:  # redis errors vary by client version: any failure falls back
            log.warning("sign-in counts: storage unreachable, counting in memory",
                        exc_info=True)
            return int(step(self.fallback, *args))

    def wait_seconds(self, username: str, address: str) -> int:
        """0 if this username may try to sign in from this address now, else how long to
        wait."""
        return self._run("wait", username, address)

    def failed(self, username: str, address: str) -> None:
        self._run("failed", username, address)

    def succeeded(self, username: str, address: str) -> None:
        self._run("succeeded", username, address)

    def throttle(self, what: str, address: str, per_minute: int) -> int:
        """Count one request of ``what`` (a public page, e.g. ``verify``) from ``address``:
        0 while the address stays within ``per_minute`` requests a minute, else the seconds
        until it may ask again (the same shared storage as the sign-in counts)."""
        item = RateLimitItemPerMinute(per_minute)
        try:
            return self._throttle_on(self._counters(), item, what, address)
        except Exception:  # redis errors vary by client version: any failure falls back
            log.warning("%s counts: storage unreachable, counting in memory", what,
                        exc_info=True)
            return self._throttle_on(self.fallback, item, what, address)

    def _throttle_on(self, counters: Counters, item: RateLimitItem, what: str,
                     address: str) -> int:
        key = (f"{self.prefix}/{what}", address)
        if counters.window.hit(item, *key):
            return 0
        reset = counters.window.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _wait_on(self, counters: Counters, username: str, address: str) -> int:
        waits: list[float] = []
        _, wait_key = self._pair(username, address)
        if counters.storage.get(wait_key) > 0:
            waits.append(counters.storage.get_expiry(wait_key) - time.time())
        if not counters.window.test(self.ceiling, *self._address(address)):
            reset = counters.window.get_window_stats(self.ceiling, *self._address(address))
            waits.append(reset.reset_time - time.time())
        return max((max(1, math.ceil(w)) for w in waits), default=0)

    def _failed_on(self, counters: Counters, username: str, address: str) -> int:
        failures_key, wait_key = self._pair(username, address)
        failures = counters.storage.incr(failures_key, PAIR_MEMORY_SECONDS)
        wait = wait_after(failures, self.settings.signin_free_failures,
                          self.settings.signin_max_wait_seconds)
        if wait:
            counters.storage.clear(wait_key)
            counters.storage.incr(wait_key, wait)
        counters.window.hit(self.ceiling, *self._address(address))
        return wait

    def _succeeded_on(self, counters: Counters, username: str, address: str) -> int:
        for key in self._pair(username, address):
            counters.storage.clear(key)
        return 0


def client_address() -> str:
    return request.remote_addr or "-"


def init_app(app: Flask) -> None:
    """After the runtime (``app.extensions["hazardflow"]``, whose settings it reads)."""
    app.extensions[EXTENSION] = SigninPolicy(app, app.extensions["hazardflow"].settings)


def policy() -> SigninPolicy:
    found: SigninPolicy = current_app.extensions[EXTENSION]
    return found
