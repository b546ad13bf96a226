"""What a walk through the pages checks on every page a person decides on.

A ``Walker`` is one demo user's browser tab (its own context, signed in by the login
form's request, on their 待办 list). ``Walker.look`` keeps a full-page screenshot of the page
under ``ARTIFACTS`` and records, without stopping the walk, what is wrong with it:

* a text the decision rests on is not in the visible text (``page.inner_text('body')``);
* the visible text holds an English phrase (the rule of ``test_strings``: three or more
  English words in a row), a BPMN element id (``Task_…``, ``Gateway_…``, ``Event_…``,
  ``Activity_…``, ``hazard_lifecycle``) or a demo user's login instead of a name;
* an image did not load;
* the browser logged an error on its console or the page threw;
* the page asked anything of a host other than the live server;
* on a phone: the page is wider than the screen, or a card of a responsive table shows a
  value without its column's name (a cell without ``data-label``).

The walk asserts ``problems == []`` at its end, so one run lists every fault it met.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hazardflow.workflows.demo import USERS

from .conftest import PASSWORD
from .live import LiveServer
from .pages import TOKEN
from .test_strings import english_phrases

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("HAZARDFLOW_ARTIFACTS") or ROOT / "build" / "artifacts" / "walk")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

ELEMENT_ID = re.compile(r"(?:Task|Gateway|Event|Activity)_[A-Za-z0-9]|hazard_lifecycle")
LOGIN = re.compile(r"(?<![A-Za-z0-9_.@-])(?:" + "|".join(
    re.escape(username) for username, _, _ in USERS) + r")(?![A-Za-z0-9_@-])")

PAGE_STATE = """() => ({
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  brokenImages: [...document.images].filter((i) => i.complete && i.naturalWidth === 0)
                                    .map((i) => i.getAttribute('src')),
  unlabelled: [...document.querySelectorAll('table.responsive tbody td')]
    .filter((td) => td.offsetParent !== null && !td.hasAttribute('data-label')
                    && !td.hasAttribute('colspan') && td.textContent.trim() !== '')
    .map((td) => td.closest('table').id + ': ' + td.textContent.trim().slice(0, 30)),
})"""


def visible_faults(text: str) -> list[str]:
    """What the visible text of a page must not hold."""
    found = [f"English phrase {p!r}" for p in english_phrases(text)]
    found += [f"element id near {text[max(m.start() - 20, 0):m.end() + 20]!r}"
              for m in ELEMENT_ID.finditer(text)]
    found += [f"login {m.group(0)!r} instead of a name" for m in LOGIN.finditer(text)]
    return found


class Walker:
    """One demo user's tab. ``problems`` is shared by everyone on the walk."""

    def __init__(self, browser: Any, live: LiveServer, username: str,
                 problems: list[str], viewport: dict[str, int] = DESKTOP) -> None:
        self.live, self.username, self.problems = live, username, problems
        self.origin = urlsplit(live.url).netloc
        self.context = browser.new_context(locale="zh-CN", viewport=viewport)
        self.page = self.context.new_page()
        self.noise: list[str] = []
        self.context.on("request", self._request)
        self.page.on("console", lambda m: m.type == "error" and self.noise.append(
            f"console error: {m.text}"))
        self.page.on("pageerror", lambda exc: self.noise.append(f"page error: {exc}"))
        # signed in by the login form's own request (its page is not what the walk reads)
        form = self.context.request.get(live.url + "/login")
        token = TOKEN.search(form.text())
        assert token, form.text()[:300]
        signed = self.context.request.post(live.url + "/login", max_redirects=0, form={
            "username": username, "password": PASSWORD, "csrf_token": token.group(1)})
        assert signed.status == 302, signed.text()[:300]
        self.page.goto(live.url + "/inbox")

    def _request(self, request: Any) -> None:
        where = urlsplit(request.url)
        if where.scheme not in ("data", "blob") and where.netloc != self.origin:
            self.noise.append(f"request to another host: {request.url}")

    def on(self, viewport: dict[str, int]) -> Walker:
        self.page.set_viewport_size(viewport)
        return self

    @property
    def phone(self) -> bool:
        return self.page.viewport_size["width"] <= PHONE["width"]

    def look(self, name: str, *shown: str) -> str:
        """Check the page as it is now; returns its visible text."""
        page = self.page
        page.wait_for_load_state()  # the load event: images included
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        screen = "phone" if self.phone else "desktop"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{self.username}-{screen}.png"),
                        full_page=True)
        text: str = page.inner_text("body")
        found = [f"missing {s!r}" for s in shown if s not in text]
        found += visible_faults(text)
        state = page.evaluate(PAGE_STATE)
        found += [f"image did not load: {src}" for src in state["brokenImages"]]
        if self.phone:
            if state["overflow"] > 0:
                found.append(f"{state['overflow']} px wider than the phone")
            found += [f"a card value without its label: {c}" for c in state["unlabelled"]]
        found += self.noise
        self.noise.clear()
        self.problems += [f"{name} ({self.username}, {screen}, {page.url}): {f}" for f in found]
        return text
