"""Small API drivers shared by the web tests: report a hazard, find and complete its tasks."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

from .conftest import hazard_data

API = "/api/v1"
DEADLINE = "2026-11-20"  # a date deadline well after T0 (2 November 2026)


def order_form(responsible: str = "rectifier", deadline: str = DEADLINE,
               **extra: Any) -> dict[str, Any]:
    return {"disposition": "order", "responsible_user": responsible, "deadline": deadline,
            "order_note": "清理杂物，保持通道畅通", **extra}


UPLOAD = "<upload a photo>"  # complete() swaps it for a photo the acting user uploads


def rectify_form(note: str = "已清理杂物") -> dict[str, Any]:
    return {"rectification_note": note, "photos_after": [UPLOAD]}


def verify_form(passed: bool, reason: str = "杂物仍未清理干净") -> dict[str, Any]:
    if passed:
        return {"verify_result": "passed", "verify_opinion": "已整改到位"}
    return {"verify_result": "failed", "verify_opinion": "未整改到位", "fail_reason": reason}


def photo(client: FlaskClient, headers: dict[str, str], color: str = "red") -> str:
    """Upload a small PNG through POST /api/v1/evidence; returns its ``ev-…`` reference."""
    from .pages import png_bytes

    response = client.post(f"{API}/evidence", headers=headers,
                           data={"file": (io.BytesIO(png_bytes(color)), "photo.png"),
                                 "kind": "before"}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    ref: str = response.get_json()["id"]
    return ref


def report(client: FlaskClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """POST /hazards (with a freshly uploaded photo unless ``photos_before`` is given);
    returns the body ``{"hazard": ..., "case": ...}``."""
    overrides.setdefault("photos_before", [photo(client, headers)])
    response = client.post(f"{API}/hazards", json=hazard_data(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def case_of(client: FlaskClient, headers: dict[str, str], case_id: int) -> dict[str, Any]:
    response = client.get(f"{API}/cases/{case_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    case: dict[str, Any] = response.get_json()["case"]
    return case


def open_task(client: FlaskClient, headers: dict[str, str], case_id: int,
              element: str) -> int:
    """The id of the open task ``element`` of a case (seen by ``headers``' user)."""
    tasks = [t for t in case_of(client, headers, case_id)["active_tasks"]
             if t["element_id"] == element]
    assert len(tasks) == 1, tasks
    return int(tasks[0]["id"])


def complete(client: FlaskClient, headers: dict[str, str], task_id: int,
             data: dict[str, Any], **kwargs: Any) -> Any:
    data = {key: [photo(client, headers, "green") if v == UPLOAD else v for v in value]
            if isinstance(value, list) else value for key, value in data.items()}
    return client.post(f"{API}/tasks/{task_id}/complete", json={"data": data},
                       headers={**headers, **kwargs.pop("extra_headers", {})}, **kwargs)


def complete_ok(client: FlaskClient, headers: dict[str, str], task_id: int,
                data: dict[str, Any]) -> dict[str, Any]:
    response = complete(client, headers, task_id, data)
    assert response.status_code == 200, response.get_json()
    case: dict[str, Any] = response.get_json()["case"]
    return case


def ordered_hazard(client: FlaskClient, login: Any, **overrides: Any) -> dict[str, Any]:
    """A general hazard reported by the inspector and ordered to ``rectifier`` by ``safety``.

    Returns ``{"code", "case_id", "rectify_task"}``.
    """
    body = report(client, login("inspector"), **overrides)
    case_id = body["case"]["id"]
    triage = open_task(client, login("safety"), case_id, "Task_Triage")
    complete_ok(client, login("safety"), triage, order_form())
    return {"code": body["hazard"]["code"], "case_id": case_id,
            "rectify_task": open_task(client, login("rectifier"), case_id, "Task_Rectify")}


def task_ids(client: FlaskClient, headers: dict[str, str], view: str) -> set[int]:
    response = client.get(f"{API}/tasks", query_string={"view": view}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {int(t["id"]) for t in response.get_json()["items"]}


def ledger_codes(client: FlaskClient, headers: dict[str, str], **filters: Any) -> set[str]:
    response = client.get(f"{API}/hazards", query_string=filters, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {h["code"] for h in response.get_json()["items"]}
