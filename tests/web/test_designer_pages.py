"""The designer page: who may open it, and its session endpoints (CSRF-checked)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .pages import Browser

HAZARD = Path(__file__).parents[2] / "bpmn" / "hazard_lifecycle.bpmn"


def test_designer_page_needs_sign_in_and_the_designer_role(app: Flask) -> None:
    anonymous = app.test_client().get("/designer/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert Browser(app, "inspector").get("/designer/").status_code == 403
    html = Browser(app, "designer").html("/designer/")
    assert 'id="dz-canvas"' in html and "vendor/bpmn-modeler.js" in html
    assert "designer.js" in html


def test_page_endpoints_use_the_session_and_refuse_a_missing_csrf_token(app: Flask) -> None:
    designer = Browser(app, "designer")
    listed = designer.get("/designer/api/processes", headers={"Accept": "application/json"})
    assert listed.status_code == 200
    assert "hazard_lifecycle" in [p["key"] for p in listed.get_json()["processes"]]
    body = {"bpmn": HAZARD.read_text(encoding="utf-8")}
    refused = designer.client.post("/designer/api/validate", json=body,
                                   headers={"Accept": "application/json"})
    assert refused.status_code == 400
    checked = designer.client.post("/designer/api/validate", json=body, headers={
        "Accept": "application/json", "X-CSRFToken": designer.token()})
    assert checked.get_json() == {"ok": True, "problems": []}
    outsider = Browser(app, "rectifier").get("/designer/api/processes",
                                             headers={"Accept": "application/json"})
    assert outsider.status_code == 403
