"""The designer's lint (bpmnlint, in the browser) and the server's validator agree: each
shipped diagram and each fixture of tests/web/data/lint is loaded into the modeler, its lint
verdict read (errors or not), and the same XML sent to the server's check. Shipped diagrams
are clean on both; each fixture's flaw is an error on both. Lint errors disable 部署 and are
listed in Chinese; 校验 does not pass while the lint finds an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import sign_in
from .live import LiveServer, wait_until
from .test_designer_e2e import designer_page

SHIPPED = sorted((Path(__file__).parents[2] / "bpmn").glob("*.bpmn"))
FIXTURES = sorted((Path(__file__).parent / "data" / "lint").glob("*.bpmn"))
# fixture → the lint rule that must report its flaw (clean.bpmn: none)
FLAWS = {"bad_timer.bpmn": "hazardflow/timer-expression",
         "gateway_without_default.bpmn": "hazardflow/exclusive-gateway-default",
         "no_assignment.bpmn": "hazardflow/user-task-assignment-and-form",
         "unconnected_task.bpmn": "no-disconnected",
         "unconnected_unnamed_task.bpmn": "label-required",
         "unnamed_task.bpmn": "label-required"}

LINT = """async (xml) => {
  await window.hfDesigner.modeler.importXML(xml);
  const verdict = window.hfDesigner.lintVerdict();
  return {errors: verdict.errors.map((i) => [i.element, i.rule, i.message]),
          warnings: verdict.warnings.map((i) => [i.element, i.rule, i.message]),
          deployDisabled: document.getElementById('dz-deploy').disabled,
          blocked: document.getElementById('dz-blocked').hidden ? ''
            : document.getElementById('dz-blocked').innerText};
}"""


def test_lint_and_server_agree_on_shipped_diagrams_and_every_fixture(
        browser: Any, live: LiveServer) -> None:
    assert len(SHIPPED) >= 4 and {p.name for p in FIXTURES} == set(FLAWS) | {"clean.bpmn"}
    page = designer_page(browser, live)
    client = live.app.test_client()
    headers = sign_in(client, "designer")
    verdicts = {}
    for path in SHIPPED + FIXTURES:
        xml = path.read_text(encoding="utf-8")
        lint = page.evaluate(LINT, xml)
        server = client.post("/api/v1/designer/validate", headers=headers,
                             json={"bpmn": xml}).get_json()
        verdicts[path.name] = (bool(lint["errors"]), not server["ok"])
        assert lint["deployDisabled"] == bool(lint["errors"]), path.name
        if path in SHIPPED or path.name == "clean.bpmn":
            assert lint["errors"] == [] and lint["warnings"] == [], (path.name, lint)
            assert server == {"ok": True, "problems": []}, (path.name, server)
            assert lint["blocked"] == ""
            continue
        rules = {rule for _, rule, _ in lint["errors"]}
        assert FLAWS[path.name] in rules, (path.name, lint["errors"])
        assert "修正后才能部署" in lint["blocked"], lint["blocked"]
        flawed = {element for element, _, _ in lint["errors"]}
        located = {p.get("element_id") for p in server["problems"]}
        assert located & flawed, (path.name, lint["errors"], server["problems"])
    disagree = {name: v for name, v in verdicts.items() if v[0] != v[1]}
    assert disagree == {}, "lint (errors?) vs server (refused?) differ"
    assert page.errors == []


def test_lint_errors_block_deploy_with_chinese_reasons_and_validate_does_not_pass(
        browser: Any, live: LiveServer) -> None:
    page = designer_page(browser, live)
    page.evaluate(LINT, (Path(__file__).parent / "data" / "lint" /
                         "unconnected_unnamed_task.bpmn").read_text(encoding="utf-8"))
    assert page.locator("#dz-deploy").is_disabled()
    blocked = page.inner_text("#dz-blocked")
    assert "建模检查发现 4 个错误，修正后才能部署" in blocked
    for reason in ("元素缺少名称", "元素没有连线", "隐式开始", "隐式结束"):
        assert reason in blocked, blocked
    assert "(Activity_0x1)" in blocked
    page.click("#dz-validate")
    wait_until(page, "() => document.getElementById('dz-status').className.includes('error')")
    status = page.inner_text("#dz-status")
    assert "校验通过" not in status and "有问题需要修正" in status, status
    assert "Activity_0x1" in status and "未连接" in status  # the server's own reasons too

    timer = (Path(__file__).parent / "data" / "lint" / "bad_timer.bpmn").read_text(
        encoding="utf-8")
    page.evaluate(LINT, timer)
    assert "定时器 timeDuration “P3X” 不是有效的 ISO 8601" in page.inner_text("#dz-blocked")

    page.evaluate(LINT, (Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn")
                  .read_text(encoding="utf-8"))
    assert page.locator("#dz-deploy").is_enabled() and not page.locator("#dz-blocked").is_visible()
    page.click("#dz-validate")
    wait_until(page, "() => document.getElementById('dz-status').className.includes('ok')")
    assert page.inner_text("#dz-status").startswith("校验通过")
    assert page.errors == []
