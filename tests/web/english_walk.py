"""What an English reader reads: every page a demo person can reach, asked with ``lang=en``.

A ``Reader`` is one demo person's session on the app (signed in by the login form, English
chosen by ``?lang=en`` as a user chooses it). ``Reader.walk`` follows the page's own links
breadth-first from the inbox, at most ``PER_RULE`` pages of each URL rule, and records every
text a reader reads (text nodes, and the ``title``, ``placeholder``, ``aria-label`` and
``alt`` attributes) that still holds Chinese once what the database holds is taken out of it.

What is taken out (``Data``): every string value of every table, and the strings inside its
JSON values: names of units and people, hazard descriptions, form answers, document numbers,
stored notices. Left in: the texts of BPMN definitions and the step names copied from them,
since the bundled diagrams' names are in the catalogue and a page must translate them.
A text inside an element marked ``lang="zh-CN"`` is Chinese on purpose (a quoted law, the
language switch's own name) and is not read.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from .pages import TOKEN

CHINESE = re.compile(r"[\u3400-\u9fff]")
RUN = re.compile(r"[\u3400-\u9fff]+")
PER_RULE = 8
# read as text: hints, labels a phone shows for a table's cells, a confirmation's question
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-label", "data-confirm",
                   "label")
BUTTON_INPUTS = {"submit", "button", "reset"}  # an <input> whose value is its caption
NOT_TEXT = {"script", "style", "template", "noscript"}
# pages whose links are not followed: they change something or answer a file
NOT_FOLLOWED = re.compile(r"/logout|/static/|\.(?:pdf|xlsx|csv|png|jpe?g|zip|json|geojson)"
                          r"(?:\?|$)|/export|/thumb")
# (table, column) whose strings are not data a page may show as they are: diagrams, forms and
# what is copied from them (step names, a document's snapshot), words a page translates, and
# the notices' sentences (a page says them again from their parts)
NOT_DATA = {("deployment", None), ("process_definition", None), ("designer_draft", None),
            ("human_task", "name"), ("hazard", "stage"), ("document_case", "snapshot"),
            ("unit_location", "grade"), ("major_hazard_source", "level"),
            ("notification", "title"), ("notification", "body"), ("notification", "said"),
            ("alembic_version", None)}


class Data:
    """The strings the database holds, longest first, to be taken out of a page's text."""

    def __init__(self, db: sa.Engine) -> None:
        found: set[str] = set()
        inspector = sa.inspect(db)
        tables = set(inspector.get_table_names())
        assert {t for t, _ in NOT_DATA} <= tables, "NOT_DATA names a table that is gone"
        with db.connect() as conn:
            for table in inspector.get_table_names():
                if (table, None) in NOT_DATA:
                    continue
                for column in inspector.get_columns(table):
                    name = column["name"]
                    if (table, name) in NOT_DATA:
                        continue
                    rows = conn.execute(sa.text(f'SELECT DISTINCT "{name}" FROM "{table}"'))
                    for (value,) in rows:
                        if isinstance(value, str) and CHINESE.search(value):
                            found.update(_strings(value))
        self.whole = found
        self.texts = [s for s in found if "\n" in s]  # stored texts of several lines
        ordered = sorted((s for s in found if len(s) > 1), key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None

    def untranslated(self, text: str) -> bool:
        """Whether ``text`` holds Chinese that is not the database's: once its strings are
        taken out, a run of Chinese is left that is not a single character the database
        holds alone (一 of a list's numbering, 个 of a quantity: taken out only as a whole
        run, never inside a word). A whole line of a stored text of several lines (a
        report's narrative, shown a paragraph at a time) is the database's too."""
        left = self.pattern.sub(" ", text) if self.pattern is not None else text
        runs = RUN.findall(left)
        if all(run in self.whole for run in runs):
            return False
        line = text.strip()
        return not any(line in stored.splitlines() for stored in self.texts)


def _strings(value: str) -> Iterator[str]:
    yield value
    if value[:1] in "[{":
        try:
            stack: list[Any] = [json.loads(value)]
        except ValueError:
            return
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                if CHINESE.search(node):
                    yield node
            elif isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def read_texts(html: str, every: bool = False) -> Iterator[str]:
    """The texts of a page a reader reads: outside elements marked Chinese on purpose, or
    ``every`` one (a Chinese page)."""
    root = lxml.html.document_fromstring(html)
    skipped = (lambda _: False) if every else _chinese_on_purpose
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        if (element.tail and element.tail.strip() and parent is not None
                and parent.tag not in NOT_TEXT and not skipped(parent)):
            yield element.tail  # the text after the element belongs to its parent
        if element.tag in NOT_TEXT or skipped(element):
            continue
        for attribute in READ_ATTRIBUTES:
            value = element.get(attribute)
            if value:
                yield value
        if element.tag == "input" and element.get("type") in BUTTON_INPUTS and element.get("value"):
            yield element.get("value")
        if element.text and element.text.strip():
            yield element.text


def _chinese_on_purpose(element: Any) -> bool:
    for node in element.iterancestors():
        if str(node.get("lang", "")).startswith("zh"):
            return True
    return str(element.get("lang", "")).startswith("zh")


@dataclass
class Finding:
    text: str
    pages: set[str] = field(default_factory=set)


@dataclass
class Walk:
    """What every reader met: untranslated text → the pages, and the rules walked."""

    findings: dict[str, Finding] = field(default_factory=dict)
    rules: set[str] = field(default_factory=set)
    pages: int = 0

    def report(self) -> list[str]:
        return [f"{f.text!r} on {sorted(f.pages)[:3]}"
                for f in sorted(self.findings.values(), key=lambda f: f.text)]


Check = Callable[[str, str], None]  # (a text a reader reads, its page's rule)


def untranslated(data: Data, into: Walk) -> Check:
    """On an English page: Chinese that is not the database's."""
    def check(text: str, rule: str) -> None:
        if CHINESE.search(text) and data.untranslated(text):
            key = " ".join(text.split())
            into.findings.setdefault(key, Finding(key)).pages.add(rule)
    return check


def codes(patterns: Mapping[str, re.Pattern[str]], into: Walk) -> Check:
    """On a Chinese page: a code where a name belongs (``patterns`` by kind: a login, a
    role's code, a BPMN element's id); a finding's text begins with its kind."""
    def check(text: str, rule: str) -> None:
        for kind, pattern in patterns.items():
            for found in pattern.finditer(text):
                key = f"{kind} {found.group(0)!r} in {' '.join(text.split())[:80]!r}"
                into.findings.setdefault(key, Finding(key)).pages.add(rule)
    return check


class Reader:
    """A demo person's session in English (or ``lang``), or the public's (``username``
    None)."""

    def __init__(self, app: Flask, username: str | None, password: str = "",
                 lang: str = "en") -> None:
        self.app = app
        self.lang = lang
        self.client: FlaskClient = app.test_client()
        page = self.client.get(f"/login?lang={lang}").get_data(as_text=True)
        if username is None:
            return
        found = TOKEN.search(page)
        assert found, page[:300]
        response = self.client.post("/login", data={
            "username": username, "password": password, "csrf_token": found.group(1)})
        assert response.status_code == 302, (username, response.status_code)
        assert self.client.get("/inbox").status_code == 200

    def walk(self, check: Check, into: Walk, start: Iterable[str] = ("/inbox",)) -> None:
        adapter = self.app.url_map.bind("localhost")
        queue = list(start)
        seen: set[str] = set()
        per_rule: dict[str, int] = defaultdict(int)
        while queue:
            path = queue.pop(0)
            if path in seen or NOT_FOLLOWED.search(path):
                continue
            seen.add(path)
            parts = urlsplit(path)
            try:
                rule, _ = adapter.match(parts.path, method="GET", return_rule=True)
            except Exception:  # a link to nothing of ours (a 404 is the links test's)
                continue
            if per_rule[rule.rule] >= PER_RULE:
                continue
            per_rule[rule.rule] += 1
            response = self.client.get(path)
            if response.status_code in (301, 302, 303) and response.location:
                queue.append(response.location)  # e.g. a process's page to its last version
                continue
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            into.rules.add(rule.endpoint)
            into.pages += 1
            html = response.get_data(as_text=True)
            for text in read_texts(html, every=self.lang != "en"):
                check(text, rule.rule)
            for href in lxml.html.document_fromstring(html).xpath("//a/@href"):
                target = urlsplit(str(href))
                if target.netloc or not target.path.startswith("/"):
                    continue
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
