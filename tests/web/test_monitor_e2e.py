"""The monitor in a real browser: badges on the diagram, the list of an activity's cases on
a click, the dashboard's charts, and a bulk repair's results."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from .conftest import sign_in as api_sign_in
from .live import LiveServer, browser, live  # noqa: F401  (fixtures)
from .support import API, complete_ok, open_task, order_form, report
from .test_e2e_inbox import sign_in


def test_monitor_pages_in_the_browser(browser: Any, live: LiveServer,  # noqa: F811
                                      tmp_path: Path) -> None:
    client = live.app.test_client()
    inspector, safety = api_sign_in(client, "inspector"), api_sign_in(client, "safety")
    ordered = report(client, inspector)["case"]["id"]
    waiting = report(client, inspector)["case"]["id"]
    complete_ok(client, safety, open_task(client, safety, ordered, "Task_Triage"), order_form())
    live.clock.advance(timedelta(days=2))

    page = sign_in(browser, live, "city")
    page.goto(live.url + "/monitor/process")
    page.wait_for_selector(".hf-badge-overdue")
    assert page.locator(".hf-badge").count() >= 2
    page.click(".pile-link[data-element=Task_Triage]")
    page.wait_for_selector("#element-cases:not([hidden]) tbody tr")
    assert page.locator("#element-cases tbody tr").count() == 1
    page.screenshot(path=str(tmp_path / "process.png"), full_page=True)

    page.goto(live.url + "/monitor/dashboard")
    page.wait_for_selector("#chart-weekly canvas")
    page.wait_for_selector("#unit-ranking tbody tr")
    assert page.locator("#avg-days").inner_text() == "—"
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.goto(live.url + "/monitor/?kind=overdue")
    page.check(f"#stuck tr[data-case='{waiting}'] input[name=case]")
    page.select_option("select[name=action]", "suspend")
    page.fill("input[name=reason]", "集中核查")
    page.click("#bulk-form button.primary")
    page.wait_for_selector("#run-form")
    page.click("#run-form button.primary")
    page.wait_for_selector("#results tr[data-outcome=ok]")
    assert page.errors == []
    page.screenshot(path=str(tmp_path / "batch.png"))
    assert client.get(f"{API}/monitor/stuck", query_string={"kind": "suspended"},
                      headers=api_sign_in(client, "city")).get_json()["counts"]["suspended"] == 1
