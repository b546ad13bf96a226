"""Inspections against a checklist: failed items become linked hazard cases; an unannounced
visit stays hidden from its unit until published; a notice lists all its hazards."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, Forbidden, InvalidInput
from hazardflow.engine.journal import events
from hazardflow.workflows import campaigns, inspections
from hazardflow.workflows.inspection_documents import inspection_documents
from hazardflow.workflows.ledger import get_hazard, list_hazards
from hazardflow.workflows.usecases import inspections as inspection_uc
from hazardflow.workflows.usecases.inspections import record as record_uc

from .lifecycle import Lifecycle
from .lifecycle_forms import order_form

UNIT = "LA-JA-H01"


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def results(checklist: str, lc: Lifecycle, failed: dict[int, str],
            by: str = "inspector") -> list[dict[str, Any]]:
    """Every item passed except ``failed`` (position → note), each failure with a photo the
    recorder ``by`` uploaded."""
    with lc.db.connect() as conn:
        items = campaigns.get_checklist(conn, checklist)["items"]
    return [{"item": i["position"], "result": "fail" if i["position"] in failed else "pass",
             "note": failed.get(i["position"], ""),
             "photos": lc.with_uploads({"p": ["ev-insp-1"]}, by)["p"]
             if i["position"] in failed else [], "location": "门诊楼"} for i in items]


def record(lc: Lifecycle, by: str, kind: str, failed: dict[int, str],
           checklist: str = "hospital_fire", unit: str = UNIT) -> dict[str, Any]:
    return record_uc(lc.rt, lc.actor(by), unit_code=unit, kind=kind, checklist_code=checklist,
                     results=results(checklist, lc, failed, by), campaign_code="2026-YDQ",
                     location="门诊楼")


def test_failed_items_become_linked_cases_and_a_major_trigger_a_major_case(
        lc: Lifecycle) -> None:
    # item 1 (escape routes) is general; item 2 (fire systems disabled) is a major trigger
    found = record(lc, "inspector", "supervision", {1: "三楼通道堆放杂物", 2: "喷淋系统关闭"})
    failed = [r for r in found["results"] if r["result"] == "fail"]
    assert found["failed"] == 2 and len(failed) == 2
    assert all(r["case_id"] and r["hazard_code"] for r in failed)
    assert [r["level"] for r in failed] == ["general", "major"]
    assert all(r["case_id"] is None for r in found["results"] if r["result"] == "pass")
    with lc.db.connect() as conn:
        row = get_hazard(conn, lc.actor("city"), failed[1]["hazard_code"])
    assert row is not None
    assert (row["campaign"], row["source"], row["category"]) == ("2026-YDQ", "inspection",
                                                                 "fire")
    assert found["code"] in row["description"] and "喷淋系统关闭" in row["description"]
    assert lc.open_elements(failed[1]["case_id"]) == ["Task_MajorOrder"]
    assert lc.open_elements(failed[0]["case_id"]) == ["Task_Triage"]


def test_every_item_needs_a_result_and_a_failure_a_photo(lc: Lifecycle) -> None:
    given = results("hospital_fire", lc, {1: "杂物"})
    with pytest.raises(InvalidInput):
        record_uc(lc.rt, lc.actor("inspector"), unit_code=UNIT, kind="routine",
                  checklist_code="hospital_fire", results=given[:-1])
    given[0]["photos"] = []
    with pytest.raises(InvalidInput):
        record_uc(lc.rt, lc.actor("inspector"), unit_code=UNIT, kind="routine",
                  checklist_code="hospital_fire", results=given)


def test_regulators_make_unannounced_visits_units_do_not_and_only_in_scope(
        lc: Lifecycle) -> None:
    with pytest.raises(Forbidden):  # the city's and the counties' 暗查暗访, not a unit's
        record(lc, "safety", "unannounced", {1: "x"})
    with pytest.raises(Forbidden):  # 金安区's inspector at a 裕安区 hospital
        record(lc, "inspector", "routine", {1: "x"}, unit="LA-YA-H01")


def test_unannounced_findings_stay_hidden_from_the_unit_until_published(
        lc: Lifecycle) -> None:
    found = record(lc, "city", "unannounced", {1: "安全出口上锁"})
    code = next(r["hazard_code"] for r in found["results"] if r["result"] == "fail")
    with lc.db.connect() as conn:
        assert get_hazard(conn, lc.actor("safety"), code) is None
        assert get_hazard(conn, lc.actor("jinan"), code) is not None
        seen = list_hazards(conn, lc.actor("safety"), lc.rt.calendar).rows
        assert code not in {h["code"] for h in seen}
        assert inspections.list_inspections(conn, lc.actor("safety")) == []
        assert len(inspections.list_inspections(conn, lc.actor("jinan"))) == 1
    with pytest.raises(Forbidden):  # the city publishes, not the county
        inspection_uc.publish(lc.rt, lc.actor("jinan"), found["id"])
    assert inspection_uc.publish(lc.rt, lc.actor("city"), found["id"]) == 1
    with lc.db.connect() as conn:
        seen = get_hazard(conn, lc.actor("safety"), code)
        assert seen is not None and seen["published_at"] is not None
        assert [i["code"] for i in inspections.list_inspections(conn, lc.actor("safety"))] \
            == [found["code"]]
        assert events(conn, action_prefix="inspection.published")[0]["subject"] == \
            f"inspection:{found['code']}"


def test_a_notice_lists_every_hazard_of_the_inspection(lc: Lifecycle) -> None:
    documents = pytest.importorskip("hazardflow.workflows.documents")
    from pypdf import PdfReader

    found = record(lc, "inspector", "supervision", {1: "通道堆物", 4: "管道井未封堵"})
    failed = [r for r in found["results"] if r["result"] == "fail"]
    with pytest.raises(Conflict):  # no rectification ordered yet: no deadline
        inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    for r in failed:
        lc.complete(r["case_id"], "Task_Triage", "jinan", order_form(lc.now().date()))
    document = inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    again = inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    with lc.db.connect() as conn:
        pdf = documents.issued_pdf(conn, document.id)
    assert again.id == document.id
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for r in failed:
        assert r["hazard_code"] in text
    with lc.db.connect() as conn:
        assert inspections.get_inspection(conn, lc.actor("jinan"),
                                          found["id"])["document_id"] == document.id


def test_an_opinion_records_the_recheck_of_every_hazard_of_the_inspection(
        lc: Lifecycle) -> None:
    documents = pytest.importorskip("hazardflow.workflows.documents")
    from pypdf import PdfReader

    from .lifecycle_forms import rectify_form, verify_failed, verify_passed

    found = record(lc, "inspector", "supervision", {1: "通道堆物", 4: "管道井未封堵"})
    failed = [r for r in found["results"] if r["result"] == "fail"]
    for r in failed:
        lc.complete(r["case_id"], "Task_Triage", "jinan", order_form(lc.now().date()))
        lc.complete(r["case_id"], "Task_Rectify", "rectifier", rectify_form())
    first, second = failed
    # the county found and ordered them: it re-checks them, not the hospital's verifier
    lc.complete(first["case_id"], "Task_Recheck", "inspector", verify_passed())
    with pytest.raises(Conflict):  # the second hazard has not been re-checked yet
        inspection_uc.issue_opinion(lc.rt, lc.actor("jinan"), found["id"])
    lc.complete(second["case_id"], "Task_Recheck", "jinan", verify_failed("管道井仍未封堵"))
    opinion = inspection_uc.issue_opinion(lc.rt, lc.actor("jinan"), found["id"])
    with lc.db.connect() as conn:
        pdf = documents.issued_pdf(conn, opinion.id)
        listed = inspection_documents(conn, found["id"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert first["hazard_code"] in text and second["hazard_code"] in text
    assert "管道井仍未封堵" in text.replace(" ", "").replace("\n", "")
    assert [d.id for d in listed] == [opinion.id]
    with pytest.raises(Forbidden):
        inspection_uc.issue_opinion(lc.rt, lc.actor("safety"), found["id"])


def test_an_unknown_unit_or_a_spot_check_of_another_unit_is_refused_on_its_field(
        lc: Lifecycle) -> None:
    from hazardflow.workflows.usecases import campaigns as campaign_uc

    city = lc.actor("city")
    given = results("hospital_fire", lc, {}, "city")
    with pytest.raises(InvalidInput) as unknown:
        record_uc(lc.rt, city, unit_code="NO-SUCH-UNIT", kind="routine",
                  checklist_code="hospital_fire", results=given)
    assert [d.field for d in unknown.value.details] == ["unit_code"]
    check = campaign_uc.draw(lc.rt, city, title="抽查", kind="spot_check", size=1,
                             seed="x")["checks"][0]
    elsewhere = "LA-YA-H01" if check["unit_code"] != "LA-YA-H01" else "LA-JA-H01"
    for bad in (check["id"] + 1000, "abc", 2**40):
        with pytest.raises(InvalidInput) as wrong:
            record_uc(lc.rt, city, unit_code=check["unit_code"], kind="spot_check",
                      checklist_code="hospital_fire", results=given, spot_check_id=bad)
        assert [d.field for d in wrong.value.details] == ["spot_check_id"]
    with pytest.raises(InvalidInput) as other_unit:
        record_uc(lc.rt, city, unit_code=elsewhere, kind="spot_check",
                  checklist_code="hospital_fire", results=given, spot_check_id=check["id"])
    assert [d.field for d in other_unit.value.details] == ["spot_check_id"]
    with lc.db.connect() as conn:
        assert inspections.list_inspections(conn, city) == []
