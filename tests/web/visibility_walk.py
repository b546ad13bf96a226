"""The read-path walk: every GET rule of the app's ``url_map`` (pages and API alike), plus
the POST endpoints that answer data about many cases, asked by one reader of two twin
worlds; each answer normalised (what differs between any two runs, never what the data
says) and compared.

Routes are enumerated, never hand-listed: a rule added later is walked, or the test fails
until it is filled (:data:`SOURCES`, :data:`ENDPOINT_SOURCES`) or listed in :data:`SKIPPED`
with its reason.
"""

from __future__ import annotations

import difflib
import io
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from .conftest import sign_in
from .pages import Browser
from .visibility_values import Finding, Values

MAX_PER_RULE = 6  # parameter combinations walked per rule

# path parameter → where its values come from (visibility_values.Values' sources)
SOURCES: dict[str, str] = {
    "case_id": "case", "task_id": "task", "evidence_id": "evidence",
    "document_id": "document", "inspection_id": "inspection", "draw_id": "draw",
    "definition_id": "definition", "element_id": "element", "year": "year",
    "period": "period", "user_id": "user", "draft_id": "draft", "filename": "static",
    "version": "version", "key": "process", "ref": "evidence_ref", "form_key": "form",
    "report_id": "report", "event_id": "event", "session_id": "consultation",
    # the one map's records (应急一张图): kinds, their ids, the export formats
    "record_id": "emergency_record", "fmt": "emergency_format",
    # 值班表 by month, 应急预案, 台账导入
    "month": "month", "plan_id": "plan", "import_id": "import",
}
# a parameter whose meaning depends on the route
ENDPOINT_SOURCES: dict[tuple[str, str], str] = {
    ("api.hazard", "code"): "hazard",
    ("api.campaign_progress", "code"): "campaign",
    ("campaigns.campaign", "code"): "campaign",
    ("api.checklist_get", "code"): "checklist",
    ("campaigns.checklist", "code"): "checklist",
    ("ui.verify_document", "code"): "verify_code",  # the documents both twins hold
    ("ui.admin_unit", "code"): "unit",
    ("ui.map_unit", "code"): "unit",
    ("api.get_roster", "code"): "roster_unit",
    ("ui.duty_roster", "code"): "roster_unit",
    ("ui.duty_roster_export", "code"): "roster_unit",
    ("ui.duty_roster_print", "code"): "roster_unit",
    ("ui.map_records", "kind"): "emergency_kind",
    ("ui.map_record_new", "kind"): "emergency_kind",
    ("ui.map_record", "kind"): "emergency_kind",
    ("ui.map_export", "kind"): "emergency_kind",
    ("api.list_records", "kind"): "emergency_kind",
    ("api.get_record", "kind"): "emergency_kind",
    ("api.export_records", "kind"): "emergency_kind",
    ("api.report_consolidated", "kind"): "report_kind",
    ("ui.case_document", "kind"): "document_kind",
    ("ui.case_document", "case_id"): "documented",  # the reader's cases with a document
    ("api.repair_batch", "batch_id"): "batch",
    ("monitor.batch", "batch_id"): "batch",
    ("monitor.batch_json", "batch_id"): "batch",
}

# A PDF is rendered from the document alone (documents.render_pdf takes no reader), and
# rendering is most of a walk's time: a document the scenario's first reader was shown is
# not rendered again for the next readers (the hidden finding's own documents, which must
# not be found, are asked by every reader).
RENDERED_ONCE = frozenset({"/api/v1/documents/<int:document_id>",
                           "/documents/<int:document_id>.pdf",
                           "/cases/<int:case_id>/documents/<kind>.pdf",
                           "/api/v1/reports/<int:report_id>/pdf",
                           "/campaigns/reports/<int:report_id>.pdf"})

# rules not walked, each with why. ``/verify/<code>`` (public: the unguessable code printed
# on a document is the capability) is walked with the codes of the documents both twins
# hold: what it shows of an issued document must not move with a finding the reader may not
# see; the hidden finding's own documents' codes are not asked (whoever holds one holds the
# printout it verifies).
SKIPPED: dict[str, str] = {
    # a platform endpoint with no actor (Prometheus): its gauges count every case of the
    # city by design (usecases/operations.py) and its latency histogram differs between any
    # two runs; who may scrape it is the deployment's network rule, not the visibility rule
    "/metrics": "platform endpoint without an actor (see the comment above)",
    # designer-only batches of version migrations: the worlds hold none (a migration needs
    # two deployed versions), and the readers are refused the designer before any lookup
    "/api/v1/designer/migrations/<int:batch_id>": "no migration batch in the worlds",
    "/designer/api/migrations/<int:batch_id>": "no migration batch in the worlds",
    # a public report's status by its tracking code and PIN (no actor): it answers the
    # report's status and public reply only, never a hazard (tests/web/test_public_reports.py)
    "/api/v1/public/reports/<code>": "needs a public report's code and PIN; no case data",
}


