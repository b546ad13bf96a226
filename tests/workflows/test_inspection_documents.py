"""An inspection's findings get the inspection's one notice, in the ordering body's name:
never both it and a notice of their own for the same order."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from hazardflow.engine import Conflict, Forbidden
from hazardflow.workflows import documents as docs
from hazardflow.workflows.inspection_documents import inspection_documents
from hazardflow.workflows.usecases import documents as uc
from hazardflow.workflows.usecases import inspections as inspection_uc

from .lifecycle import Lifecycle, with_documents
from .lifecycle_forms import on_spot_form, order_form
from .test_inspections import record

DEADLINE = date(2026, 11, 20)


@pytest.fixture
def lc(db: sa.Engine) -> Lifecycle:
    return with_documents(db)


def flat_pdf(data: bytes) -> str:
    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_an_inspections_findings_get_the_inspections_one_notice(lc: Lifecycle) -> None:
    found = record(lc, "inspector", "supervision", {1: "通道堆物", 4: "管道井未封堵",
                                                    7: "灭火器过期"})
    first, second, third = [r for r in found["results"] if r["result"] == "fail"]
    lc.complete(first["case_id"], "Task_Triage", "jinan", order_form(DEADLINE))
    with pytest.raises(Conflict) as waiting:  # the others await their order
        inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    assert waiting.value.code == "not_ordered"
    with pytest.raises(Conflict) as covered:  # not a notice of its own: the inspection's
        uc.issue(lc.rt, lc.actor("jinan"), first["case_id"], "notice")
    assert covered.value.code == "inspection_notice" and found["code"] in covered.value.message
    assert uc.case_documents(lc.rt, lc.actor("jinan"), first["case_id"]).issuable == []
    lc.complete(second["case_id"], "Task_Triage", "jinan", order_form(DEADLINE))
    lc.complete(third["case_id"], "Task_Triage", "jinan", on_spot_form())  # needs no notice
    with pytest.raises(Forbidden):  # the county ordered: its inspector does not sign
        inspection_uc.issue_notice(lc.rt, lc.actor("inspector"), found["id"])
    notice = inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    assert (notice.form, notice.number) == ("directive", "金安卫健责改〔2026〕1号")
    assert inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"]).id == notice.id
    again = uc.issue(lc.rt, lc.actor("jinan"), first["case_id"], "notice")
    assert (again.fresh, again.document.id) == (False, notice.id)  # the same one notice
    with lc.db.connect() as conn:
        assert docs.document_case_ids(conn, notice.id) == [first["case_id"], second["case_id"]]
        assert [d.id for d in inspection_documents(conn, found["id"])] == [notice.id]
        text = flat_pdf(docs.issued_pdf(conn, notice.id) or b"")
    assert first["hazard_code"] in text and second["hazard_code"] in text
    assert third["hazard_code"] not in text and "共2项" in text


def test_findings_the_unit_itself_ordered_get_the_units_own_notices(lc: Lifecycle) -> None:
    found = record(lc, "inspector", "supervision", {1: "通道堆物", 4: "管道井未封堵"})
    first, second = [r for r in found["results"] if r["result"] == "fail"]
    lc.complete(first["case_id"], "Task_Triage", "jinan", order_form(DEADLINE))
    lc.complete(second["case_id"], "Task_Triage", "safety", order_form(DEADLINE))
    with pytest.raises(Conflict) as mixed:
        inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    assert mixed.value.code == "different_bodies"
    county = uc.issue(lc.rt, lc.actor("jinan"), first["case_id"], "notice").document
    unit = uc.issue(lc.rt, lc.actor("safety"), second["case_id"], "notice").document
    assert (county.form, unit.form) == ("directive", "unit_notice")
    with pytest.raises(Conflict) as taken:  # each order has its notice already
        inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), found["id"])
    assert taken.value.code in ("already_issued", "different_bodies")
