"""Importing a 隐患台账 from Excel over the API and through the ledger's import page (the
sample sheet of tests/workflows/data): the dry run answers each row's problems and writes
nothing, a corrected mapping is used, the import answers its hazards, a refusal is a clear
4xx; the page walks upload → mapping → check → import → result with links.

On SQLite only (as the schemathesis run): the routes parse and answer the same on both
backends, and the use-cases they call are tested on PostgreSQL too
(tests/workflows/test_ledger_import.py)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.workflows.demo import DEMO_PASSWORD
from hazardflow.workflows.users import create_user

from .conftest import Login, assert_error
from .pages import Browser

SAMPLE = Path(__file__).parents[1] / "workflows" / "data" / "隐患台账样例.xlsx"


def add_rectifier(app: Flask) -> None:
    rt = app.extensions["hazardflow"]
    with rt.db.begin() as conn:
        create_user(conn, "wangjg", DEMO_PASSWORD, "王建国", [("rectifier", "LA-JA-H01")],
                    now=rt.now())


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_api_dry_run_and_the_import_page_bring_the_sample_ledger_in(
        app: Flask, client: FlaskClient, login: Login) -> None:
    add_rectifier(app)

    def post(dry_run: str, who: str = "safety", data: bytes | None = None,
             **form: str) -> object:
        body = {"file": (io.BytesIO(SAMPLE.read_bytes() if data is None else data),
                         "隐患台账样例.xlsx"), **form}
        return client.post(f"/api/v1/hazards/import?dry_run={dry_run}", data=body,
                           headers=login(who), content_type="multipart/form-data")

    checked = post("true")
    assert checked.status_code == 200, checked.get_json()  # type: ignore[attr-defined]
    body = checked.get_json()  # type: ignore[attr-defined]
    assert (body["dry_run"], body["total"], body["good"], body["job"]) == (True, 13, 7, None)
    assert body["mapping"]["deadline"] == "J"
    bad = {r["row"]: sorted(r["problems"]) for r in body["rows"] if r["problems"]}
    assert bad == {13: ["found_on"], 14: ["unit"], 15: ["category"], 16: ["level"],
                   17: ["responsible"], 18: ["description"]}
    # the user's correction: no 完成情况 or 验收日期 column is read: rows go by their people
    corrected = post("true", mapping=json.dumps({"status": None, "verified_on": None}))
    states = {r["row"]: r["state"]
              for r in corrected.get_json()["rows"]}  # type: ignore[attr-defined]
    assert (states[9], states[19]) == ("ordered", "registered")
    assert_error(post("true", mapping="[1]"), 422)
    assert_error(post("true", who="rectifier"), 403)
    assert_error(post("true", data=b"%PDF-1.4 not a sheet"), 422)

    # the page: upload → mapping (guessed, shown as chosen) → check → import → result
    browser = Browser(app, "safety")
    assert 'href="/ledger/import"' in browser.html("/ledger")
    mapping = browser.post("/ledger/import", {
        "file": (io.BytesIO(SAMPLE.read_bytes()), "隐患台账样例.xlsx")},
        content_type="multipart/form-data")
    text = mapping.get_data(as_text=True)
    assert mapping.status_code == 200 and "表头在第 5 行" in text
    chosen = dict(re.findall(
        r'name="(map_\w+)">(?:(?!</select>).)*?<option value="(\d+)" selected', text, re.S))
    assert chosen["map_deadline"] == "9" and "map_unit" in chosen
    report = browser.post("/ledger/import/check", chosen).get_data(as_text=True)
    assert "共 13 行，可导入 7 行，有问题 6 行。" in report
    assert "「发现日期」：无法识别的日期：2026-13-01" in report
    hidden = dict(re.findall(r'<input type="hidden" name="(map_\w+)" value="(\d*)">', report))
    done = browser.post("/ledger/import/run", hidden)
    assert done.status_code == 302
    result = browser.html(done.headers["Location"])
    assert "DR1-0009" in result and "验收/复查" in result and "金安区人民医院安全管理员" in result
    assert "金安区人民医院隐改〔2026〕012号" in result

    # the API reads the import back; importing the same file again has nothing left to bring
    job = client.get("/api/v1/hazards/imports/1", headers=login("safety")).get_json()
    assert (job["status"], job["imported_rows"], job["hazards"][0]["code"]) == \
        ("done", 7, "DR1-0007")
    assert_error(client.get("/api/v1/hazards/imports/1", headers=login("safety2")), 404)
    again = assert_error(post("false"), 422)
    assert again["details"][0]["message"] == "第 7 行：本行已从同一文件导入（隐患 DR1-0007）"
