"""Cases: start one, look at one, send it a message (void), retry incidents."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import Login, assert_error, hazard_data
from .support import API, case_of, complete_ok, ledger_codes, open_task, photo, report


def test_starting_a_hazard_lifecycle_case_registers_a_hazard(client: FlaskClient,
                                                            login: Login) -> None:
    inspector = login("inspector")
    response = client.post(f"{API}/cases", headers=inspector, json={
        "definition": "hazard_lifecycle", "data": hazard_data(
            description="配电房门口堆放纸箱", photos_before=[photo(client, inspector)])})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["hazard"]["code"].startswith("YH-2026-")
    assert body["hazard"]["description"] == "配电房门口堆放纸箱"
    assert body["hazard"]["reported_by"] == "inspector"
    assert body["case"]["status"] == "active"
    assert [t["element_id"] for t in body["case"]["active_tasks"]] == ["Task_Triage"]
    assert body["hazard"]["case_id"] == body["case"]["id"]
    assert body["hazard"]["code"] in ledger_codes(client, login("safety"))


def test_starting_a_case_follows_the_same_rules_as_reporting(client: FlaskClient,
                                                             login: Login) -> None:
    start = f"{API}/cases"
    assert_error(client.post(start, headers=login("safety"), json={
        "definition": "hazard_lifecycle", "data": hazard_data(unit_code="LA-YA-H01")}),
        403, "forbidden")
    body = assert_error(client.post(start, headers=login("inspector"), json={
        "definition": "hazard_lifecycle", "data": hazard_data(level="huge")}), 422)
    assert "level" in [d.get("field") for d in body["details"]]
    assert_error(client.post(start, headers=login("inspector"), json={
        "definition": "hazard_lifecycle", "data": hazard_data(unit_code="NOWHERE")}), 422)
    assert ledger_codes(client, login("city")) == set()


def test_an_unknown_definition_is_404(client: FlaskClient, login: Login) -> None:
    body = assert_error(client.post(f"{API}/cases", headers=login("inspector"), json={
        "definition": "no_such_process", "data": {}}), 404, "not_found")
    assert "no_such_process" in body["message"]


def test_a_case_shows_status_definition_revision_tasks_history_incidents(
        client: FlaskClient, login: Login) -> None:
    found = report(client, login("inspector"))
    case_id = found["case"]["id"]
    case = case_of(client, login("jinan"), case_id)
    assert case["id"] == case_id
    assert case["status"] == "active"
    assert case["definition"] == {"key": "hazard_lifecycle", "version": 1}
    assert case["revision"] == 1
    assert case["started_by"] == "inspector"
    assert [t["element_id"] for t in case["active_tasks"]] == ["Task_Triage"]
    assert case["active_tasks"][0]["state"] == "open"
    assert "spiff_task_id" not in case["active_tasks"][0]
    assert [h["action"] for h in case["history"]] == ["start"]
    assert case["history"][0]["actor"] == "inspector"
    assert case["incidents"] == []
    assert case["hazard"]["code"] == found["hazard"]["code"]
    assert_error(client.get(f"{API}/cases/999999", headers=login("jinan")), 404, "not_found")


def test_a_case_that_does_not_exist_is_404_for_users_who_see_everything(
        client: FlaskClient, login: Login) -> None:
    for user in ("city", "leader", "admin"):
        assert_error(client.get(f"{API}/cases/999999", headers=login(user)), 404, "not_found")


def test_county_supervisor_voids_a_hazard_by_message(client: FlaskClient, login: Login) -> None:
    found = report(client, login("inspector"))
    case_id, code = found["case"]["id"], found["hazard"]["code"]
    response = client.post(f"{API}/cases/{case_id}/messages", headers=login("jinan"),
                           json={"name": "void", "data": {"reason": "重复上报"}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["case"]["status"] == "completed"
    assert response.get_json()["case"]["active_tasks"] == []
    assert code in ledger_codes(client, login("jinan"), status="voided")
    hazard = client.get(f"{API}/hazards/{code}", headers=login("city")).get_json()["hazard"]
    assert hazard["status"] == "voided" and hazard["closed_at"] is None
    case = case_of(client, login("city"), case_id)
    message = [h for h in case["history"] if h["action"] == "message"]
    assert len(message) == 1
    assert message[0]["payload"]["message"] == "void"
    assert message[0]["payload"]["data"] == {"reason": "重复上报"}
    assert "ServiceTask_Void" in message[0]["payload"]["ran"]
    assert message[0]["actor"] == "jinan"
    # a voided case takes no more messages
    assert_error(client.post(f"{API}/cases/{case_id}/messages", headers=login("jinan"),
                             json={"name": "void", "data": {}}), 409)


def test_only_supervisors_of_the_case_may_send_messages(client: FlaskClient,
                                                       login: Login) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    void = {"name": "void", "data": {"reason": "重复上报"}}
    for user in ("rectifier", "safety", "principal", "designer", "leader"):
        assert_error(client.post(f"{API}/cases/{case_id}/messages", headers=login(user),
                                 json=void), 403, "forbidden")
    assert_error(client.post(f"{API}/cases/{case_id}/messages", headers=login("yuan"),
                             json=void), 404, "not_found")
    assert_error(client.post(f"{API}/cases/{case_id}/messages", headers=login("jinan"),
                             json={"name": "no_such_message", "data": {}}), 409, "conflict")
    case = case_of(client, login("city"), case_id)
    assert case["status"] == "active" and case["hazard"]["status"] == "open"


def test_a_message_with_invalid_data_is_422_and_changes_nothing(client: FlaskClient,
                                                                login: Login) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    body = assert_error(client.post(f"{API}/cases/{case_id}/messages", headers=login("jinan"),
                                    json={"name": "reclassify", "data": {"level": "bogus"}}),
                        422)
    assert {"level", "reason"} <= {d.get("field") for d in body["details"]}
    case = case_of(client, login("jinan"), case_id)
    assert (case["status"], case["revision"], case["incidents"]) == ("active", 1, [])
    moved = client.post(f"{API}/cases/{case_id}/messages", headers=login("jinan"),
                        json={"name": "reclassify", "data": {"level": "major", "reason": "漏报"}})
    assert moved.status_code == 200, moved.get_json()
    # a major hazard starts with the regulator's order, then the unit's controls
    assert [t["element_id"] for t in moved.get_json()["case"]["active_tasks"]] == [
        "Task_MajorOrder"]
    hazard = case_of(client, login("jinan"), case_id)["hazard"]
    assert hazard["level"] == "major"
    ordered = complete_ok(client, login("jinan"),
                          open_task(client, login("jinan"), case_id, "Task_MajorOrder"),
                          {"order_measure": "stop_use", "order_requirements": "立即停止使用"})
    assert [t["element_id"] for t in ordered["active_tasks"]] == ["Task_Controls"]


FAILING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="Defs_failing" targetNamespace="http://hazardflow.example/test">
  <bpmn:process id="failing_notice" name="通知" isExecutable="true"
      camunda:candidateStarterGroups="county_supervisor">
    <bpmn:startEvent id="StartEvent_1" camunda:formKey="hazard_register">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="ServiceTask_Notify" />
    <bpmn:serviceTask id="ServiceTask_Notify" name="通知" camunda:type="external"
        camunda:topic="notify">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="recipients">principal@unit</camunda:inputParameter>
          <camunda:inputParameter name="kind">no_such_kind</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="ServiceTask_Notify" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_failing_step_is_an_incident_a_supervisor_sees_and_retries(client: FlaskClient,
                                                                     login: Login) -> None:
    deployed = client.post(f"{API}/definitions", headers=login("designer"),
                           data=FAILING.encode(), content_type="application/xml")
    assert deployed.status_code == 201, deployed.get_json()
    jinan = login("jinan")
    started = client.post(f"{API}/cases", headers=jinan,
                          json={"definition": "failing_notice", "data": hazard_data(
                              photos_before=[photo(client, jinan)])})
    assert started.status_code == 201, started.get_json()
    case_id, incident = started.get_json()["case"]["id"], started.get_json()["case"]["incident"]
    assert started.get_json()["case"]["status"] == "incident" and incident
    case = case_of(client, jinan, case_id)
    assert case["status"] == "incident"
    assert [(i["id"], i["element_id"]) for i in case["incidents"]] == [
        (incident, "ServiceTask_Notify")]
    assert "no_such_kind" in case["incidents"][0]["message"]
    # someone who cannot see the case: not found; not a supervisor: forbidden
    assert_error(client.post(f"{API}/incidents/{incident}/retry", headers=login("yuan")), 404)
    assert_error(client.post(f"{API}/incidents/{incident}/retry", headers=login("safety")), 403)
    retried = client.post(f"{API}/incidents/{incident}/retry", headers=jinan)
    assert retried.status_code == 200
    assert retried.get_json()["resolved"] is False  # the same step fails the same way
    assert case_of(client, jinan, case_id)["incidents"][0]["attempts"] == 2
    assert client.post(f"{API}/incidents/{incident}/retry", headers=login("city")
                       ).status_code == 200
    assert_error(client.post(f"{API}/incidents/999999/retry", headers=jinan), 404)


def test_triage_is_still_reachable_through_the_case(client: FlaskClient, login: Login) -> None:
    case_id = report(client, login("inspector"))["case"]["id"]
    assert open_task(client, login("jinan"), case_id, "Task_Triage") > 0
