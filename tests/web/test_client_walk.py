"""A client generated from /api/v1/openapi.json walks a general hazard from registration to
closed, against a live server (SQLite only; about 15 s, most of it generating the client).

The test generates the client with openapi-python-client (in this process, into a temp
folder, without its formatting hooks: nothing is fetched, ruff is not run), imports it and
drives the server through it alone: sign in, upload a photo, report, triage (an order with a
deadline and a responsible person), rectify with an after photo, the county's re-check
passed (the inspector found it: its body re-checks, not the unit's verifier), and the
hazard is closed. The envelopes are the generated models; each form's ``data`` is built from
the JSON Schema its link names (``start_form_url``, ``form_url``), fetched through the
client: its required fields, the ``then`` of an ``if`` the data meets (the ``if``'s
required fields present, its ``const`` values equal), ``oneOf`` consts,
``format: date``, evidence fields (``x-widget: evidence``) and person fields
(``x-widget: user``). What no schema can say comes from the scenario: which unit, who is
responsible, which answers the walk gives (found by an inspection, order, passed).
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .live import LiveServer
from .pages import png_bytes

PASSWORD = "demo12345"
PACKAGE = "hazardflow_client"
SCENARIO = {  # what the walk decides; the schema says what to fill
    "unit": "LA-JA-H01", "responsible": "rectifier", "deadline": "2026-11-20",
    "answers": ("inspection", "order", "passed", "general"),
}


@pytest.fixture
def client_package(live: LiveServer, tmp_path: Path) -> Iterator[ModuleType]:
    """The client generated from the live server's document, importable as PACKAGE."""
    from openapi_python_client import generate
    from openapi_python_client.config import Config, ConfigFile, MetaType

    document = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{live.url}/api/v1/openapi.json") as answer:  # noqa: S310
        document.write_bytes(answer.read())
    config = Config.from_sources(ConfigFile(post_hooks=[], package_name_override=PACKAGE),
                                 MetaType.NONE, document, "utf-8", overwrite=True,
                                 output_path=tmp_path / "out" / PACKAGE)
    errors = [e for e in generate(config=config) if e.level.name == "ERROR"]
    assert not errors, errors
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


class Walker:
    """One user of the generated client."""

    def __init__(self, lib: ModuleType, url: str, username: str) -> None:
        self.lib, self.url = lib, url
        api, models = self.module("api.auth.issue_token"), self.module("models")
        answer = api.sync(client=lib.Client(base_url=url),
                          body=models.TokenRequest(username=username, password=PASSWORD))
        assert isinstance(answer, models.TokenAnswer), answer
        self.client = lib.AuthenticatedClient(base_url=url, token=answer.token)

    def module(self, name: str) -> Any:
        return importlib.import_module(f"{self.lib.__name__}.{name}")

    def call(self, operation: str, expected: str, **kwargs: Any) -> Any:
        tag, name = operation.split(".")
        answer = self.module(f"api.{tag}.{name}").sync(client=self.client, **kwargs)
        model = getattr(self.module("models"), expected)
        assert isinstance(answer, model), (operation, answer)
        return answer

    def upload(self, color: str) -> str:
        models, types = self.module("models"), self.module("types")
        stored = self.call("evidence.upload_evidence", "StoredEvidence",
                           body=models.UploadEvidenceBody(file=types.File(
                               payload=io.BytesIO(png_bytes(color)), file_name="photo.png",
                               mime_type="image/png")))
        return str(stored.id)

    def fill(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Data for a form from its JSON Schema (see the module doc)."""
        properties = schema.get("properties", {})
        data: dict[str, Any] = {}
        required = list(schema.get("required", []))
        while required:
            name = required.pop(0)
            if name not in data:
                data[name] = self.value(name, properties.get(name, {}))
            if self.meets(schema.get("if"), data):
                required += [n for n in schema.get("then", {}).get("required", [])
                             if n not in data]
        return data

    @staticmethod
    def meets(condition: dict[str, Any] | None, data: dict[str, Any]) -> bool:
        """Whether ``data`` (as filled so far) meets an ``if``: its required fields are
        filled and its ``const`` values are the data's (other keywords are not checked)."""
        if not condition:
            return False
        return (all(name in data for name in condition.get("required", []))
                and all(name in data and data[name] == spec["const"] for name, spec
                        in condition.get("properties", {}).items() if "const" in spec))

    def value(self, name: str, spec: dict[str, Any]) -> Any:
        consts = [o["const"] for o in spec.get("oneOf", []) if "const" in o]
        if consts:
            return next((c for c in consts if c in SCENARIO["answers"]), consts[0])
        if spec.get("x-widget") == "evidence":
            reference = self.upload("green")
            assert json.dumps(reference).strip('"').startswith("ev-")
            return [reference]
        if spec.get("x-widget") == "user":
            return SCENARIO["responsible"]
        if spec.get("format") == "date":
            return SCENARIO["deadline"]
        if spec.get("type") == "string" and "unit" in name:
            return SCENARIO["unit"]
        return "已按要求处理 (done as asked)"

    def task_form(self, task_id: int) -> dict[str, Any]:
        schema = self.call("tasks.get_task_form", "FormSchema", task_id=task_id)
        return dict(schema.to_dict())

    def complete(self, task_id: int) -> Any:
        task = self.call("tasks.get_task", "TaskAnswer", task_id=task_id).task
        assert task.form_url == f"/api/v1/tasks/{task_id}/form"
        models = self.module("models")
        data = models.CompleteRequestData.from_dict(self.fill(self.task_form(task_id)))
        return self.call("tasks.complete_task", "StepAnswer", task_id=task_id,
                         body=models.CompleteRequest(data=data),
                         if_match=str(task.case_revision)).case


def _open(case: Any, element: str) -> int:
    (task,) = [t for t in case.active_tasks if t.element_id == element]
    return int(task.id)


def test_a_generated_client_walks_a_general_hazard_to_closed(
        client_package: ModuleType, live: LiveServer) -> None:
    lib, url = client_package, live.url
    inspector = Walker(lib, url, "inspector")
    definitions = inspector.call("definitions.list_definitions", "Definitions").items
    (hazards,) = [d for d in definitions if d.key == "hazard_lifecycle"]
    assert hazards.can_start and hazards.start_form_url
    form = inspector.call("definitions.get_version_form", "FormSchema", key=hazards.key,
                          version=hazards.latest_version, form_key=hazards.start_form)
    assert hazards.start_form_url.endswith(f"/forms/{hazards.start_form}")
    models = inspector.module("models")
    report = inspector.call("hazards.report_hazard", "ReportAnswer",
                            body=models.HazardReport.from_dict(inspector.fill(form.to_dict())))
    code, case = report.hazard.code, report.case
    assert report.hazard.level == "general" and case.status == "active"

    case = Walker(lib, url, "safety").complete(_open(case, "Task_Triage"))
    case = Walker(lib, url, "rectifier").complete(_open(case, "Task_Rectify"))
    case = inspector.complete(_open(case, "Task_Recheck"))

    assert case.active_tasks == [] and case.status == "completed"
    found = Walker(lib, url, "city").call("hazards.get_hazard", "HazardAnswer", code=code)
    assert found.hazard.status == "closed"
    assert found.hazard.responsible_user == SCENARIO["responsible"]
    assert found.hazard.deadline == SCENARIO["deadline"]
