"""A live server and a headless Chromium for end-to-end tests.

The app runs in a thread on a free port with a fresh copy of the seeded SQLite template
(the demo organisation; password demo12345). Chromium is Debian's (/usr/bin/chromium),
driven by Playwright; no browser is downloaded. Where CI/HAZARDFLOW_REQUIRE_SERVICES is set
a missing Chromium fails the run; elsewhere the browser tests skip with a loud reason.

The ``browser`` a test gets reports every Content-Security-Policy violation of its pages (a
``securitypolicyviolation`` listener in each page, logging to the console) and fails the
test at its end if there was one: an inline script or handler, an eval (a string given to
Playwright's ``wait_for_function`` is one), a style or image the policy blocks.
"""

from __future__ import annotations

import shutil
import threading
import time
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


CSP_REPORTER = """document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline')
                + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
});"""
CSP_MARKS = ("CSP violation", "Content Security Policy")


class WatchedBrowser:
    """Chromium whose pages report CSP violations into ``violations``; everything else is
    the Playwright browser's own."""

    def __init__(self, chromium: Any) -> None:
        self.chromium = chromium
        self.violations: list[str] = []

    def _console(self, message: Any) -> None:
        if any(mark in message.text for mark in CSP_MARKS):
            self.violations.append(message.text)

    def watch(self, context: Any) -> Any:
        context.add_init_script(CSP_REPORTER)
        context.on("console", self._console)
        return context

    def new_context(self, **options: Any) -> Any:
        return self.watch(self.chromium.new_context(**options))

    def new_page(self, **options: Any) -> Any:
        context = self.new_context(**options)
        return context.new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chromium, name)


def wait_until(page: Any, script: str, arg: Any = None, timeout: float = 30.0) -> Any:
    """Poll a function in the page until it answers something truthy. Playwright's
    ``wait_for_function`` evaluates its string with eval in the page, which the
    Content-Security-Policy forbids; ``evaluate`` goes through the DevTools protocol."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
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
def browser(chromium: Any) -> Iterator[WatchedBrowser]:
    """The module's Chromium; the test fails if any of its pages broke the CSP."""
    watched = WatchedBrowser(chromium)
    yield watched
    assert watched.violations == [], "Content-Security-Policy violations in the browser"


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    yield from serve(sqlite_template, tmp_path)
