"""The designer in headless Chromium: open the hazard process, add a user task with a
candidate group and a form (lint error shown, then fixed), deploy version 2, start a case
on it, and the new task reaches the right person's inbox. Also: the modeler round trip of
the range of test diagrams, server errors at their element, hostile uploads refused while
the page stays usable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree
from playwright.sync_api import expect

from .conftest import hazard_data, sign_in
from .live import LiveServer, wait_until
from .support import photo
from .test_designer_api import RANGE, XXE, element_set, hostile_expression
from .test_e2e_inbox import sign_in as browser_sign_in

CONFIRM_FORM = {"type": "object", "title": "确认登记",
                "properties": {"confirm_note": {"type": "string", "title": "确认意见"}},
                "required": ["confirm_note"]}

ADD_TASK = """() => {
  const m = window.hfDesigner.modeler.modeler;
  const reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const start = reg.get('StartEvent_Register'), next = reg.get('ServiceTask_RecordFinding');
  modeling.removeConnection(reg.get('Flow_Register'));
  const bo = m.get('bpmnFactory').create('bpmn:UserTask', {id: 'Task_Confirm', name: '确认登记'});
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask', businessObject: bo});
  modeling.createShape(shape, {x: start.x + 18, y: start.y + 160}, start.parent);
  modeling.connect(start, shape);
  modeling.connect(shape, next);
  m.get('selection').select(shape);
}"""

SET_PROPS = """(props) => {
  const m = window.hfDesigner.modeler.modeler;
  const el = m.get('elementRegistry').get(props.id);
  delete props.id;
  m.get('modeling').updateProperties(el, props);
  m.get('selection').select(el);
}"""


def designer_page(browser: Any, live: LiveServer) -> Any:
    page = browser_sign_in(browser, live, "designer")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live.url + "/designer/")
    page.wait_for_selector("#designer[data-ready=true]")
    return page


def open_version(page: Any, value: str, element: str) -> None:
    page.select_option("#dz-open", value)
    wait_until(page, "(id) => !!window.hfDesigner.modeler.modeler.get('elementRegistry')"
                     ".get(id)", element)


def lint_error_on(page: Any, element: str) -> Any:
    """Our rule's error: every user task has an assignment and a form."""
    return page.locator(f'#dz-issues li.dz-error[data-element="{element}"]'
                        '[data-rule="hazardflow/user-task-assignment-and-form"]')


def test_designer_adds_a_task_deploys_v2_and_it_reaches_the_right_inbox(
        browser: Any, live: LiveServer) -> None:
    page = designer_page(browser, live)
    open_version(page, "v:hazard_lifecycle:1", "Task_Triage")
    page.evaluate(ADD_TASK)
    lint_error_on(page, "Task_Confirm").first.wait_for()
    assert page.locator("#dz-deploy").is_disabled()  # lint errors block deploying
    assert "修正后才能部署" in page.inner_text("#dz-blocked")
    assert "assign" in lint_error_on(page, "Task_Confirm").first.inner_text().lower() or \
        "form" in lint_error_on(page, "Task_Confirm").first.inner_text().lower()

    page.evaluate(SET_PROPS, {"id": "Task_Confirm", "camunda:candidateGroups":
                              "safety_officer@unit", "camunda:formKey": "hazard_confirm"})
    expect(page.locator("#dz-form-key")).to_have_text("hazard_confirm")
    page.click("#dz-form-new")
    page.fill("#dz-form-schema", json.dumps(CONFIRM_FORM, ensure_ascii=False))
    page.locator('#dz-form-preview [name="confirm_note"]').wait_for()
    assert "确认意见" in page.inner_text("#dz-form-preview")
    lint_error_on(page, "Task_Confirm").first.wait_for(state="detached")
    expect(page.locator("#dz-deploy")).to_be_enabled()

    page.click("#dz-deploy")
    expect(page.locator("#dz-status")).to_contain_text("hazard_lifecycle 版本 2",
                                                       timeout=30_000)
    assert page.errors == []

    client = live.app.test_client()
    inspector = sign_in(client, "inspector")
    started = client.post("/api/v1/hazards", headers=inspector,
                          json=hazard_data(photos_before=[photo(client, inspector)]))
    assert started.status_code == 201, started.get_json()
    case = started.get_json()["case"]
    assert [t["element_id"] for t in case["active_tasks"]] == ["Task_Confirm"]
    task_id = case["active_tasks"][0]["id"]
    safety = client.get("/api/v1/tasks", query_string={"view": "groups"},
                        headers=sign_in(client, "safety")).get_json()["items"]
    assert task_id in [t["id"] for t in safety]
    other = client.get("/api/v1/tasks", query_string={"view": "groups"},
                       headers=sign_in(client, "rectifier")).get_json()["items"]
    assert task_id not in [t["id"] for t in other]
    detail = client.get(f"/api/v1/tasks/{task_id}", headers=sign_in(client, "safety"))
    assert detail.get_json()["task"]["form_key"] == "hazard_confirm"


