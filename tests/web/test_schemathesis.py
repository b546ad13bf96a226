"""Schemathesis against the typed document (GET /api/v1/openapi.json), through the WSGI app.

BUDGET: about 90 s on CI's 2 cores, on ONE backend (SQLite): the document and the handlers
are the same on both, and the database tests of every endpoint already run on PostgreSQL.
Every operation (one test each) gets ``EXAMPLES`` generated cases, schema-conforming and
not (hypothesis' positive and negative modes), each sent with a real bearer token of one of
``ROLES`` in turn, to an app seeded with real objects: two hazards (one ordered, one waiting
for triage), an uploaded photo, a draft, a spot-check draw, a notice. A hook swaps generated
path parameters for those objects' ids most of the time, so ``{task_id}``, ``{case_id}``,
``{code}``, ``{key}``… reach real objects and not only 404s. Each answer must be no 5xx, with
a documented status, content type and body schema.

Nothing leaves the process: schemathesis calls the Flask app through werkzeug's test
client. The module's app is shared by its tests (fuzzing changes it as it goes, as a
client would).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hazardflow.engine import FixedClock
from hazardflow.workflows.usecases import accounts

from .conftest import PASSWORD, T0, make_app, sign_in
from .support import API, complete_ok, open_task, order_form, photo, report

EXAMPLES = int(os.environ.get("HAZARDFLOW_FUZZ_EXAMPLES", "9"))  # more when hunting
ROLES = ("city", "safety", "inspector", "designer", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
DRAFT = Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn"


@dataclass
class World:
    app: Flask
    tokens: dict[str, str]
    ids: dict[str, list[Any]] = field(default_factory=dict)
    turn: Iterator[int] = field(default_factory=itertools.count)

    def token(self) -> str:
        return self.tokens[ROLES[next(self.turn) % len(ROLES)]]


def _seed(app: Flask) -> dict[str, list[Any]]:
    client = app.test_client()
    inspector, safety, city = (sign_in(client, u) for u in ("inspector", "safety", "city"))
    designer = sign_in(client, "designer")
    first = report(client, inspector)
    second = report(client, inspector, location="住院部一层配电间")
    triage = open_task(client, safety, first["case"]["id"], "Task_Triage")
    complete_ok(client, safety, triage, order_form())
    rectify = open_task(client, safety, first["case"]["id"], "Task_Rectify")
    waiting = open_task(client, safety, second["case"]["id"], "Task_Triage")
    ref = photo(client, inspector)
    draft = client.post(f"{API}/designer/drafts", headers=designer, json={
        "bpmn": DRAFT.read_text(encoding="utf-8"), "name": "fuzz"}).get_json()
    drawn = client.post(f"{API}/spotchecks", headers=city, json={
        "title": "抽查", "kind": "spot_check", "size": 1}).get_json()
    notice = client.post(f"{API}/cases/{first['case']['id']}/documents/notice",
                         headers=safety).get_json()  # the hospital's own order: its notice
    definitions = client.get(f"{API}/definitions", headers=designer).get_json()["items"]
    forms = client.get(f"{API}/definitions/hazard_lifecycle/versions/1/forms",
                       headers=designer).get_json()["forms"]
    return {
        "task_id": [rectify, waiting], "case_id": [first["case"]["id"], second["case"]["id"]],
        "hazard": [first["hazard"]["code"], second["hazard"]["code"]],
        "campaign": ["2026-YDQ"], "checklist": ["hospital_fire"],
        "key": [d["key"] for d in definitions], "version": [1], "form_key": sorted(forms),
        "ref": [ref], "draft_id": [draft.get("id", 1)],
        "draw_id": [drawn.get("draw", {}).get("id", 1)],
        "document_id": [notice.get("document", {}).get("id", 1)],
        "definition_id": [1, 2], "element_id": ["Task_Rectify", "Task_Triage"],
        "period": ["2026-11", "2026-Q4", "2026"], "year": [2026],
    }


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copyfile(sqlite_template, folder / "fuzz.db")
    app = make_app(f"sqlite:///{folder}/fuzz.db", FixedClock(T0), folder)
    client = app.test_client()
    tokens = {user: sign_in(client, user)["Authorization"] for user in ROLES}
    world = World(app, tokens, _seed(app))
    yield world
    if os.environ.get("HAZARDFLOW_FUZZ_REPORT"):
        from collections import Counter
        for row, n in sorted(Counter(app.extensions["test_responses"]).items()):
            print(*row, n)
    app.extensions["hazardflow"].close()


def _known(path: str, name: str, ids: dict[str, list[Any]]) -> list[Any]:
    if name == "code":
        kind = ("campaign" if "/campaigns/" in path else
                "checklist" if "/checklists/" in path else "hazard")
        return ids[kind]
    if name == "kind" and "/reports/" in path:
        return ["monthly", "quarterly", "annual"]
    return ids.get(name, [])


@pytest.fixture(scope="module")
def api_schema(world: World) -> Any:
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", world.app)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
        """Mostly the seeded objects' ids; now and then what hypothesis made (a 404)."""
        if not path_parameters:
            return st.just(path_parameters)
        path = context.operation.path
        choices = {}
        for name, value in path_parameters.items():
            known = _known(path, name, world.ids)
            choices[name] = (st.one_of(st.sampled_from(known), st.sampled_from(known),
                                       st.sampled_from(known), st.just(value))
                             if known else st.just(value))
        return st.fixed_dictionaries(choices)

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis' lazy schema renames the test through ``node._nodeid``, which pytest 9
    no longer has: give it one."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_and_never_5xx(case: Any, world: World) -> None:
    token = world.token()
    if case.operation.method.upper() == "DELETE" and case.operation.path == "/api/v1/auth/token":
        # revoking would end the module's tokens: revoke a fresh one (not through the
        # sign-in, whose throttle the fuzzed sign-ins may have reached)
        with world.app.app_context():
            opened = accounts.issue_token(world.app.extensions["hazardflow"], "inspector",
                                          PASSWORD)
        assert opened is not None
        token = f"Bearer {opened.secret}"
    case.call_and_validate(headers={"Authorization": token}, checks=CHECKS)
