"""The committed front-end bundles in a real browser: what they do (their sources and hosts:
``test_frontend_bundles.py``), through headless Chromium and Playwright, one browser a module.

Where CI runs (CI / HAZARDFLOW_REQUIRE_SERVICES set) a missing Chromium fails the browser
tests; elsewhere they are skipped with a loud reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hazardflow.web.security import PAGE_CSP

from ..conftest import REQUIRE_SERVICES
from .live import CSP_MARKS, CSP_REPORTER

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "web" / "frontend"
VENDOR = ROOT / "web" / "static" / "vendor"
CHROMIUM = Path(os.environ.get("HAZARDFLOW_CHROMIUM", "/usr/bin/chromium"))
LIFECYCLE = ROOT / "bpmn" / "hazard_lifecycle.bpmn"

# --- in the browser ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the machine
        problem = f"playwright is not installed: {exc}"
    if problem:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (required here: CI/HAZARDFLOW_REQUIRE_SERVICES is set)")
        pytest.skip(f"!!! SKIPPING FRONT-END BROWSER TESTS: {problem}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


ORIGIN = "http://vendor.test"  # answered by the page's route handler: no network
PAGE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/bpmn-modeler.css">
<script src="/vendor/bpmn-viewer.js"></script>
<script src="/vendor/bpmn-modeler.js"></script>
<script src="/vendor/echarts.min.js"></script>
</head><body><div id="canvas" style="width:1200px;height:700px"></div>
<div id="panel" style="width:300px"></div></body></html>"""
TYPES = {".js": "text/javascript", ".css": "text/css"}


@pytest.fixture(scope="module")
def page_url() -> str:
    """A page loading the modeler css and both bundles (the modeler must not clash with the
    viewer bundle on one page), served with the app's Content-Security-Policy so that the
    bundles prove they need no eval and no inline script."""
    return ORIGIN + "/page.html"


def serve_test_page(route: Any) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    headers = {"Content-Security-Policy": PAGE_CSP}
    if path == "/page.html":
        route.fulfill(status=200, body=PAGE_HTML, content_type="text/html", headers=headers)
    elif path.startswith("/vendor/") and (VENDOR / path[8:]).is_file():
        name = path[8:]
        route.fulfill(status=200, body=(VENDOR / name).read_bytes(), headers=headers,
                      content_type=TYPES.get(Path(name).suffix, "application/octet-stream"))
    else:
        route.fulfill(status=404, body="")


CLS_HELPER = """window.cls = (id) =>
    document.querySelector(`[data-element-id="${id}"]`).getAttribute('class');"""