def test_modeler_round_trip_keeps_every_element_and_its_diagram(
        browser: Any, live: LiveServer) -> None:
    page = designer_page(browser, live)
    for path in [p for p in RANGE if b"BPMNDiagram" in p.read_bytes()]:
        original = path.read_bytes()
        saved = page.evaluate("""async (xml) => {
            await window.hfDesigner.modeler.importXML(xml);
            return window.hfDesigner.modeler.saveXML(); }""", original.decode("utf-8"))
        assert element_set(saved.encode("utf-8")) == element_set(original), path.name
        camunda = "{http://camunda.org/schema/1.0/bpmn}"
        before = {(n.get("id"), k, v) for n in etree.fromstring(original).iter()
                  if isinstance(n.tag, str) for k, v in n.attrib.items() if k.startswith(camunda)}
        after = {(n.get("id"), k, v) for n in etree.fromstring(saved.encode()).iter()
                 if isinstance(n.tag, str) for k, v in n.attrib.items() if k.startswith(camunda)}
        assert after == before, path.name
    assert page.errors == []


def test_server_errors_show_at_the_element_and_hostile_uploads_leave_the_page_usable(
        browser: Any, live: LiveServer, tmp_path: Path) -> None:
    page = designer_page(browser, live)
    open_version(page, "v:hazard_lifecycle:1", "Task_Controls")
    page.evaluate(SET_PROPS, {"id": "Task_Controls", "camunda:candidateGroups":
                              "principal@nowhere"})
    page.click("#dz-deploy")
    page.locator('[data-element-id="Task_Controls"].hf-error').wait_for()
    assert "Task_Controls" in page.inner_text("#dz-status")
    assert page.locator('#dz-issues li[data-element="Task_Controls"]').count() >= 1

    for name, content, reason in (("xxe.bpmn", XXE, "!DOCTYPE"),
                                  ("evil.bpmn", hostile_expression(), "Flow_Approved"),
                                  ("big.bpmn", b"<a>" + b" " * (2 * 1024 * 1024 + 8) + b"</a>",
                                   "")):
        (tmp_path / name).write_bytes(content)
        page.evaluate("document.getElementById('dz-status').className = 'dz-status'")
        page.set_input_files("#dz-import", str(tmp_path / name))
        page.locator("#dz-status.error").wait_for()
        text = page.inner_text("#dz-status")
        assert "文件被拒绝" in text and reason in text, text
    open_version(page, "v:hazard_lifecycle:1", "Task_Rectify")  # still usable
    assert page.locator('[data-element-id="Task_Rectify"]').count() >= 1
    assert page.errors == []


def test_versions_diff_on_the_diagram_and_a_migration_with_progress(
        browser: Any, live: LiveServer) -> None:
    from .test_designer_migrate import version_2

    client = live.app.test_client()
    inspector = sign_in(client, "inspector")
    started = client.post("/api/v1/hazards", headers=inspector,
                          json=hazard_data(photos_before=[photo(client, inspector)]))
    assert started.status_code == 201
    deployed = client.post("/api/v1/designer/deploy", json={"bpmn": version_2()},
                           headers=sign_in(client, "designer"))
    assert deployed.status_code == 201
    page = designer_page(browser, live)
    page.click('[data-tab="versions"]')
    running = page.locator('table[data-key="hazard_lifecycle"] tr[data-version="1"] .running')
    assert running.inner_text() == "1"
    page.select_option("#dz-diff-key", "hazard_lifecycle")
    page.select_option("#dz-diff-from", "1")
    page.select_option("#dz-diff-to", "2")
    page.click("#dz-diff-run")
    page.locator("#dz-diff-table").wait_for()
    assert "Task_Check" in page.inner_text("#dz-diff-table")
    page.locator('#dz-diff-new [data-element-id="Task_Check"]').wait_for()
    assert page.locator("#dz-diff-new .hf-added").count() >= 1
    assert page.locator("#dz-diff-old .hf-removed").count() >= 1

    page.click('[data-tab="migrate"]')
    page.select_option("#dz-mig-key", "hazard_lifecycle")
    page.select_option("#dz-mig-from", "1")
    page.select_option("#dz-mig-to", "2")
    page.click("#dz-mig-preview")
    page.locator("#dz-mig-cases tbody tr").first.wait_for()
    page.click("#dz-mig-run")
    page.locator("#dz-mig-status[data-batch]").wait_for(timeout=30_000)
    assert page.locator("#dz-mig-cases tr.dz-ok").count() == 1
    assert "完成" in page.inner_text("#dz-mig-status")
    assert page.errors == []
