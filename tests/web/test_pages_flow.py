"""A general hazard through the pages: register with a photo, order, rectify, fail, rectify,
pass, closed in the ledger; plus the refusals a person meets on the way."""

from __future__ import annotations

import re

from flask import Flask

from .pages import Browser, open_task_id, png_bytes, revision_of

TRIAGE, RECTIFY, VERIFY = "下达整改通知/现场处置", "整改", "验收/复查"
RECHECK = "监管部门复查"  # the county re-checks what its inspector found (Task_Recheck)


def register(browser: Browser, **overrides: str | list[str]) -> int:
    photo = browser.upload(png_bytes("red"), "before.png", "before")
    form = {"unit_code": "LA-JA-H01", "location": "门诊楼二层东侧消防通道", "category": "fire",
            "level": "general", "description": "消防通道堆放杂物", "photos_before": [photo],
            "source": "inspection", **overrides}
    response = browser.post("/hazards/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    found = re.search(r"/cases/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def complete(browser: Browser, case_id: int, task_name: str, form: dict[str, object],
             status: int = 302) -> str:
    task_id = open_task_id(browser.html(f"/cases/{case_id}"), task_name)
    page = browser.html(f"/tasks/{task_id}")
    response = browser.post(f"/tasks/{task_id}/complete",
                            {**form, "revision": revision_of(page)})
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def order(browser: Browser, case_id: int) -> None:
    complete(browser, case_id, TRIAGE, {"disposition": "order", "responsible_user": "rectifier",
                                         "deadline": "2026-11-20", "order_note": "清理杂物"})


def test_general_hazard_from_photo_to_closed_through_the_pages(app: Flask) -> None:
    inspector = Browser(app, "inspector")
    case_id = register(inspector)
    case_page = inspector.html(f"/cases/{case_id}")
    code = re.search(r"YH-\d{4}-\d+", case_page)
    assert code, case_page[:500]
    assert "/evidence/" in case_page  # the before photo is shown on the case page

    safety = Browser(app, "safety")
    assert f'/cases/{case_id}"' in safety.html("/inbox?tab=groups")
    order(safety, case_id)

    rectifier = Browser(app, "rectifier")
    assert code.group(0) in rectifier.html("/inbox?tab=mine")
    after = rectifier.upload(png_bytes("green"), "after.png", "after")
    complete(rectifier, case_id, RECTIFY, {"rectification_note": "已清理",
                                           "photos_after": [after]})

    # the county's inspector found it: the county re-checks it, not the hospital's verifier
    verifier = Browser(app, "verifier")
    assert VERIFY not in verifier.html(f"/cases/{case_id}")
    assert RECHECK not in verifier.html("/inbox?tab=groups")
    assert RECHECK in inspector.html("/inbox?tab=groups")
    complete(inspector, case_id, RECHECK, {"verify_result": "failed", "verify_opinion": "未到位",
                                           "fail_reason": "杂物仍在"})
    page = rectifier.html(f"/cases/{case_id}")
    assert RECTIFY in page and "杂物仍在" in page  # back to rectify, with the reason

    again = rectifier.upload(png_bytes("blue"), "after2.png", "after")
    complete(rectifier, case_id, RECTIFY, {"rectification_note": "已彻底清理",
                                           "photos_after": [again]})
    complete(inspector, case_id, RECHECK, {"verify_result": "passed",
                                           "verify_opinion": "已整改到位"})

    ledger = safety.html(f"/ledger?q={code.group(0)}")
    row = re.search(r'data-code="' + code.group(0) + r'".*?</tr>', ledger, re.S)
    assert row and "已销号" in row.group(0)
    history = safety.html(f"/cases/{case_id}")
    assert history.count(RECHECK) >= 2 and "verifier" not in history
    timeline = re.search(r'id="history">(.*?)</ol>', history, re.S)
    assert timeline and "金安区人民医院整改责任人" in timeline.group(1)  # names, not logins
    assert not re.search(r"\b(rectifier|inspector|safety)\b|Task_|Gateway_|Flow_",
                         timeline.group(1))

    assert safety.post(f"/cases/{case_id}/documents/notice").status_code == 303  # 签发
    notice = safety.get(f"/cases/{case_id}/documents/notice.pdf")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    from io import BytesIO

    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(notice.data)).pages)
    assert code.group(0) in text and "整改通知" in text.replace(" ", "")
    export = safety.get(f"/ledger.xlsx?q={code.group(0)}")
    assert export.status_code == 200 and export.data[:2] == b"PK"


