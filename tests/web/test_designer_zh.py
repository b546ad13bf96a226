"""The designer's modeler speaks Chinese by default: palette tooltips (aria-label), the
properties panel's groups and element type come from web/static/designer-zh.js through
bpmn-js's translate service; with ?lang=en the same entries stay English."""

from __future__ import annotations

from typing import Any

from .live import LiveServer
from .test_designer_e2e import designer_page, open_version

SELECT_TRIAGE = """() => {
  const m = window.hfDesigner.modeler.modeler;
  m.get('selection').select(m.get('elementRegistry').get('Task_Triage'));
}"""

TEXTS = """() => ({
  createTask: document.querySelector('.djs-palette .entry[data-action="create.task"]')
    .getAttribute('aria-label'),
  handTool: document.querySelector('.djs-palette .entry[data-action="hand-tool"]')
    .getAttribute('aria-label'),
  groups: [...document.querySelectorAll('#dz-panel .bio-properties-panel-group-header-title')]
    .map((el) => el.textContent.trim()),
  type: document.querySelector('#dz-panel .bio-properties-panel-header-type').textContent.trim()
})"""


def modeler_texts(page: Any) -> dict[str, Any]:
    open_version(page, "v:hazard_lifecycle:1", "Task_Triage")
    page.evaluate(SELECT_TRIAGE)
    page.locator("#dz-panel .bio-properties-panel-group-header-title").nth(3).wait_for()
    texts: dict[str, Any] = page.evaluate(TEXTS)
    return texts


def test_modeler_palette_and_properties_panel_are_chinese_then_english_with_lang_en(
        browser: Any, live: LiveServer) -> None:
    page = designer_page(browser, live)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    zh = modeler_texts(page)
    assert zh["createTask"] == "创建任务"
    assert zh["handTool"].startswith("激活抓手工具")
    assert "常规" in zh["groups"] and "用户分配" in zh["groups"] and "表单" in zh["groups"]
    assert "General" not in zh["groups"]
    assert zh["type"] == "用户任务"

    page.goto(live.url + "/designer/?lang=en")
    page.wait_for_selector("#designer[data-ready=true]")
    assert page.evaluate("document.documentElement.lang") == "en"
    en = modeler_texts(page)
    assert en["createTask"] == "Create task"
    assert "General" in en["groups"] and "User assignment" in en["groups"]
    assert en["type"] == "User Task"
    assert page.errors == []
