"""A live server and a headless Chromium for end-to-end tests.

The app runs in a thread on a free port with a fresh copy of the seeded SQLite template
(the demo organisation; password demo12345). Chromium is Debian's (/usr/bin/chromium),
driven by Playwright; no browser is downloaded. Where CI/HAZARDFLOW_REQUIRE_SERVICES is set
a missing Chromium fails the run; elsewhere the browser tests skip with a loud reason.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hazardflow.engine import FixedClock

from ..conftest import REQUIRE_SERVICES
from .conftest import T0, make_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@dataclass
class LiveServer:
    url: str
    app: Flask
    clock: FixedClock


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if REQUIRE_SERVICES:
        pytest.fail(message + " — required here: CI/HAZARDFLOW_REQUIRE_SERVICES is set")
    pytest.skip("!!! SKIPPING BROWSER TESTS: " + message)


def serve(sqlite_template: Path, tmp_path: Path, **overrides: Any) -> Iterator[LiveServer]:
    shutil.copyfile(sqlite_template, tmp_path / "live.db")
    clock = FixedClock(T0)
    app = make_app(f"sqlite:///{tmp_path}/live.db", clock, tmp_path, **overrides)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["hazardflow"].db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    yield from serve(sqlite_template, tmp_path)
