"""Process definitions: list, deploy (multipart and raw XML), refusals, versions, XML, forms."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock

from .conftest import Login, assert_error, hazard_data, make_app, sign_in
from .support import API, photo, report

DEFS = f"{API}/definitions"

START_FORM = {"type": "object", "title": "现场复查",
              "properties": {"unit_code": {"type": "string", "minLength": 1},
                             "note": {"type": "string", "maxLength": 200}},
              "required": ["unit_code"], "additionalProperties": False}
REVIEW_FORM = {"type": "object", "title": "复查结论",
               "properties": {"result": {"type": "string", "enum": ["ok", "bad"]}},
               "required": ["result"], "additionalProperties": False}
FORMS = {"site_check_start": START_FORM, "site_check_review": REVIEW_FORM}


def bpmn(process: str = "site_check", name: str = "现场复查",
         start_form: str = "site_check_start", task_form: str = "site_check_review",
         condition: str = '${result == "ok"}', prolog: str = "", body: str = "") -> bytes:
    """A small valid process: start (form) → review (county) → gateway → two ends."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>{prolog}
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="Defs_{process}" targetNamespace="http://hazardflow.example/test">
  <bpmn:process id="{process}" name="{name}" isExecutable="true"
      camunda:candidateStarterGroups="inspector,county_supervisor">{body}
    <bpmn:startEvent id="StartEvent_1" camunda:formKey="{start_form}">
      <bpmn:outgoing>Flow_Start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_Start" sourceRef="StartEvent_1" targetRef="Task_Review" />
    <bpmn:userTask id="Task_Review" name="复查" camunda:formKey="{task_form}"
        camunda:candidateGroups="county_supervisor@county">
      <bpmn:incoming>Flow_Start</bpmn:incoming>
      <bpmn:outgoing>Flow_Review</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_Review" sourceRef="Task_Review" targetRef="Gateway_Result" />
    <bpmn:exclusiveGateway id="Gateway_Result" default="Flow_Other">
      <bpmn:incoming>Flow_Review</bpmn:incoming>
      <bpmn:outgoing>Flow_Ok</bpmn:outgoing>
      <bpmn:outgoing>Flow_Other</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_Ok" sourceRef="Gateway_Result" targetRef="EndEvent_Ok">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Other" sourceRef="Gateway_Result" targetRef="EndEvent_Other" />
    <bpmn:endEvent id="EndEvent_Ok"><bpmn:incoming>Flow_Ok</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="EndEvent_Other"><bpmn:incoming>Flow_Other</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def multipart(xml: bytes, forms: dict[str, Any] | None = None,
              filename: str = "site_check.bpmn") -> dict[str, Any]:
    files: list[tuple[io.BytesIO, str]] = [
        (io.BytesIO(json.dumps(schema, ensure_ascii=False).encode()), f"{key}.json")
        for key, schema in (FORMS if forms is None else forms).items()]
    return {"data": {"bpmn": (io.BytesIO(xml), filename), "forms": files},
            "content_type": "multipart/form-data"}


def deploy(client: FlaskClient, headers: dict[str, str], xml: bytes,
           forms: dict[str, Any] | None = None) -> Any:
    return client.post(DEFS, headers=headers, **multipart(xml, forms))


def deploy_raw(client: FlaskClient, headers: dict[str, str], xml: bytes) -> Any:
    return client.post(DEFS, headers=headers, data=xml, content_type="application/xml")


def test_everyone_signed_in_lists_the_definitions(client: FlaskClient, login: Login) -> None:
    items = {i["key"]: i for i in client.get(DEFS, headers=login("rectifier")).get_json()["items"]}
    assert {"hazard_lifecycle", "monthly_report", "monthly_report_round"} <= items.keys()
    hazard = items["hazard_lifecycle"]
    assert hazard["latest_version"] == 1 and hazard["start_form"] == "hazard_register"
    assert hazard["can_start"] is False  # a rectifier is not a starter
    starts = {i["key"]: i for i in client.get(DEFS, headers=login("inspector")).get_json()["items"]}
    assert starts["hazard_lifecycle"]["can_start"] is True


