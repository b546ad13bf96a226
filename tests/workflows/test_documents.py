"""Documents in the right name: the ordering body's notice, dated on the order, numbered when
signed by someone entitled to sign for that body, one per order; the re-checking body's
opinion; the regulator's legal basis, deadline, appeal rights and inspectors' 执法证号."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from hazardflow.engine import Conflict, Forbidden, NotFound
from hazardflow.engine.journal import system_event
from hazardflow.workflows import documents as docs
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.certificates import set_certificate
from hazardflow.workflows.counters import current_value
from hazardflow.workflows.demo_documents import CERTIFICATES
from hazardflow.workflows.document_render import render_html
from hazardflow.workflows.usecases import documents as uc

from .lifecycle import Lifecycle, with_documents
from .lifecycle_forms import order_form, rectify_form, verify_failed, verify_passed

DEADLINE = date(2026, 11, 20)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def lc(db: sa.Engine) -> Lifecycle:
    return with_documents(db)


def self_ordered(lc: Lifecycle) -> int:
    """A hazard the hospital's self-inspection found and its safety officer ordered."""
    case_id = lc.report("safety", source="self_inspection")
    lc.complete(case_id, "Task_Triage", "safety", order_form(DEADLINE))
    return case_id


def county_ordered(lc: Lifecycle) -> int:
    """A hazard 金安区's inspector found and its supervisor ordered."""
    case_id = lc.report("inspector", source="inspection")
    lc.complete(case_id, "Task_Triage", "jinan", order_form(DEADLINE))
    return case_id


def issued_text(lc: Lifecycle, case_id: int, kind: str, by: str) -> tuple[docs.Document, str]:
    doc = uc.issue(lc.rt, lc.actor(by), case_id, kind).document
    return doc, flat(pdf_text(uc.case_document(lc.rt, lc.actor(by), case_id, kind).pdf))


def test_a_hospitals_self_inspection_gives_its_internal_notice_in_its_own_name(
        lc: Lifecycle) -> None:
    case_id = self_ordered(lc)
    with pytest.raises(Forbidden):  # the county did not order it: not its document to sign
        uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice")
    doc, text = issued_text(lc, case_id, "notice", "safety")
    assert (doc.form, doc.kind_name) == ("unit_notice", "隐患整改通知单")
    assert doc.number == "金安区人民医院隐改〔2026〕001号"
    with lc.db.connect() as conn:
        assert docs.issuer_of(conn, doc).code == "LA-JA-H01"
        assert current_value(conn, "责改:LA-JA:2026") == 0  # the county numbered nothing
    for words in ("金安区人民医院", "隐患整改通知单", doc.number, "2026年11月20日前",
                  "清理杂物，保持通道畅通", "签发人：金安区人民医院安全管理员"):
        assert flat(words) in text, words
    for words in ("卫生健康委员会", "行政复议", "执法证号", "责令"):
        assert words not in text, words
    second = self_ordered(lc)
    assert uc.issue(lc.rt, lc.actor("principal"), second, "notice").document.number == \
        "金安区人民医院隐改〔2026〕002号"


def test_a_county_order_gives_the_countys_directive_with_legal_basis_deadline_and_appeal_rights(
        lc: Lifecycle) -> None:
    case_id = county_ordered(lc)
    doc, text = issued_text(lc, case_id, "notice", "jinan")
    assert (doc.form, doc.kind_name, doc.number) == (
        "directive", "责令限期整改指令书", "金安卫健责改〔2026〕1号")
    assert lc.hazard(case_id)["notice_no"] == doc.number  # the ledger shows it
    for words in ("金安区卫生健康委员会", "责令限期整改指令书", doc.number, "金安区人民医院：",
                  "《中华人民共和国安全生产法》第六十五条第一款第（三）项",
                  "《中华人民共和国安全生产法》第四十一条第二款", "第十五条",
                  "现责令你单位按上表所列期限整改完毕", "2026年11月20日前",
                  "六十日内依法向六安市金安区人民政府申请行政复议",
                  "六个月内依法向人民法院提起行政诉讼",
                  "金安区检查员", CERTIFICATES["inspector"], "金安区卫健委监管员",
                  CERTIFICATES["jinan"], "金安区卫生健康委员会（盖章）"):
        assert flat(words) in text, words
    assert "第二十条" not in text  # an article about major hazards only: not on a general one


