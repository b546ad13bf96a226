"""Every way to deploy runs the same validator (``Engine.deploy`` → ``DefinitionValidator``,
diagram shape included) and refuses in Chinese, naming each element: the API's upload, the
designer API, the designer page, the CLI; the designer's check and import report the same
problems. The list of callers of ``Engine.deploy`` is checked, so a new path must be added
here."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from hazardflow.cli import main

from .pages import Browser

ROOT = Path(__file__).parents[2]
LINT = Path(__file__).parent / "data" / "lint"
UNCONNECTED = (LINT / "unconnected_task.bpmn").read_bytes()
CLEAN = (LINT / "clean.bpmn").read_bytes()
ALONE = "任务「孤立任务」(Task_Alone) 未连接"
Deploy = Callable[[Flask, Path, bytes], tuple[bool, str]]  # → (deployed, what was said)


def _api_upload(app: Flask, tmp_path: Path, bpmn: bytes) -> tuple[bool, str]:
    from .conftest import sign_in

    client = app.test_client()
    done = client.post("/api/v1/definitions", headers=sign_in(client, "designer"),
                       content_type="multipart/form-data",
                       data={"bpmn": (io.BytesIO(bpmn), "x.bpmn")})
    return done.status_code in (200, 201), _said(done.status_code, done.get_json())


def _designer_api(app: Flask, tmp_path: Path, bpmn: bytes) -> tuple[bool, str]:
    from .conftest import sign_in

    client = app.test_client()
    done = client.post("/api/v1/designer/deploy", headers=sign_in(client, "designer"),
                       json={"bpmn": bpmn.decode()})
    return done.status_code in (200, 201), _said(done.status_code, done.get_json())


def _designer_page(app: Flask, tmp_path: Path, bpmn: bytes) -> tuple[bool, str]:
    designer = Browser(app, "designer")
    done = designer.client.post("/designer/api/deploy", json={"bpmn": bpmn.decode()}, headers={
        "Accept": "application/json", "X-CSRFToken": designer.token()})
    return done.status_code in (200, 201), _said(done.status_code, done.get_json())


def _cli(app: Flask, tmp_path: Path, bpmn: bytes) -> tuple[bool, str]:
    path = tmp_path / "diagram.bpmn"
    path.write_bytes(bpmn)
    url = str(app.extensions["hazardflow"].db.url.render_as_string(hide_password=False))
    done = CliRunner().invoke(main, ["--database-url", url, "deploy", str(path)],
                              env={"HAZARDFLOW_INSTANCE_PATH": str(tmp_path / "instance")})
    return done.exit_code == 0, done.stdout + done.stderr


def _said(status: int, body: dict | None) -> str:
    body = body or {}
    assert status in (200, 201) or 400 <= status < 500, (status, body)
    return "\n".join([body.get("message", "")] + [
        f"{d.get('element_id')}: {d['message']}" for d in body.get("details", [])])


PATHS: dict[str, Deploy] = {"POST /api/v1/definitions": _api_upload,
                            "POST /api/v1/designer/deploy": _designer_api,
                            "POST /designer/api/deploy": _designer_page,
                            "hazardflow deploy": _cli}


@pytest.mark.parametrize("path", PATHS)
def test_every_deploy_path_refuses_an_unconnected_task_in_chinese_then_deploys_a_clean_one(
        app: Flask, tmp_path: Path, path: str) -> None:
    deployed, said = PATHS[path](app, tmp_path, UNCONNECTED)
    assert not deployed, said
    assert "流程图未通过校验，有 1 个问题" in said and ALONE in said, said
    assert "Task_Alone" in said  # the id, for the designer's marker and the CLI's reader
    deployed, said = PATHS[path](app, tmp_path, CLEAN)
    assert deployed, said


def test_the_designers_check_and_import_report_the_same_problem(app: Flask) -> None:
    from .conftest import sign_in

    client = app.test_client()
    headers = sign_in(client, "designer")
    checked = client.post("/api/v1/designer/validate", headers=headers,
                          json={"bpmn": UNCONNECTED.decode()}).get_json()
    assert checked["ok"] is False
    assert [(p["element_id"], p["message"][:len(ALONE)]) for p in checked["problems"]] == \
        [("Task_Alone", ALONE)]
    imported = client.post("/api/v1/designer/import", headers=headers,
                           content_type="multipart/form-data",
                           data={"bpmn": (io.BytesIO(UNCONNECTED), "u.bpmn")}).get_json()
    assert [p["element_id"] for p in imported["problems"]] == ["Task_Alone"]


KNOWN_CALLERS = {  # file → why it deploys; every one goes through Engine.deploy
    "workflows/usecases/designer.py": "the designer API, the designer page, the API upload",
    "src/hazardflow/cli.py": "hazardflow deploy",
    "workflows/runtime.py": "the bundled diagrams (seed_definitions)",
    "src/hazardflow/bench/engine.py": "the benchmark's own diagram",
    "src/hazardflow/bench/sweep.py": "the sweep benchmark's own diagram (five timers)",
}


def test_engine_deploy_is_the_only_way_in_and_its_callers_are_the_known_paths() -> None:
    callers = set()
    for folder in ("engine", "workflows", "web", "src"):
        for path in (ROOT / folder).rglob("*.py"):
            if re.search(r"engine\.deploy\(", path.read_text(encoding="utf-8")):
                callers.add(str(path.relative_to(ROOT)))
    assert callers == set(KNOWN_CALLERS)
    deploy_routes = [p for folder in ("web",) for p in (ROOT / folder).rglob("*.py")
                     if "designer.deploy(" in p.read_text(encoding="utf-8")]
    assert sorted(str(p.relative_to(ROOT)) for p in deploy_routes) == [
        "web/api/definitions.py", "web/designer_endpoints.py"]
    source = (ROOT / "engine" / "runtime.py").read_text(encoding="utf-8")
    body = source.split("    def deploy(", 1)[1].split("\n    def ", 1)[0]
    assert "self.validator.check(" in body and "reject_if_problems(" in body
    validator = (ROOT / "engine" / "validation.py").read_text(encoding="utf-8")
    assert "structure_problems(root)" in validator