def test_designer_deploys_bpmn_with_forms_and_an_identical_redeploy_changes_nothing(
        client: FlaskClient, login: Login) -> None:
    designer = login("designer")
    first = deploy(client, designer, bpmn())
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["deployed"] == [{"key": "site_check", "version": 1}]
    again = deploy(client, designer, bpmn())
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["deployed"] == [{"key": "site_check", "version": 1}]
    changed = deploy(client, designer, bpmn(name="现场复查（修订）"))
    assert changed.status_code == 201
    assert changed.get_json()["deployed"] == [{"key": "site_check", "version": 2}]
    listed = {i["key"]: i for i in client.get(DEFS, headers=designer).get_json()["items"]}
    assert listed["site_check"]["latest_version"] == 2
    assert listed["site_check"]["name"] == "现场复查（修订）"


def test_a_deployed_process_can_be_started_and_its_task_done(client: FlaskClient,
                                                            login: Login) -> None:
    assert deploy(client, login("designer"), bpmn()).status_code == 201
    started = client.post(f"{API}/cases", headers=login("inspector"), json={
        "definition": "site_check", "data": {"unit_code": "LA-JA-H01", "note": "复查"}})
    assert started.status_code == 201, started.get_json()
    case = started.get_json()["case"]
    assert [t["element_id"] for t in case["active_tasks"]] == ["Task_Review"]
    tasks = client.get(f"{API}/tasks", query_string={"view": "groups"},
                       headers=login("jinan")).get_json()["items"]
    task = next(t["id"] for t in tasks if t["case_id"] == case["id"])
    done = client.post(f"{API}/tasks/{task}/complete", json={"data": {"result": "ok"}},
                       headers=login("jinan"))
    assert done.status_code == 200 and done.get_json()["case"]["status"] == "completed"


def test_raw_xml_deploy_may_use_forms_that_are_already_deployed(client: FlaskClient,
                                                                login: Login) -> None:
    xml = bpmn(process="recheck", name="复查", start_form="hazard_register",
               task_form="hazard_verify", condition='${verify_result == "passed"}')
    response = deploy_raw(client, login("designer"), xml)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["deployed"] == [{"key": "recheck", "version": 1}]
    forms = client.get(f"{DEFS}/recheck/versions/1/forms", headers=login("designer"))
    assert set(forms.get_json()["forms"]) == {"hazard_register", "hazard_verify"}
    inspector = login("inspector")
    started = client.post(f"{API}/cases", headers=inspector, json={
        "definition": "recheck", "data": hazard_data(photos_before=[photo(client, inspector)])})
    assert started.status_code == 201, started.get_json()


def test_raw_xml_naming_a_form_nobody_deployed_is_422(client: FlaskClient,
                                                      login: Login) -> None:
    body = assert_error(deploy_raw(client, login("designer"), bpmn()), 422, "invalid_bpmn")
    assert {"StartEvent_1", "Task_Review"} <= {d.get("element_id") for d in body["details"]}


@pytest.mark.parametrize("user", ["inspector", "city", "safety", "admin_without_designer"])
def test_only_designers_and_admins_may_deploy(client: FlaskClient, login: Login,
                                              user: str) -> None:
    if user == "admin_without_designer":
        response = deploy(client, login("admin"), bpmn())
        assert response.status_code == 201, response.get_json()
        return
    assert_error(deploy(client, login(user), bpmn()), 403, "forbidden")
    assert_error(deploy_raw(client, login(user), bpmn()), 403, "forbidden")
    assert "site_check" not in {i["key"] for i in
                                client.get(DEFS, headers=login(user)).get_json()["items"]}


XXE = '\n<!DOCTYPE bpmn [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
          ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>')


@pytest.mark.parametrize("prolog, body", [
    (XXE, '<bpmn:documentation>&xxe;</bpmn:documentation>'),
    (LAUGHS, '<bpmn:documentation>&lol3;</bpmn:documentation>'),
], ids=["xxe", "billion-laughs"])
def test_dtds_and_entities_are_refused_with_the_element_and_line(
        client: FlaskClient, login: Login, prolog: str, body: str) -> None:
    xml = bpmn(prolog=prolog, body=body)
    for response in (deploy(client, login("designer"), xml),
                     deploy_raw(client, login("designer"), xml)):
        error = assert_error(response, 422, "invalid_bpmn")
        assert error["details"][0]["element_id"] == "!DOCTYPE"
        assert error["details"][0]["line"] == 2
        assert "root:" not in json.dumps(error)  # nothing of /etc/passwd came back
    assert "site_check" not in {i["key"] for i in
                                client.get(DEFS, headers=login("designer")).get_json()["items"]}