def test_form_errors_are_shown_next_to_the_field_and_nothing_changes(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    safety = Browser(app, "safety")
    page = complete(safety, case_id, TRIAGE, {"disposition": "order",
                                              "responsible_user": "rectifier"}, status=422)
    field = re.search(r'data-field="deadline".*?</div>', page, re.S)
    assert field and "field-error" in field.group(0)
    assert open_task_id(safety.html(f"/cases/{case_id}"), TRIAGE)  # still waiting at triage


def test_a_stale_completion_is_refused_in_plain_words(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    safety, jinan = Browser(app, "safety"), Browser(app, "jinan")
    task_id = open_task_id(safety.html(f"/cases/{case_id}"), TRIAGE)
    seen_by_jinan = revision_of(jinan.html(f"/tasks/{task_id}"))
    order(safety, case_id)
    response = jinan.post(f"/tasks/{task_id}/complete", {
        "disposition": "on_spot", "responsible_user": "rectifier", "revision": seen_by_jinan})
    assert response.status_code == 409
    assert "已被他人处理" in response.get_data(as_text=True)
    assert RECTIFY in safety.html(f"/cases/{case_id}")  # the first completion stands


def test_a_user_of_another_county_cannot_open_the_case_by_url(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    yuan = Browser(app, "yuan")  # 裕安区 supervisor; the hazard is in 金安区
    assert yuan.get(f"/cases/{case_id}").status_code == 404
    assert yuan.get(f"/cases/{case_id}/diagram").status_code == 404
    assert Browser(app, "jinan").get(f"/cases/{case_id}").status_code == 200


def test_the_case_diagram_marks_the_path_and_the_open_task(app: Flask) -> None:
    case_id = register(Browser(app, "inspector"))
    diagram = Browser(app, "safety").get(f"/cases/{case_id}/diagram").get_json()
    assert "Task_Triage" in diagram["active"]
    assert diagram["xml"].startswith("<?xml") or "<bpmn:definitions" in diagram["xml"]
    assert diagram["incidents"] == []


def test_the_register_form_keeps_the_order_its_schema_gives(app: Flask) -> None:
    html = Browser(app, "inspector").html("/hazards/new")
    names = ["unit_code", "location", "category", "level", "description", "photos_before"]
    positions = [html.index(f'name="{name}"') for name in names]
    assert positions == sorted(positions)


def test_a_form_naming_someone_elses_photo_is_refused_and_starts_nothing(app: Flask) -> None:
    theirs = Browser(app, "safety").upload(png_bytes("red"))
    inspector = Browser(app, "inspector")
    before = inspector.html("/ledger").count("data-code=")
    for photos in ([theirs], ["ev-999999"], ["a photo"]):
        response = inspector.post("/hazards/new", {
            "unit_code": "LA-JA-H01", "location": "一楼", "category": "fire",
            "level": "general", "description": "堆物", "source": "inspection",
            "photos_before": photos})
        assert response.status_code == 422, photos
        field = re.search(r'data-field="photos_before".*?data-field=',
                          response.get_data(as_text=True), re.S)
        assert field and "field-error" in field.group(0), photos
    assert inspector.html("/ledger").count("data-code=") == before


def test_a_start_page_names_people_of_the_starters_units_for_its_person_fields(
        app: Flask) -> None:
    from hazardflow.engine import Actor
    from hazardflow.workflows.usecases import cases

    rt = app.extensions["hazardflow"]
    safety = Actor("safety", frozenset({("safety_officer", "LA-JA-H01")}))
    people = dict(cases.start_page(rt, Actor("admin", frozenset({("admin", None)})),
                                   "consultation_action")["people"])
    assert people == {}  # an administrator holds no unit
    page = cases.start_page(rt, safety, "hazard_lifecycle")
    assert dict(page["people"])["rectifier"] == "金安区人民医院整改责任人"
    assert "jinan" not in dict(page["people"])  # the county's people are not the unit's
    html = Browser(app, "admin").html("/start/consultation_action")
    assert 'list="people-owner"' in html  # the owner is a person, suggested by name