class Page:
    """A fresh browser page on the test page, recording console errors."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1500, "height": 900})
        self.page.set_default_timeout(5000)
        self.errors: list[str] = []
        self.page.add_init_script(CLS_HELPER)
        self.page.add_init_script(CSP_REPORTER)
        self.page.route(ORIGIN + "/**", serve_test_page)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def run(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


@pytest.fixture
def page(browser: Any, page_url: str) -> Iterator[Page]:
    opened = Page(browser, page_url)
    yield opened
    opened.page.close()
    violations = [e for e in opened.errors if any(mark in e for mark in CSP_MARKS)]
    assert violations == [], "Content-Security-Policy violations in the browser"


def test_viewer_marks_done_active_and_incident_elements_with_badges_and_heat(page: Page) -> None:
    result = page.run("""async (xml) => {
        const clicked = [];
        const handle = await HfBpmn.viewer('#canvas', xml, {
            done: ['StartEvent_Register', 'Task_Triage', 'Flow_Register'],
            active: ['Task_Rectify'], incidents: ['Task_Verify'],
            badges: {Task_Rectify: [{text: '3 件', kind: 'active'},
                                    {text: '逾期 1', kind: 'overdue'}],
                     Task_Verify: [{text: '<b>x</b>', kind: 'bogus'}]},
            heat: {Task_Plan: 10, Task_Controls: 0, Nope: 4},
            onClick: (id) => clicked.push(id)});
        const fill = (id) => document.querySelector(
            `[data-element-id="${id}"] .djs-visual > :first-child`).style.fill;
        const out = {
            cls: Object.fromEntries(['StartEvent_Register', 'Task_Triage', 'Flow_Register',
                'Task_Rectify', 'Task_Verify', 'Task_Plan'].map((id) => [id, cls(id)])),
            badges: [...document.querySelectorAll('.hf-badge')].map(
                (b) => [b.className, b.textContent]),
            legend: document.querySelector('.hf-heat-legend .hf-heat-max').textContent,
            hot: fill('Task_Plan'), cold: fill('Task_Controls'),
            zoom: handle.canvas.zoom(),
            svg: !!document.querySelector('#canvas svg')};
        handle.viewer.get('eventBus').fire('element.click',
            {element: handle.viewer.get('elementRegistry').get('Task_Verify')});
        out.clicked = clicked;
        handle.decorate({});
        out.after = [cls('Task_Rectify'), document.querySelectorAll('.hf-badge').length,
                     document.querySelectorAll('.hf-heat-legend').length];
        handle.destroy();
        return out;
    }""", LIFECYCLE.read_text())
    cls = result["cls"]
    assert "hf-done" in cls["StartEvent_Register"] and "hf-done" in cls["Task_Triage"]
    assert "hf-done" in cls["Flow_Register"]
    assert "hf-active" in cls["Task_Rectify"] and "hf-done" not in cls["Task_Rectify"]
    assert "hf-incident" in cls["Task_Verify"]
    assert "hf-heat" in cls["Task_Plan"]
    assert result["badges"] == [["hf-badge hf-badge-active", "3 件"],
                                ["hf-badge hf-badge-overdue", "逾期 1"],
                                ["hf-badge hf-badge-info", "<b>x</b>"]]  # escaped, kind checked
    assert result["legend"] == "10"
    assert result["hot"] == "rgb(240, 90, 60)" and result["cold"] == "rgb(255, 247, 214)"
    assert result["svg"] and 0 < result["zoom"] < 1.5
    assert result["clicked"] == ["Task_Verify"]
    assert result["after"][0] == "djs-element djs-shape" and result["after"][1:] == [0, 0]
    assert page.errors == []


def test_viewer_colours_a_diff_and_rejects_bad_xml(page: Page) -> None:
    result = page.run("""async (xml) => {
        const h = await HfBpmn.viewer('#canvas', xml,
            {added: ['Task_Plan'], removed: ['Task_Controls'], changed: ['Task_Verify']});
        const out = [cls('Task_Plan'), cls('Task_Controls'), cls('Task_Verify')];
        h.canvas.zoom(4);
        h.fit();
        const refitted = h.canvas.zoom();
        const stroke = getComputedStyle(document.querySelector(
            '[data-element-id="Task_Plan"] .djs-visual > :first-child')).stroke;
        h.destroy();
        let error = null;
        try { await HfBpmn.viewer('#canvas', '<not-bpmn/>'); } catch (e) { error = e.message; }
        return {out, stroke, error, refitted, echarts: typeof echarts.init};
    }""", LIFECYCLE.read_text())
    assert [c.split()[-1] for c in result["out"]] == ["hf-added", "hf-removed", "hf-changed"]
    assert result["stroke"] == "rgb(46, 125, 50)"  # green from bpmn.css
    assert result["error"]
    assert 0 < result["refitted"] < 1.5
    assert result["echarts"] == "function"


BUNDLED = sorted((ROOT / "bpmn").glob("*.bpmn"))
DRAWN = ("task", "userTask", "serviceTask", "startEvent", "endEvent", "exclusiveGateway",
         "parallelGateway", "intermediateCatchEvent", "boundaryEvent", "subProcess",
         "sequenceFlow", "callActivity", "intermediateThrowEvent", "eventBasedGateway")


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_diagram_draws_each_of_its_elements(page: Page, path: Path) -> None:
    """The shipped BPMN carries diagram data for every element, so viewers, the designer
    and the monitor draw all of it (a missing BPMNShape would leave a step invisible)."""
    from lxml import etree

    tree = etree.fromstring(path.read_bytes())
    wanted = sorted({el.get("id") for el in tree.iter()
                     if isinstance(el.tag, str) and etree.QName(el).localname in DRAWN})
    drawn = page.run("""async (xml) => {
        const h = await HfBpmn.viewer('#canvas', xml, {});
        const ids = h.viewer.get('elementRegistry').getAll().map((e) => e.id);
        h.destroy();
        return ids;
    }""", path.read_text())
    assert wanted and not set(wanted) - set(drawn), sorted(set(wanted) - set(drawn))
    assert page.errors == []


def test_linting_twice_gives_the_same_issues(page: Page) -> None:
    """Rules that remember what they saw (no-duplicate-sequence-flows) get fresh instances
    each run: the second run used to report every flow of the process as a duplicate."""
    result = page.run("""async (xml) => {
        const h = await HfBpmn.modeler('#canvas', {xml, propertiesPanel: '#panel'});
        const first = h.lintIssues(), second = h.lintIssues();
        h.destroy();
        return {first, second};
    }""", LIFECYCLE.read_text())
    assert result["second"] == result["first"]
    assert not [i for i in result["second"] if i["rule"] == "no-duplicate-sequence-flows"]
    assert page.errors == []


# a user task without a form, a gateway without a default flow, a timer "tomorrow"
FLAWED = (FRONTEND / "fixtures" / "flawed.bpmn").read_text()

OURS = ("hazardflow/user-task-assignment-and-form", "hazardflow/timer-expression",
        "hazardflow/exclusive-gateway-default")


def _our_issues(issues: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((i["rule"], i["id"]) for i in issues if i["rule"] in OURS)


def test_modeler_lints_our_rules_and_fixes_clear_them_keeping_camunda_and_di(page: Page) -> None:
    result = page.run("""async (xml) => {
        const h = await HfBpmn.modeler('#canvas', {xml, propertiesPanel: '#panel', lint: true});
        window.handle = h;
        const before = h.lintIssues();
        const registry = h.modeler.get('elementRegistry'), modeling = h.modeler.get('modeling');
        const moddle = h.modeler.get('moddle');
        const task = registry.get('Task_Check'), gateway = registry.get('Gateway_Ok');
        const timer = registry.get('Timer_Wait');
        modeling.updateProperties(task, {'camunda:formKey': 'hazard_check'});
        modeling.updateProperties(gateway, {default: registry.get('Flow_No').businessObject});
        modeling.updateModdleProperties(timer, timer.businessObject.eventDefinitions[0],
            {timeDuration: moddle.create('bpmn:FormalExpression', {body: 'PT4H'})});
        return {before, after: h.lintIssues(), saved: await h.saveXML(),
                panel: document.querySelector('#panel .bio-properties-panel') !== null};
    }""", FLAWED)
    assert _our_issues(result["before"]) == [
        ("hazardflow/exclusive-gateway-default", "Gateway_Ok"),
        ("hazardflow/timer-expression", "Timer_Wait"),
        ("hazardflow/user-task-assignment-and-form", "Task_Check")]
    form = next(i for i in result["before"] if i["id"] == "Task_Check")
    assert "formKey" in form["message"] and form["category"] == "error"
    assert _our_issues(result["after"]) == []
    saved = result["saved"]
    assert 'camunda:candidateGroups="inspector@unit"' in saved
    assert 'camunda:formKey="hazard_check"' in saved
    assert 'default="Flow_No"' in saved and ">PT4H<" in saved
    assert saved.count("<bpmndi:BPMNShape") == 6 and saved.count("<bpmndi:BPMNEdge") == 5
    assert "\n  <bpmn:process" in saved  # formatted
    assert result["panel"]
    assert page.errors == []


def test_timer_rule_accepts_iso_and_expressions_and_rejects_prose(page: Page) -> None:
    good = ["P7D", "PT4H", "P1DT12H", "P2W", "2026-12-24", "2026-12-24T09:00:00+08:00",
            "2026-12-24T09:00Z", "R3/PT10M", "R/2026-12-24T09:00:00/P1D", "${deadline}",
            "${add_days(deadline, -3)}", '"P7D"']
    bad = ["tomorrow", "P", "PT", "P1DT", "7 days", "R3/tomorrow", "2026-13-01", "${}", ""]
    verdicts = page.run("""async ([xml, bodies]) => {
        const h = await HfBpmn.modeler('#canvas', {xml, lint: false});
        const registry = h.modeler.get('elementRegistry'), modeling = h.modeler.get('modeling');
        const moddle = h.modeler.get('moddle'), timer = registry.get('Timer_Wait');
        return bodies.map((body) => {
            modeling.updateModdleProperties(timer, timer.businessObject.eventDefinitions[0],
                {timeDuration: moddle.create('bpmn:FormalExpression', {body})});
            return h.lintIssues().some((i) => i.rule === 'hazardflow/timer-expression');
        });
    }""", [FLAWED, good + bad])
    assert dict(zip(good + bad, verdicts, strict=True)) == {
        **{body: False for body in good}, **{body: True for body in bad}}


def test_modeler_shows_and_clears_server_errors_and_toggles_simulation(page: Page) -> None:
    result = page.run("""async (xml) => {
        const h = await HfBpmn.modeler('#canvas', {xml});
        const shown = h.showErrors([{element: 'Task_Check', message: '没有表单 <formKey>'},
                                    {element: 'Task_Check', message: '第二条'},
                                    {element: 'Missing', message: 'ignored'}]);
        const notes = [...document.querySelectorAll('.hf-error-note')].map((n) => n.innerHTML);
        const marked = cls('Task_Check');
        h.showErrors([{element: 'Gateway_Ok', message: '缺少默认流'}]);
        const replaced = [cls('Task_Check'), cls('Gateway_Ok'),
                          document.querySelectorAll('.hf-error-note').length];
        h.clearErrors();
        const cleared = [cls('Gateway_Ok'), document.querySelectorAll('.hf-error-note').length];
        const events = [];
        const off = h.on('tokenSimulation.toggleMode', (e) => events.push(e.active));
        const on = h.toggleSimulation();
        const simulating = document.querySelector('.simulation') !== null;
        const offAgain = h.toggleSimulation();
        off();
        h.toggleSimulation(false);
        return {shown, notes, marked, replaced, cleared, on, simulating, offAgain, events};
    }""", FLAWED)
    assert result["shown"] == 1
    assert result["notes"] == ["没有表单 &lt;formKey&gt;<br>第二条"]
    assert "hf-error" in result["marked"]
    assert "hf-error" not in result["replaced"][0] and "hf-error" in result["replaced"][1]
    assert result["replaced"][2] == 1
    assert "hf-error" not in result["cleared"][0] and result["cleared"][1] == 0
    assert (result["on"], result["simulating"], result["offAgain"]) == (True, True, False)
    assert result["events"] == [True, False]
    assert page.errors == []


def test_camunda_properties_panel_edits_candidate_groups_and_form_key(page: Page) -> None:
    page.run("""async (xml) => {
        window.handle = await HfBpmn.modeler('#canvas', {xml, propertiesPanel: '#panel'});
    }""", FLAWED)
    page.page.click('[data-element-id="Task_Check"]')
    panel = page.page.locator("#panel")
    assert panel.locator(".bio-properties-panel-header-type").inner_text().upper() == "USER TASK"
    for group in ("User assignment", "Forms"):
        header = panel.locator(".bio-properties-panel-group-header", has_text=group).first
        header.click()
    groups = panel.locator("#bio-properties-panel-candidateGroups")
    assert groups.input_value() == "inspector@unit"
    groups.fill("verifier@unit")
    panel.locator("#bio-properties-panel-formType").select_option("formKey")
    panel.locator("#bio-properties-panel-formKey").fill("hazard_verify")
    panel.locator("#bio-properties-panel-formKey").press("Tab")
    page.page.wait_for_timeout(400)  # the panel debounces its updates
    saved = page.run("async () => await window.handle.saveXML()")
    assert 'camunda:candidateGroups="verifier@unit"' in saved
    assert 'camunda:formKey="hazard_verify"' in saved
    issues = page.run("() => window.handle.lintIssues()")
    assert [i for i in issues if i["id"] == "Task_Check"] == []
    assert page.errors == []