@pytest.mark.parametrize("condition", [
    '${__import__("os").system("id") == 0}',
    '${().__class__.__base__.__subclasses__()}',
    '${result.__class__ == "x"}',
    '${open("/etc/passwd").read() == "x"}',
], ids=["import", "subclasses", "dunder-attr", "open"])
def test_an_expression_reaching_python_is_422_naming_the_sequence_flow(
        client: FlaskClient, login: Login, condition: str) -> None:
    error = assert_error(deploy(client, login("designer"), bpmn(condition=condition)), 422,
                         "invalid_bpmn")
    flows = [d for d in error["details"] if d.get("element_id") == "Flow_Ok"]
    assert flows, error
    assert isinstance(flows[0].get("line"), int)
    assert client.get(f"{DEFS}/site_check/versions", headers=login("designer")
                      ).status_code == 404


@pytest.fixture
def small_app(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, clock, tmp_path, max_bpmn_bytes=4096,
                   max_request_bytes=64 * 1024)
    yield app
    app.extensions["hazardflow"].db.dispose()


def test_an_oversize_bpmn_or_request_is_413(small_app: Flask) -> None:
    client = small_app.test_client()
    designer = sign_in(client, "designer")
    padded = bpmn(body="<!-- " + "x" * 8000 + " -->")
    assert len(padded) > 4096
    for response in (deploy(client, designer, padded), deploy_raw(client, designer, padded)):
        assert "4096" in assert_error(response, 413, "too_large")["message"]
    huge = bpmn(body="<!-- " + "x" * 100_000 + " -->")
    assert_error(deploy(client, designer, huge), 413, "too_large")
    assert_error(deploy_raw(client, designer, huge), 413, "too_large")
    assert deploy(client, designer, bpmn()).status_code == 201  # a normal file still fits


def test_versions_show_running_cases_per_version(client: FlaskClient, login: Login) -> None:
    for _ in range(2):
        report(client, login("inspector"))
    designer = login("designer")
    xml = client.get(f"{DEFS}/hazard_lifecycle/versions/1/xml", headers=designer).data
    renamed = xml.replace('name="隐患排查治理"'.encode(), 'name="隐患排查治理（二版）"'.encode(), 1)
    assert renamed != xml
    response = deploy_raw(client, designer, renamed)
    assert response.get_json()["deployed"] == [{"key": "hazard_lifecycle", "version": 2}]
    report(client, login("inspector"))
    items = client.get(f"{DEFS}/hazard_lifecycle/versions", headers=designer).get_json()["items"]
    assert [(i["version"], i["running_cases"]) for i in items] == [(2, 1), (1, 2)]
    assert items[0]["deployed_by"] == "designer" and items[1]["deployed_by"] == "system"
    assert items[0]["name"] == "隐患排查治理（二版）"
    assert_error(client.get(f"{DEFS}/no_such/versions", headers=designer), 404, "not_found")


def test_xml_and_forms_endpoints_return_what_was_deployed(client: FlaskClient,
                                                          login: Login) -> None:
    designer = login("designer")
    xml = bpmn()
    assert deploy(client, designer, xml).status_code == 201
    got = client.get(f"{DEFS}/site_check/versions/1/xml", headers=login("rectifier"))
    assert got.status_code == 200 and got.mimetype == "application/xml"
    assert got.data == xml
    forms = client.get(f"{DEFS}/site_check/versions/1/forms", headers=designer).get_json()
    assert forms == {"forms": FORMS}
    assert_error(client.get(f"{DEFS}/site_check/versions/9/xml", headers=designer), 404)
    assert_error(client.get(f"{DEFS}/site_check/versions/9/forms", headers=designer), 404)


def test_a_bpmn_file_in_gbk_deploys(client: FlaskClient, login: Login) -> None:
    xml = bpmn().decode().replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk")
    response = deploy(client, login("designer"), xml)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["deployed"] == [{"key": "site_check", "version": 1}]