def test_a_regulators_document_needs_its_inspectors_certificate_numbers(lc: Lifecycle) -> None:
    case_id = county_ordered(lc)
    with lc.db.begin() as conn:
        set_certificate(conn, username="inspector", number="", by="admin", now=lc.now())
    with pytest.raises(Conflict) as caught:
        uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice")
    assert caught.value.code == "no_certificate" and "金安区检查员" in caught.value.message
    with lc.db.connect() as conn:
        assert current_value(conn, "责改:LA-JA:2026") == 0  # the refusal took no number


def test_a_document_is_dated_on_the_order_day_not_when_printed(lc: Lifecycle) -> None:
    case_id = county_ordered(lc)  # ordered on Monday 2 November 2026
    lc.set_time(lc.now() + timedelta(days=3, hours=10))  # signed on Thursday evening
    doc, text = issued_text(lc, case_id, "notice", "jinan")
    assert doc.dated_on == "2026-11-02" and lc.today() == date(2026, 11, 5)
    assert "2026年11月2日" in text and "2026年11月5日" not in text
    lc.set_time(lc.now() + timedelta(days=30))  # printed again a month later: the same PDF
    again = uc.document(lc.rt, lc.actor("safety"), doc.id)
    assert again.pdf == uc.case_document(lc.rt, lc.actor("jinan"), case_id, "notice").pdf
    with lc.db.connect() as conn:
        assert docs.issued_pdf(conn, doc.id) == again.pdf


def test_a_notice_dated_in_december_keeps_that_years_number(lc: Lifecycle) -> None:
    lc.set_time(lc.now().replace(month=12, day=31, hour=8))  # 16:00 on 31 December in Lu'an
    case_id = lc.report("inspector", source="inspection")
    lc.complete(case_id, "Task_Triage", "jinan", order_form(date(2027, 1, 20)))
    lc.set_time(lc.now() + timedelta(days=2))
    doc = uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice").document
    assert (doc.dated_on, doc.number) == ("2026-12-31", "金安卫健责改〔2026〕1号")


def test_only_someone_entitled_to_sign_for_the_body_numbers_it(lc: Lifecycle) -> None:
    case_id = county_ordered(lc)
    # its inspector (named on it), the city above, the hospital, an administrator
    for signer in ("inspector", "city", "safety", "principal", "admin"):
        with pytest.raises(Forbidden):
            uc.issue(lc.rt, lc.actor(signer), case_id, "notice")
        assert uc.case_documents(lc.rt, lc.actor(signer), case_id).issuable == [], signer
    with pytest.raises(NotFound):  # another county's supervisor does not even see it
        uc.issue(lc.rt, lc.actor("yuan"), case_id, "notice")
    with lc.db.connect() as conn:
        assert current_value(conn, "责改:LA-JA:2026") == 0
    assert uc.case_documents(lc.rt, lc.actor("jinan"), case_id).issuable == ["notice"]
    doc = uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice").document
    assert doc.number == "金安卫健责改〔2026〕1号"
    with lc.db.connect() as conn:
        journaled = conn.execute(sa.select(system_event.c.action, system_event.c.actor)
                                 .where(system_event.c.subject == f"document:{doc.number}")
                                 ).all()
    assert journaled == [("document.issued", "jinan")]
    assert uc.case_documents(lc.rt, lc.actor("jinan"), case_id).issuable == []


