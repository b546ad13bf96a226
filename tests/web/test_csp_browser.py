"""The Content-Security-Policy in a real browser: the harness catches a violation, and the
scripts moved out of the templates (the case diagram, the print button, the checklist and
version choices) work under the policy without one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from hazardflow.web.security import PAGE_CSP
from hazardflow.workflows.jobs import sweep_due

from .conftest import sign_in as api_sign_in
from .live import LiveServer, WatchedBrowser
from .support import ordered_hazard
from .test_e2e_inbox import sign_in


def test_the_harness_reports_an_inline_script_and_handler(browser: WatchedBrowser,
                                                          live: LiveServer) -> None:
    page = browser.new_page()
    page.route(live.url + "/csp-probe", lambda route: route.fulfill(
        status=200, content_type="text/html", headers={"Content-Security-Policy": PAGE_CSP},
        body="<title>kept</title><script>document.title = 'ran'</script>"
             "<button onclick=\"document.title = 'clicked'\">x</button>"))
    page.goto(live.url + "/csp-probe")
    page.click("button")
    page.wait_for_timeout(200)  # the violation reports arrive as console messages
    assert page.title() == "kept"
    assert len(browser.violations) >= 2, browser.violations
    assert all("script-src" in v for v in browser.violations), browser.violations
    browser.violations.clear()  # seen: the fixture's check is for the other tests


def test_scripts_moved_out_of_the_templates_work_under_the_policy(
        browser: WatchedBrowser, live: LiveServer) -> None:
    client = live.app.test_client()
    tokens: dict[str, dict[str, str]] = {}

    def login(username: str) -> dict[str, str]:
        return tokens.setdefault(username, api_sign_in(client, username))

    hazard = ordered_hazard(client, login)  # deadline 2026-11-20
    live.clock.set(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))  # past it: the city's letter
    rt = live.app.extensions["hazardflow"]
    sweep_due(rt, rt.now())

    city: Any = sign_in(browser, live, "city")
    city.goto(f"{live.url}/cases/{hazard['case_id']}")  # static/case.js draws the diagram
    city.locator("#diagram svg [data-element-id=Task_Rectify]").first.wait_for()

    city.context.add_init_script("window.print = () => { document.body.dataset.printed = 'y'; }")
    city.goto(f"{live.url}/monitor/letters/{hazard['case_id']}")
    city.click("button[data-print]")
    expect(city.locator("body")).to_have_attribute("data-printed", "y")

    city.goto(live.url + "/monitor/process")
    with city.expect_navigation():
        city.click("#version-switch button[type=submit]")
    assert re.search(r"/monitor/process/\d+$", city.url), city.url
    city.locator(".hf-badge").first.wait_for()
    assert city.errors == []

    inspector: Any = sign_in(browser, live, "inspector")
    inspector.goto(live.url + "/campaigns/inspections/new")
    with inspector.expect_navigation():
        inspector.select_option("select[data-autosubmit]", "confined_space")
    assert "checklist=confined_space" in inspector.url
    assert inspector.errors == []
