"""The designer's JSON API: drafts, import/export round trips, hostile uploads, checks,
deploy, versions and diffs, the form preview."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from .conftest import Login, assert_error

D = "/api/v1/designer"
DATA = Path(__file__).parents[1] / "engine" / "data"
HAZARD = Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn"
RANGE = sorted(DATA.glob("*.bpmn")) + [HAZARD]


def element_set(xml: bytes) -> set[tuple[str, str]]:
    """Every element with an id, diagram interchange included, as (tag, id)."""
    root = etree.fromstring(xml)
    return {(str(n.tag), str(n.get("id"))) for n in root.iter()
            if isinstance(n.tag, str) and n.get("id")}


def upload(client: FlaskClient, headers: dict[str, str], data: bytes,
           name: str = "x.bpmn") -> Any:
    return client.post(f"{D}/import", headers=headers, content_type="multipart/form-data",
                       data={"bpmn": (io.BytesIO(data), name)})


def test_only_designers_reach_the_designer_api(client: FlaskClient, login: Login) -> None:
    assert_error(client.get(f"{D}/processes"), 401)
    assert_error(client.get(f"{D}/processes", headers=login("inspector")), 403)
    body = client.get(f"{D}/processes", headers=login("designer")).get_json()
    [hazard] = [p for p in body["processes"] if p["key"] == "hazard_lifecycle"]
    assert hazard["versions"][0]["version"] == 1
    assert hazard["versions"][0]["deployed_by"] == "system"
    assert hazard["versions"][0]["running_cases"] == 0


@pytest.mark.parametrize("path", RANGE, ids=lambda p: p.name)
def test_import_then_export_keeps_every_element_and_its_diagram(
        client: FlaskClient, login: Login, path: Path) -> None:
    original = path.read_bytes()
    response = upload(client, login("designer"), original, path.name)
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    exported = client.get(f"{D}/drafts/{draft['id']}/export", headers=login("designer"))
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert element_set(exported.data) == element_set(original)
    shapes = {i for tag, i in element_set(exported.data) if tag.endswith("BPMNShape")}
    assert bool(shapes) == (b"BPMNShape" in original)


def test_draft_saved_updated_with_revision_and_deleted(client: FlaskClient, login: Login) -> None:
    headers = login("designer")
    xml = HAZARD.read_text(encoding="utf-8")
    created = client.post(f"{D}/drafts", headers=headers, json={
        "bpmn": xml, "name": "整改期限调整", "base_version": 1,
        "forms": {"extra": {"type": "object", "properties": {"a": {"type": "string"}}}}})
    assert created.status_code == 201, created.get_json()
    draft = created.get_json()
    assert (draft["process_key"], draft["revision"], draft["base_version"]) == (
        "hazard_lifecycle", 1, 1)
    saved = client.put(f"{D}/drafts/{draft['id']}", headers=headers,
                       json={"bpmn": xml.replace("P1D", "P2D", 1), "revision": 1})
    assert saved.get_json()["revision"] == 2
    stale = client.put(f"{D}/drafts/{draft['id']}", headers=headers,
                       json={"bpmn": xml, "revision": 1})
    assert_error(stale, 409, "stale_revision")
    listed = client.get(f"{D}/drafts", headers=headers).get_json()["items"]
    assert [d["name"] for d in listed] == ["整改期限调整"]
    assert client.delete(f"{D}/drafts/{draft['id']}", headers=headers).status_code == 204
    assert_error(client.get(f"{D}/drafts/{draft['id']}", headers=headers), 404)
    assert_error(client.post(f"{D}/drafts", headers=headers, json={
        "bpmn": xml, "forms": {"bad": {"type": 7}}}), 422, "invalid_form")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
  <bpmn:process id="p" isExecutable="true"><bpmn:documentation>&x;</bpmn:documentation>
  </bpmn:process></bpmn:definitions>"""


def hostile_expression() -> bytes:
    text = (Path(__file__).parents[1] / "engine" / "bpmn" / "review.bpmn").read_text()
    return text.replace('${decision == "approve"}',
                        "${().__class__.__base__.__subclasses__()}").encode()


