"""Public reports (举报投诉) through the bundled triage process on a fixed clock: filing with
photos, tracking by code and PIN (status and public reply only), contact details encrypted
at rest and readable only by the county's triage desk, key rotation, the honeypot,
duplicates, and triage to 属实 (a linked hazard the unit sees without the reporter) or
不属实 (the reasoning on record)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from PIL import Image

from hazardflow.engine import Forbidden, InvalidInput, NotFound
from hazardflow.workflows import public_reports_keys
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_files import evidence
from hazardflow.workflows.schema_reports import public_report, public_report_link
from hazardflow.workflows.usecases import cases
from hazardflow.workflows.usecases import public_reports as usecase
from hazardflow.workflows.usecases.public_reports import Photo

from .lifecycle import Lifecycle

NAMED = {"unit_code": "LA-JA-H01", "place": "门诊楼三层东侧楼梯间",
         "description": "安全出口被杂物和纸箱堵住，消防门用铁链锁着", "anonymous": False,
         "name": "王小明", "phone": "13900001234"}
ANONYMOUS = {"unit_code": "LA-JA-H01", "place": "住院部地下车库",
             "description": "车库里堆放着几十桶油漆和稀释剂，旁边有人抽烟"}
SUBSTANTIATED = {"verify_result": "substantiated", "finding_note": "现场查看属实，已拍照",
                 "category": "fire", "level": "general",
                 "hazard_description": "三层东侧安全出口堵塞、消防门上锁"}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def file(lc: Lifecycle, data: dict[str, Any], photos: int = 0,
         address: str = "10.0.0.1") -> usecase.Filed:
    return usecase.file_report(lc.rt, data, [Photo("现场.png", png())] * photos,
                               address=address)


def row(lc: Lifecycle, report_id: int | None) -> Any:
    with lc.rt.db.connect() as conn:
        return conn.execute(sa.select(public_report).where(
            public_report.c.id == report_id)).one()


def test_a_named_report_is_tracked_by_code_and_pin_its_contact_encrypted_and_rotated(
        lc: Lifecycle) -> None:
    filed = file(lc, NAMED, photos=2)
    assert filed.code.startswith("JB") and len(filed.pin) == 6
    stored = row(lc, filed.report_id)
    assert (stored.status, stored.reporter_known, stored.anonymous) == ("received", True, False)
    # at rest: no plaintext contact, the PIN hashed
    assert "王小明" not in stored.contact_enc and "13900001234" not in stored.contact_enc
    assert filed.pin not in stored.pin_hash
    with lc.rt.db.connect() as conn:  # the photos sit on the triage case, not loose
        on_case = conn.execute(sa.select(sa.func.count()).select_from(evidence).where(
            evidence.c.case_id == stored.case_id)).scalar_one()
    assert on_case == 2
    case_id = stored.case_id
    assert lc.open_elements(case_id) == ["Task_Accept"]
    assert lc.candidates(lc.task_id(case_id, "Task_Accept")) == \
        {("report_triage", "LA-JA"), ("county_supervisor", "LA-JA")}

    # tracking: the status only; a wrong PIN or code shows nothing
    assert usecase.track(lc.rt, filed.code.lower(), filed.pin)["status_name"] == "已受理"
    assert usecase.track(lc.rt, filed.code, "000000" if filed.pin != "000000" else "1") is None
    assert usecase.track(lc.rt, "JBNOSUCH1", filed.pin) is None

    # the contact: the county's triage desk only
    assert filed.report_id is not None
    page = usecase.report_page(lc.rt, lc.actor("jubao"), filed.report_id)
    assert page["contact"] == {"name": "王小明", "phone": "13900001234"}
    for who in ("jinan", "city"):  # the county's supervisor, the city: the report, no contact
        seen = usecase.report_page(lc.rt, lc.actor(who), filed.report_id)
        assert seen["contact"] is None and "王小明" not in repr(seen)
    with pytest.raises(NotFound):  # another county's supervisor: no such report
        usecase.report_page(lc.rt, lc.actor("yuan"), filed.report_id)
    with pytest.raises(Forbidden):  # the unit's own staff never read reports
        usecase.report_page(lc.rt, lc.actor("safety"), filed.report_id)

    # rotation: a new first key re-encrypts, the old key stays to decrypt
    first = public_reports_keys.load_keys(lc.rt.settings.instance_path)
    assert usecase.rotate_key(lc.rt) == 1
    keys = public_reports_keys.load_keys(lc.rt.settings.instance_path)
    assert keys[1:] == first and keys[0] != first[0]
    after = row(lc, filed.report_id).contact_enc
    assert after != stored.contact_enc
    Fernet(keys[0].encode()).decrypt(after.encode())  # the new key alone opens it
    assert usecase.report_page(lc.rt, lc.actor("jubao"), filed.report_id)["contact"]["name"] \
        == "王小明"

    # 不属实: the reasoning on record, the reporter reads the reply and nothing internal
    lc.complete(case_id, "Task_Accept", "jubao", {"accept_result": "accept",
                                                  "accept_reason": "内部：转金安区检查员"})
    assert usecase.track(lc.rt, filed.code, filed.pin)["status_name"] == "核查中"
    lc.complete(case_id, "Task_Verify", "inspector", {
        "verify_result": "unfounded", "finding_note": "内部：现场通道畅通，未见杂物"})
    lc.complete(case_id, "Task_Reply", "jubao", {"public_reply": "经现场核查，未发现所述情况。"})
    seen = usecase.track(lc.rt, filed.code, filed.pin)
    assert seen is not None and seen["status_name"] == "已办结（不属实）"
    assert seen["public_reply"] == "经现场核查，未发现所述情况。"
    assert "内部" not in repr(seen) and "王小明" not in repr(seen)
    stored = row(lc, filed.report_id)
    assert (stored.finding, stored.finding_note, stored.hazard_id) == \
        ("unfounded", "内部：现场通道畅通，未见杂物", None)


def test_honeypot_bad_input_duplicates_and_a_rejection(lc: Lifecycle) -> None:
    # a filled honeypot answers like a report and writes nothing
    trapped = file(lc, {**ANONYMOUS, "website": "http://spam.example"}, photos=1)
    assert trapped.code.startswith("JB") and trapped.report_id is None
    # a bad report is refused in Chinese, every problem named, nothing written
    with pytest.raises(InvalidInput) as refused:
        file(lc, {**NAMED, "unit_code": "NOPE", "phone": "", "description": "短"})
    assert {d.field for d in refused.value.details} == {"unit_code", "phone", "description"}
    with pytest.raises(InvalidInput):  # not a photo
        usecase.file_report(lc.rt, ANONYMOUS, [Photo("a.png", b"%PDF-1.4 not an image")],
                            address="10.0.0.1")
    with lc.rt.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(public_report)) \
            .scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(evidence)).scalar_one() == 0

    # a near-identical report is linked as 疑似重复, not dropped; a different one is not
    first = file(lc, ANONYMOUS)
    alike = "车库里堆放着几十桶油漆和稀释剂，旁边有人在抽烟！"
    again = file(lc, {**ANONYMOUS, "description": alike}, address="10.0.0.2")
    other = file(lc, {**ANONYMOUS, "description": "食堂燃气管道有异味，没有燃气报警器"})
    assert again.duplicate_of == first.report_id and other.duplicate_of is None
    with lc.rt.db.connect() as conn:
        links = conn.execute(sa.select(public_report_link.c.report_id,
                                       public_report_link.c.other_id)).all()
    assert links == [(again.report_id, first.report_id)]
    listed = usecase.list_reports(lc.rt, lc.actor("jubao"))
    assert {r["id"]: r["duplicates"] for r in listed["reports"]} == \
        {first.report_id: 1, again.report_id: 1, other.report_id: 0}

    # not accepted within 3 days: the triage desk and the county's supervisors are reminded
    case_id = row(lc, again.report_id).case_id
    assert lc.fire(case_id, lc.now() + timedelta(days=2)) == 0
    assert lc.fire(case_id, lc.now() + timedelta(days=2)) == 1
    assert {n.to for n in lc.notes(case_id, "report_accept_due")} == \
        {"report_triage@LA-JA", "county_supervisor@LA-JA"}

    # a rejection needs its reason, which stays internal; the reporter gets the reply
    with pytest.raises(InvalidInput):
        lc.complete(case_id, "Task_Accept", "jubao", {"accept_result": "reject"})
    lc.complete(case_id, "Task_Accept", "jubao", {"accept_result": "reject",
                                                  "accept_reason": "与JB前一件重复"})
    assert usecase.track(lc.rt, again.code, again.pin)["status_name"] == "不予受理"
    lc.complete(case_id, "Task_Reply", "jubao", {"public_reply": "已并入前一件举报办理。"})
    stored = row(lc, again.report_id)
    assert (stored.status, stored.reject_reason) == ("closed", "与JB前一件重复")
    assert "重复" not in repr(usecase.track(lc.rt, again.code, again.pin))


def test_substantiated_opens_a_linked_hazard_the_unit_sees_without_the_reporter(
        lc: Lifecycle) -> None:
    filed = file(lc, NAMED, photos=1)
    case_id = row(lc, filed.report_id).case_id
    lc.complete(case_id, "Task_Accept", "jubao", {"accept_result": "accept"})
    lc.complete(case_id, "Task_Verify", "inspector", SUBSTANTIATED)
    stored = row(lc, filed.report_id)
    assert (stored.status, stored.hazard_level) == ("substantiated", "general")
    with lc.rt.db.connect() as conn:
        ledger = conn.execute(sa.select(hazard).where(hazard.c.id == stored.hazard_id)).one()
    assert (ledger.source, ledger.unit_id is not None, ledger.reported_by) == \
        ("public_report", True, "inspector")
    assert lc.open_elements(ledger.case_id) == ["Task_Triage"]  # the unit's safety officer
    seen = cases.case_page(lc.rt, lc.actor("safety"), ledger.case_id)
    assert seen["case"]["hazard"]["source"] == "public_report"
    assert len(seen["files"]) == 1  # the reporter's photo, as the photo before
    shown = repr(seen)
    assert "王小明" not in shown and "13900001234" not in shown and filed.code not in shown
    page = usecase.report_page(lc.rt, lc.actor("jubao"), filed.report_id)
    assert page["hazard"]["code"] == ledger.code  # linked, seen from the report too
    lc.complete(case_id, "Task_Reply", "jubao", {"public_reply": "举报属实，已责令整改。"})
    assert usecase.track(lc.rt, filed.code, filed.pin)["status_name"] == "已办结（属实）"
    assert lc.open_elements(case_id) == []