def test_one_order_has_one_notice(lc: Lifecycle) -> None:
    case_id = county_ordered(lc)
    first = uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice")
    again = uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice")
    assert (first.fresh, again.fresh, again.document.id) == (True, False, first.document.id)
    other = county_ordered(lc)
    with lc.db.begin() as conn, pytest.raises(Conflict) as caught:  # listed again elsewhere
        both = [docs.basis(conn, "notice", c, DEFAULT_CALENDAR) for c in (other, case_id)]
        docs.issue(conn, lc.actor("jinan"), "notice", both, now=lc.now(),
                   calendar=DEFAULT_CALENDAR, verify_base="http://localhost")
    assert caught.value.code == "already_issued" and first.document.number in \
        caught.value.message
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    lc.complete(case_id, "Task_Recheck", "inspector", verify_failed())
    still = uc.issue(lc.rt, lc.actor("jinan"), case_id, "notice")  # the same order stands
    assert (still.fresh, still.document.id) == (False, first.document.id)
    failed = uc.issue(lc.rt, lc.actor("jinan"), case_id, "opinion")
    assert uc.issue(lc.rt, lc.actor("jinan"), case_id, "opinion").document == failed.document
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    lc.complete(case_id, "Task_Recheck", "inspector", verify_passed())
    passed = uc.issue(lc.rt, lc.actor("jinan"), case_id, "opinion")  # one per re-check
    with lc.db.connect() as conn:
        listed = [(d.kind, d.number) for d in docs.documents_for_case(conn, case_id)]
    assert listed == [("notice", "金安卫健责改〔2026〕1号"), ("opinion", "金安卫健复查〔2026〕1号"),
                      ("opinion", "金安卫健复查〔2026〕2号")]
    assert passed.fresh and "不通过" in flat(pdf_text(uc.document(
        lc.rt, lc.actor("jinan"), failed.document.id).pdf))

def test_the_review_opinion_speaks_for_the_ordering_body(lc: Lifecycle) -> None:
    case_id = county_ordered(lc)
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form("已清理杂物"))
    lc.complete(case_id, "Task_Recheck", "inspector", verify_passed())
    with pytest.raises(Forbidden):  # the hospital re-checked nothing: not its to sign
        uc.issue(lc.rt, lc.actor("safety"), case_id, "opinion")
    doc, text = issued_text(lc, case_id, "opinion", "jinan")
    assert (doc.form, doc.kind_name, doc.number) == (
        "review", "整改复查意见书", "金安卫健复查〔2026〕1号")
    for words in ("金安区卫生健康委员会", "整改复查意见书", "复查人员：金安区检查员",
                  CERTIFICATES["inspector"], "已清理杂物", "经复查整改到位，同意销号",
                  "第六十五条"):
        assert flat(words) in text, words
    assert "验收人" not in text and "金安区人民医院安全管理员" not in text


def test_a_units_own_verification_is_the_units_acceptance_never_the_countys(
        lc: Lifecycle) -> None:
    case_id = self_ordered(lc)
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    with pytest.raises(Forbidden):
        uc.issue(lc.rt, lc.actor("jinan"), case_id, "opinion")
    doc, text = issued_text(lc, case_id, "opinion", "safety")
    assert (doc.form, doc.number) == ("unit_acceptance", "金安区人民医院验收〔2026〕001号")
    assert "金安区人民医院验收人" in text and "卫生健康委员会" not in text


def test_text_from_forms_is_escaped_in_the_document(lc: Lifecycle) -> None:
    case_id = lc.report("safety", source="self_inspection",
                        description='<img src="http://evil.example/x">配电箱')
    lc.complete(case_id, "Task_Triage", "safety", order_form(DEADLINE))
    doc = uc.issue(lc.rt, lc.actor("safety"), case_id, "notice").document
    with lc.db.connect() as conn:
        html = render_html(conn, doc.id, DEFAULT_CALENDAR)
    assert "&lt;img src=" in html and "<img" not in html


def test_chinese_dates_are_read_in_shanghai() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 11, 27, 16, 5, tzinfo=UTC)
    assert docs.cn_date(at, DEFAULT_CALENDAR) == "2026年11月28日"
    assert docs.cn_date("2026-11-28", DEFAULT_CALENDAR) == "2026年11月28日"
    assert docs.cn_date(None, DEFAULT_CALENDAR) == ""
