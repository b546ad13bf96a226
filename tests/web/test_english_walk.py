"""An English reader reads English: the demo month walked page by page with ``lang=en``.

The demo (``seed-demo --cases``: the organisation, its people, a dozen hazards through the
real process, a month of inspections, documents, reports, plans, rosters and the map) is
seeded once; each demo person then walks every page their links reach (``english_walk``).
A text that holds Chinese once the database's own strings are taken out of it is a label,
a status, a sentence or a name the catalogue should have translated.

The pages are enumerated, not trusted: every page rule of the app must have been read by
some reader, or be listed in ``NOT_WALKED`` with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner
from flask import Flask

from hazardflow.bootstrap import build_runtime
from hazardflow.cli import main
from hazardflow.config import load_settings
from hazardflow.web import create_app
from hazardflow.workflows import users
from hazardflow.workflows.demo import DEMO_PASSWORD
from hazardflow.workflows.roles import ROLES
from hazardflow.workflows.schema_files import document

from .english_walk import CHINESE, Data, Reader, Walk, codes, read_texts, untranslated
from .walk import ELEMENT_ID, LOGIN

# a role's code where its name belongs
ROLE_CODE = re.compile(r"(?<![A-Za-z0-9_.@-])(?:" + "|".join(ROLES) + r")(?![A-Za-z0-9_@-])")
CODES = {"login": LOGIN, "role": ROLE_CODE, "element": ELEMENT_ID}

# a demo person of each role, and of each kind of body (a hospital, a county, the city, the
# supervision institute, a private hospital, a town health centre)
READERS = ("safety", "inspector", "jinan", "city", "admin", "designer", "principal",
           "rectifier", "verifier", "leader", "jinan_head", "jubao", "jianduo", "yuan",
           "dongqiao", "jimin")
# text: why it stays as it is on an English page
ALLOWED: dict[str, str] = {
    "Part of the unit's name, e.g. 人民医院":
        "the public report form's search hint: the reader types a Chinese unit name",
    "李女士 13800000000": "a reporter's name and phone: data, but stored encrypted, so the "
                          "walk cannot read it from the database",
}
# pages that show logins and role codes as such: the accounts an administrator manages
LOGINS_SHOWN = {"/admin/users", "/admin/users/<int:user_id>",
                "/admin/users/<int:user_id>/certificate"}
SHOWN_THERE = ("login ", "role ")  # the kinds of finding those pages may show
# the JSON a page's script draws (no parameter needed): read in English as well
PAGE_JSON = ("/monitor/dashboard.json", "/map/layers.json")  # /counts holds numbers only
# where a reader begins: the inbox, and the pages no link of the demo's pages leads to
STARTS = ("/inbox", "/monitor/process", "/map/units/LA-JA-H01")
PUBLIC = ("/login", "/report", "/report/track")  # and a document's /verify/<code>
FILE = "a file (PDF, Excel, GeoJSON, an image or a thumbnail), not a page"
JSON = "JSON for a page's script or a client, not a page"
# endpoint: why no reader reads it here
NOT_WALKED: dict[str, str] = {
    **dict.fromkeys(("campaigns.assessment_export", "campaigns.report_export",
                     "campaigns.report_pdf", "monitor.dashboard_xlsx", "ui.admin_import_template",
                     "ui.case_document", "ui.document_pdf", "ui.dossier",
                     "ui.duty_roster_export", "ui.evidence_file", "ui.evidence_thumb",
                     "ui.ledger_export", "ui.map_basemap", "ui.map_export", "favicon",
                     "designer.designer_export_draft"), FILE),
    **dict.fromkeys(("designer.designer_get_draft", "designer.designer_list_drafts",
                     "designer.designer_migration_status", "designer.designer_processes",
                     "designer.designer_version", "designer.designer_version_diff",
                     "monitor.batch_json", "monitor.dashboard_json", "monitor.element_cases",
                     "ui.counts", "ui.map_layers", "ui.public_report_units", "ui.diagram"),
                    JSON),
    **dict.fromkeys(("ops.healthz", "ops.metrics", "ops.readyz"),
                    "for the operator's probes and Prometheus, not a reader"),
    "index": "redirects to the inbox",
    "ui.events_live": "the events page's table alone (ui/event_rows.html, read with /events)",
    "monitor.process_latest": "redirects to the last version's page (monitor.process)",
    "monitor.batch": "the demo starts no repair batch (tests/web/test_repair_steps.py)",
    "ui.ledger_import_result": "the demo imports no ledger (tests/web/test_ledger_pages.py)",
    "campaigns.spotcheck": "the demo draws no spot check (tests/web/test_campaigns.py)",
    "campaigns.spotcheck_notice": "the demo draws no spot check (tests/web/test_campaigns.py)",
}


@dataclass
class Walked:
    app: Flask
    data: Data
    english: Walk  # untranslated Chinese on the English pages
    chinese: Walk  # logins, role codes and element ids on the Chinese pages


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walked]:
    tmp: Path = tmp_path_factory.mktemp("english")
    url = f"sqlite:///{tmp}/demo.db"
    env = {"HAZARDFLOW_INSTANCE_PATH": str(tmp / "instance")}
    slow = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    try:
        for args in (["init-db"], ["seed-demo", "--cases"]):
            result = CliRunner().invoke(main, ["--database-url", url, *args], env=env)
            assert result.exit_code == 0, result.output
        settings = load_settings(env={}, overrides={
            "database_url": url, "instance_path": str(tmp / "instance"),
            "scheduler": False, "secret_key": "test-secret"})
        app = create_app(build_runtime(settings), TESTING=True)
        db = app.extensions["hazardflow"].db
        data = Data(db)
        with db.connect() as conn:
            code = conn.execute(sa.select(document.c.verify_code).where(
                document.c.verify_code.is_not(None)).limit(1)).scalar_one()
        english, chinese = Walk(), Walk()
        for username in READERS:
            Reader(app, username, DEMO_PASSWORD).walk(untranslated(data, english), english,
                                                      STARTS)
            Reader(app, username, DEMO_PASSWORD, lang="zh_CN").walk(
                codes(CODES, chinese), chinese, STARTS)
        Reader(app, None).walk(untranslated(data, english), english,
                               (*PUBLIC, f"/verify/{code}"))
        yield Walked(app, data, english, chinese)
        app.extensions["hazardflow"].close()
    finally:
        users._hasher = slow


def test_an_english_reader_reads_no_chinese_but_the_data(walked: Walked) -> None:
    walk = walked.english
    assert walk.pages > 300
    found = {text: finding for text, finding in walk.findings.items() if text not in ALLOWED}
    assert [f"{f.text!r} on {sorted(f.pages)[:3]}" for f in found.values()] == []
    assert set(ALLOWED) <= set(walk.findings), "an allowed text no page shows any more"


def test_every_page_rule_is_read_in_english_or_says_why_not(walked: Walked) -> None:
    app, walk = walked.app, walked.english
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and not rule.rule.startswith(("/api/", "/static"))}
    assert {"ui.inbox", "ui.case", "ui.task", "monitor.index"} <= walk.rules
    assert sorted(pages - walk.rules - set(NOT_WALKED)) == []
    assert sorted(set(NOT_WALKED) & walk.rules) == [], "walked now: drop it from NOT_WALKED"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_json_a_page_draws_from_speaks_english_too(walked: Walked) -> None:
    """The dashboard's charts, the map's layers and popups: their scripts draw the JSON as
    it comes."""
    city = Reader(walked.app, "city", DEMO_PASSWORD)
    found = []
    for path in PAGE_JSON:
        answer = city.client.get(path)
        assert answer.status_code == 200, path
        strings = list(_strings(answer.get_json()))
        assert strings, path
        found += [(path, text) for text in strings
                  if CHINESE.search(text) and walked.data.untranslated(text)]
    assert found == []


def test_a_chinese_reader_reads_names_not_logins_role_codes_or_element_ids(
        walked: Walked) -> None:
    walk = walked.chinese
    assert walk.pages > 300
    shown = {f.text for f in walk.findings.values()
             if f.text.startswith(SHOWN_THERE) and set(f.pages) <= LOGINS_SHOWN}
    assert "login 'safety' in 'safety'" in shown  # the walk reads them where they belong
    assert [f"{f.text} on {sorted(f.pages)[:3]}" for f in walk.findings.values()
            if f.text not in shown] == []


def test_the_walk_reads_text_and_hints_but_not_what_is_chinese_on_purpose() -> None:
    html = ("<html><body><p>待认领</p><input placeholder='部位'><script>var a='脚本';</script>"
            "<span lang='zh-CN'>《安全生产法》<b>第六十五条</b></span>尾"
            "<td data-label='单位'></td><input type=submit value='保存'>"
            "<input name=q value='检索词'><select><optgroup label='流程'></optgroup></select>"
            "<button data-confirm='确定？'>x</button></body></html>")
    assert sorted(read_texts(html)) == sorted(
        ["待认领", "部位", "尾", "单位", "保存", "流程", "确定？", "x"])


def test_a_code_where_a_name_belongs_is_found_and_a_word_inside_a_name_is_not() -> None:
    walk = Walk()
    check = codes(CODES, walk)
    for text in ("责任人 principal", "角色 county_supervisor", "环节 Task_Rectify",
                 "safety_officer_x", "user.safety", "金安区人民医院院长"):
        check(text, "/page")
    assert sorted(walk.findings) == [
        "element 'Task_R' in '环节 Task_Rectify'",
        "login 'principal' in '责任人 principal'",
        "role 'county_supervisor' in '角色 county_supervisor'",
        "role 'principal' in '责任人 principal'"]
