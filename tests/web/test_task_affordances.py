"""A task page offers the claim button and the form only to who may act on it (the engine's
answer); everyone else reads the task with one sentence saying who may act and why."""

from __future__ import annotations

from flask import Flask

from hazardflow.engine.db import write_transaction
from hazardflow.workflows.users import add_role, get_user

from .pages import Browser, open_task_id, png_bytes, revision_of
from .test_pages_flow import RECTIFY, TRIAGE, VERIFY, complete, order, register

CLAIM = 'action="/tasks/{}/claim"'
FORM = 'action="/tasks/{}/complete"'


def _grant(app: Flask, username: str, role: str, unit: str) -> None:
    with write_transaction(app.extensions["hazardflow"].db) as conn:
        user = get_user(conn, username)
        assert user is not None
        assert add_role(conn, user.id, role, unit)


def _read_only(page: str, task_id: int) -> None:
    assert CLAIM.format(task_id) not in page and FORM.format(task_id) not in page
    assert 'id="who-may-act"' in page


def test_who_is_not_a_candidate_reads_the_task_and_who_may_act(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    rectifier = Browser(app, "rectifier")
    triage = open_task_id(rectifier.html(f"/cases/{case_id}"), TRIAGE)
    page = rectifier.html(f"/tasks/{triage}")
    _read_only(page, triage)
    assert "您不在办理人之列" in page and "安全管理员" in page  # the role that may act…
    assert "you are not a candidate" not in page
    safety = Browser(app, "safety")  # …is offered both
    mine = safety.html(f"/tasks/{triage}")
    assert CLAIM.format(triage) in mine and FORM.format(triage) in mine
    assert 'id="who-may-act"' not in mine
    # a forged completion is refused in Chinese, on the task page, which says who may act
    response = rectifier.post(f"/tasks/{triage}/complete", {
        "disposition": "order", "responsible_user": "rectifier", "deadline": "2026-11-20",
        "order_note": "x", "revision": "1"})
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "您不是该任务的办理人选" in body and 'id="who-may-act"' in body


def test_a_co_candidate_sees_who_claimed_it(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    safety, jinan = Browser(app, "safety"), Browser(app, "jinan")
    triage = open_task_id(safety.html(f"/cases/{case_id}"), TRIAGE)
    assert safety.post(f"/tasks/{triage}/claim").status_code == 302
    page = jinan.html(f"/tasks/{triage}")  # the county's supervisor: a co-candidate
    _read_only(page, triage)
    assert "已由" in page and "认领办理" in page and "安全管理员" in page
    claim = jinan.post(f"/tasks/{triage}/claim")
    assert claim.status_code == 302
    assert "该任务已由他人认领" in jinan.html(f"/tasks/{triage}")  # refused in Chinese


def test_the_rectifier_reads_the_verification_with_the_reason(app: Flask) -> None:
    _grant(app, "rectifier", "verifier", "LA-JA-H01")
    safety = Browser(app, "safety")
    case_id = register(safety, source="self_inspection")
    order(safety, case_id)
    rectifier = Browser(app, "rectifier")
    after = rectifier.upload(png_bytes("green"), "after.png", "after")
    complete(rectifier, case_id, RECTIFY, {"rectification_note": "已清理",
                                           "photos_after": [after]})
    verify = open_task_id(rectifier.html(f"/cases/{case_id}"), VERIFY)
    page = rectifier.html(f"/tasks/{verify}")
    _read_only(page, verify)
    assert "验收/复查须由非整改人完成" in page
    response = rectifier.post(f"/tasks/{verify}/complete", {
        "verify_result": "passed", "verify_opinion": "好", "revision": revision_of(
            Browser(app, "verifier").html(f"/tasks/{verify}"))})
    assert response.status_code == 403
    assert "职责分离" in response.get_data(as_text=True)
    verifier = Browser(app, "verifier").html(f"/tasks/{verify}")
    assert FORM.format(verify) in verifier and 'id="who-may-act"' not in verifier


def test_the_sentence_is_in_english_when_the_page_is(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    rectifier = Browser(app, "rectifier")
    triage = open_task_id(rectifier.html(f"/cases/{case_id}"), TRIAGE)
    page = rectifier.html(f"/tasks/{triage}?lang=en")
    assert "you are not among those who may act" in page
