"""A form re-shown after an error keeps the form's own field order (the JSON Schema's
property order) and the values entered."""

from __future__ import annotations

import json
import re

from flask import Flask

from hazardflow.workflows.formfields import properties

from .conftest import sign_in
from .pages import Browser, open_task_id, png_bytes, revision_of
from .test_pages_flow import TRIAGE, register

FIELD = re.compile(r'data-field="([^"]+)"')


def _order(html: str) -> list[str]:
    return FIELD.findall(html)


def _task_schema_order(app: Flask, field: str) -> list[str]:
    """The field names, in their order, of the deployed form (JSON Schema) holding
    ``field``, read as stored."""
    import sqlalchemy as sa

    from hazardflow.engine.schema import deployment
    from hazardflow.web.extensions import runtime
    from hazardflow.workflows.uow import reading

    with app.app_context(), reading(runtime) as conn:
        stored = conn.execute(sa.select(deployment.c.forms)).scalars().all()
    for forms in stored:
        for schema in json.loads(forms).values():
            names = [name for name, _ in properties(schema)]
            if field in names:
                return names
    raise AssertionError(f"no deployed form holds {field}")


def _registration_order(app: Flask) -> list[str]:
    """The registration form's fields in its schema's order (the unit is chosen apart)."""
    from hazardflow.web.extensions import runtime
    from hazardflow.workflows.runtime import HAZARD_PROCESS
    from hazardflow.workflows.usecases import cases

    with app.app_context():
        schema = cases.start_form(runtime, HAZARD_PROCESS)
    assert schema
    return [name for name, _ in properties(schema) if name != "unit_code"]


def test_a_registration_shown_again_keeps_its_order_and_values(app: Flask) -> None:
    inspector = Browser(app, "inspector")
    first = _order(inspector.html("/hazards/new"))
    assert first == _registration_order(app)
    photo = inspector.upload(png_bytes("red"), "before.png", "before")
    response = inspector.post("/hazards/new", {
        "unit_code": "LA-JA-H01", "location": "门诊楼二层东侧消防通道", "category": "fire",
        "level": "no-such-level", "description": "消防通道堆放杂物", "photos_before": [photo],
        "source": "inspection"})
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert _order(html) == first
    assert "has-error" in html
    assert "门诊楼二层东侧消防通道" in html and "消防通道堆放杂物" in html
    assert f'value="{photo}"' in html and re.search(r'value="fire"\s+selected', html)


def test_a_task_form_shown_again_keeps_its_order_and_values(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    safety = Browser(app, "safety")
    task_id = open_task_id(safety.html(f"/cases/{case_id}"), TRIAGE)
    page = safety.html(f"/tasks/{task_id}")
    first = _order(page)
    assert first == _task_schema_order(app, "order_note")
    client = app.test_client()  # an API client builds the form from the JSON answer
    answer = client.get(f"/api/v1/tasks/{task_id}/form", headers=sign_in(client, "safety"))
    assert answer.status_code == 200
    assert list(json.loads(answer.get_data(as_text=True))["properties"]) == first
    response = safety.post(f"/tasks/{task_id}/complete", {
        "disposition": "order", "responsible_user": "rectifier", "deadline": "2020-01-01",
        "order_note": "清理杂物", "revision": revision_of(page)})
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert "has-error" in html
    assert _order(html) == first
    assert "清理杂物" in html and "2020-01-01" in html