# -- the requests ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    rule: str
    method: str
    path: str
    api: bool
    json: Any = None
    form: Mapping[str, Any] | None = None
    probe: bool = False  # names one of the hidden finding's own objects

    def __str__(self) -> str:
        body = self.json if self.json is not None else self.form
        return f"{self.method} {self.path}" + (f" {body}" if body is not None else "")


def read_rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.methods and "GET" in r.methods),
                  key=lambda r: r.rule)


def source_of(rule: Rule, param: str) -> str | None:
    return ENDPOINT_SOURCES.get((rule.endpoint, param)) or SOURCES.get(param)


def requests_for(app: Flask, values: Values, variants: Mapping[str, list[dict[str, str]]]
                 ) -> tuple[list[Request], list[str]]:
    """Every GET the reader walks, and the rules that could be neither filled nor skipped."""
    adapter = app.url_map.bind("localhost")
    out: list[Request] = []
    unfilled: list[str] = []
    for rule in read_rules(app):
        if rule.rule in SKIPPED:
            continue
        params = sorted(rule.arguments)
        choices = [values.get(source_of(rule, p) or "") for p in params]
        if not all(choices):
            empty = [p for p, c in zip(params, choices, strict=True) if not c]
            unfilled.append(f"{rule.rule} ({', '.join(empty)})")
            continue
        api = rule.rule.startswith("/api/")
        combos = list(itertools.islice(itertools.product(*choices), MAX_PER_RULE))
        for combo in combos:
            path = adapter.build(rule.endpoint, dict(zip(params, combo, strict=True)),
                                 method="GET")
            out.append(Request(rule.rule, "GET", path, api,
                               probe=any(v in values.hidden for v in combo)))
        # the query strings: on the bare route, or on its first combination (a route with
        # path parameters, e.g. the API's consolidated report ``?under=``)
        first = adapter.build(rule.endpoint, dict(zip(params, combos[0], strict=True)),
                              method="GET")
        for query in variants.get(rule.endpoint, []):
            out.append(Request(rule.rule, "GET", f"{first}?{urlencode(query)}", api,
                               probe=any(v in values.hidden for v in combos[0])))
    return out, unfilled


# -- the readers -----------------------------------------------------------------------------

class Reader:
    """One user signed in to one app: a page session and an API token."""

    def __init__(self, app: Flask, username: str) -> None:
        self.username = username
        self.browser = Browser(app, username)
        self.api: FlaskClient = app.test_client()
        self.headers = sign_in(self.api, username)
        self.csrf = self.browser.token()  # the session's, for every unsafe request

    def fetch(self, request: Request) -> TestResponse:
        if request.api:
            return self.api.open(request.path, method=request.method, json=request.json,
                                 headers=self.headers)
        if request.method == "GET":
            return self.browser.get(request.path)
        if request.json is not None:
            return self.browser.client.open(request.path, method=request.method,
                                            json=request.json,
                                            headers={"X-CSRFToken": self.csrf})
        return self.browser.client.open(request.path, method=request.method,
                                        data={**(request.form or {}), "csrf_token": self.csrf})


# -- normalising answers ---------------------------------------------------------------------

TEXTUAL = ("text/", "application/javascript", "application/xml", "image/svg+xml")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# values that differ between any two sign-ins, whatever the data
VOLATILE = [
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="csrf_token" value=")[^"]+'), r"\1<csrf>"),
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: list[str]

    def lines(self) -> list[str]:
        return [f"status {self.status}", *(f"{k}: {v}" for k, v in self.headers), *self.body]


def answer(response: TestResponse) -> Answer:
    headers = tuple((k, response.headers[k]) for k in ("Location", "Content-Type",
                                                       "Content-Disposition")
                    if k in response.headers)
    return Answer(response.status_code, headers, body_lines(response))


