"""Failed sign-in throttling, shared by the API token endpoint and the sign-in page.

Kept per process in memory: a sliding one-minute window of failures per (username, address).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

WINDOW_SECONDS = 60
MAX_TRACKED = 10_000
_failures: dict[str, deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def throttled(key: str, limit: int) -> bool:
    """Whether ``key`` (username and address) failed ``limit`` times in the last minute."""
    now = time.monotonic()
    with _lock:
        window = _failures.get(key)
        if window is None:
            return False
        while window and now - window[0] > WINDOW_SECONDS:
            window.popleft()
        if not window:
            del _failures[key]
            return False
        return len(window) >= limit


def failed(key: str) -> None:
    now = time.monotonic()
    with _lock:
        if len(_failures) >= MAX_TRACKED:  # forget keys whose last failure is out of window
            for stale in [k for k, w in _failures.items()
                          if not w or now - w[-1] > WINDOW_SECONDS]:
                del _failures[stale]
        _failures[key].append(now)


def reset() -> None:
    with _lock:
        _failures.clear()