def no_executable() -> bytes:
    return (DATA / "collaboration.bpmn").read_bytes().replace(
        b'isExecutable="true"', b'isExecutable="false"')


def test_hostile_uploads_are_refused_with_element_and_reason(
        client: FlaskClient, login: Login) -> None:
    headers = login("designer")
    xxe = assert_error(upload(client, headers, XXE), 422, "invalid_bpmn")
    assert xxe["details"][0]["element_id"] == "!DOCTYPE" and xxe["details"][0]["line"] == 2
    assert_error(upload(client, headers, b"<a>" + b" " * (2 * 1024 * 1024 + 1) + b"</a>"), 413)
    evil = assert_error(upload(client, headers, hostile_expression()), 422, "invalid_bpmn")
    assert evil["details"][0]["element_id"] == "Flow_Approved"
    assert "registered functions" in evil["details"][0]["message"]
    none = assert_error(upload(client, headers, no_executable()), 422, "invalid_bpmn")
    assert "no executable process" in none["details"][0]["message"]
    assert client.get(f"{D}/drafts", headers=headers).get_json()["items"] == []


def test_validate_reports_located_problems_and_deploy_makes_version_2(
        client: FlaskClient, login: Login) -> None:
    headers = login("designer")
    xml = HAZARD.read_text(encoding="utf-8")
    broken = xml.replace('camunda:candidateGroups="principal@unit"',
                         'camunda:candidateGroups="principal@nowhere"')
    checked = client.post(f"{D}/validate", headers=headers, json={"bpmn": broken}).get_json()
    assert checked["ok"] is False
    assert checked["problems"][0]["element_id"] == "Task_Controls"
    assert isinstance(checked["problems"][0]["line"], int)
    refused = assert_error(client.post(f"{D}/deploy", headers=headers, json={"bpmn": broken}),
                           422, "invalid_bpmn")
    assert refused["details"][0]["element_id"] == "Task_Controls"
    assert client.post(f"{D}/validate", headers=headers,
                       json={"bpmn": xml}).get_json() == {"ok": True, "problems": []}
    changed = xml.replace('camunda:dueDate="P1D" camunda:priority="90"',
                          'camunda:dueDate="PT12H" camunda:priority="95"')
    deployed = client.post(f"{D}/deploy", headers=headers, json={"bpmn": changed})
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["deployed"] == [{"key": "hazard_lifecycle", "version": 2}]
    again = client.post(f"{D}/deploy", headers=headers, json={"bpmn": changed})
    assert again.status_code == 200 and again.get_json()["created"] is False
    versions = client.get(f"{D}/processes", headers=headers).get_json()["processes"]
    [hazard] = [p for p in versions if p["key"] == "hazard_lifecycle"]
    assert [(v["version"], v["deployed_by"]) for v in hazard["versions"]] == [
        (2, "designer"), (1, "system")]
    diff = client.get(f"{D}/processes/hazard_lifecycle/diff", headers=headers,
                      query_string={"from": 1, "to": 2}).get_json()
    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert {c["attribute"] for c in diff["changed"][0]["changes"]} == {
        "camunda:dueDate", "camunda:priority"}
    content = client.get(f"{D}/processes/hazard_lifecycle/versions/2", headers=headers)
    assert "PT12H" in content.get_json()["bpmn"]
    assert "hazard_triage" in content.get_json()["forms"]
    assert_error(client.get(f"{D}/processes/hazard_lifecycle/versions/9", headers=headers), 404)


def test_form_preview_renders_like_the_inbox(client: FlaskClient, login: Login) -> None:
    schema = {"type": "object", "title": "确认",
              "properties": {"confirm_note": {"type": "string", "title": "确认意见"},
                             "agreed": {"type": "boolean", "title": "同意"}},
              "required": ["confirm_note"]}
    out = client.post(f"{D}/forms/preview", headers=login("designer"),
                      json={"schema": schema}).get_json()
    assert out["renderer"] == "inbox"
    assert 'name="confirm_note"' in out["html"] and "确认意见" in out["html"]
    assert_error(client.post(f"{D}/forms/preview", headers=login("designer"),
                             json={"schema": {"type": "nonsense"}}), 422, "invalid_form")