def body_lines(response: TestResponse) -> list[str]:
    mimetype = response.mimetype or ""
    data = response.get_data()
    if mimetype == "application/json" or mimetype.endswith("+json"):
        parsed = json.loads(data) if data else None
        return json.dumps(parsed, ensure_ascii=False, indent=1, sort_keys=True).splitlines()
    if mimetype == XLSX:
        return xlsx_cells(data)
    if mimetype == "application/pdf":
        return pdf_text(data)
    if mimetype.startswith(TEXTUAL):
        text = data.decode("utf-8", "replace")
        for pattern, replacement in VOLATILE:
            text = pattern.sub(replacement, text)
        return text.splitlines()
    return [f"{mimetype}: {len(data)} bytes, sha256 {sha256(data).hexdigest()}"]


def xlsx_cells(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return [f"{sheet.title}!{cell.coordinate}={cell.value!r}"
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None and hasattr(cell, "coordinate")]


def pdf_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


# -- walking and comparing -------------------------------------------------------------------

@dataclass(frozen=True)
class Leak:
    """An answer that differs between the twins: the rule asked, and how it differs."""

    rule: str
    text: str


@dataclass
class Walk:
    """What one reader's walk of both twins found."""

    reader: str
    walked: int = 0
    rules: set[str] = field(default_factory=set)
    leaks: list[Leak] = field(default_factory=list)


def difference(request: Request, reader: str, without: Answer, with_it: Answer) -> Leak:
    diff = difflib.unified_diff(without.lines(), with_it.lines(), "without the finding",
                                "with the finding", n=1, lineterm="")
    shown = list(itertools.islice(diff, 40))
    return Leak(request.rule,
                f"{request} as {reader}:\n" + "\n".join(line[:300] for line in shown))


def walk(reader: str, without: Reader, with_it: Reader,
         requests: list[Request]) -> Walk:
    """Ask both twins each request, in the same order; every answer that differs is a leak."""
    found = Walk(reader)
    for request in requests:
        a, b = answer(without.fetch(request)), answer(with_it.fetch(request))
        found.walked += 1
        found.rules.add(request.rule)
        if a != b:
            found.leaks.append(difference(request, reader, a, b))
    for twin in (without, with_it):  # signed out, every answer would match: a vacuous walk
        for alive in (Request("/inbox", "GET", "/inbox", False),
                      Request("/api/v1/me", "GET", "/api/v1/me", True)):
            assert twin.fetch(alive).status_code == 200, f"{reader} was signed out: {alive}"
    return found


# -- the POST endpoints that answer data about many cases ------------------------------------

# every POST endpoint named *preview* answers data: walked by post_reads, or listed here
NOT_CASE_DATA = {
    "api.designer_preview_form": "renders a form schema the caller sends; no case data",
    "designer.designer_preview_form": "renders a form schema the caller sends; no case data",
}


def post_reads(values: Values, found: Finding) -> list[Request]:
    """Bulk-repair previews, from the API and the monitor page, by filter (none, the hidden
    finding's county and unit, overdue) and by case ids (the reader's and the hidden ones);
    the designer's migration preview, which counts the cases on a version."""
    filters: list[dict[str, str]] = [{}, {"county": found.counties[0]},
                                     {"unit": found.units[0]}, {"kind": "overdue"}]
    cases = [str(c) for c in values.get("case")]
    api, page = "/api/v1/monitor/repairs/preview", "/monitor/repairs/preview"
    action = "reassign"  # the selection does not depend on the action: one walks it
    out: list[Request] = []
    for chosen in filters:
        out.append(Request(api, "POST", api, True, json={"action": action, "filter": chosen}))
        out.append(Request(page, "POST", page, False, form={
            "action": action, **{f"f_{k}": v for k, v in chosen.items()}}))
    out.append(Request(api, "POST", api, True,
                       json={"action": action, "cases": [int(c) for c in cases]}))
    out.append(Request(page, "POST", page, False, form={"action": action, "case": cases}))
    migration = {"key": "hazard_lifecycle", "from_version": 1, "to_version": 1}
    out.append(Request("/api/v1/designer/migrations/preview", "POST",
                       "/api/v1/designer/migrations/preview", True, json=migration))
    out.append(Request("/designer/api/migrations/preview", "POST",
                       "/designer/api/migrations/preview", False, json=migration))
    return out


def unwalked_previews(app: Flask, requests: list[Request]) -> list[str]:
    """POST endpoints called *preview* that neither :func:`post_reads` walks nor
    :data:`NOT_CASE_DATA` excuses."""
    walked = {r.rule for r in requests if r.method == "POST"}
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if r.methods and "POST" in r.methods and "preview" in r.endpoint
                  and r.rule not in walked and r.endpoint not in NOT_CASE_DATA)
