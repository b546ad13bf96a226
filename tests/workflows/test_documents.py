"""Numbered documents: 整改通知书 and 复查意见书, their numbers, contents and PDFs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.engine import Connection

from hazardflow.engine import Conflict
from hazardflow.engine.journal import system_event
from hazardflow.workflows import documents as docs
from hazardflow.workflows.calendar import DEFAULT_CALENDAR

from .conftest import HazardFactory
from .lifecycle import Lifecycle, order_form, rectify_form, verify_failed, verify_passed


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def issue(conn: Connection, kind: str, case_ids: list[int], now: datetime,
          issuer: str = "LA-JA", by: str = "jinan") -> docs.Document:
    return docs.issue_document(conn, kind=kind, case_ids=case_ids, issuer_unit_code=issuer,
                               issued_by=by, now=now, calendar=DEFAULT_CALENDAR)


def test_notice_of_one_ordered_hazard_keeps_the_process_number(lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 11, 20)))
    notice_no = lc.hazard(case_id)["notice_no"]
    assert notice_no == "金安卫健整改〔2026〕1号"
    with lc.db.begin() as conn:
        doc = issue(conn, "notice", [case_id], lc.now())
        again = issue(conn, "notice", [case_id], lc.now())
        assert (doc.number, again.id) == (notice_no, doc.id)
        assert [d.id for d in docs.documents_for_case(conn, case_id)] == [doc.id]
        journaled = conn.execute(sa.select(system_event.c.action, system_event.c.actor)
                                 .where(system_event.c.subject == f"document:{notice_no}")).all()
        assert journaled == [("document.issued", "jinan")]
        text = flat(pdf_text(docs.render_pdf(conn, doc.id, DEFAULT_CALENDAR)))
    code = lc.hazard(case_id)["code"]
    for words in ("整改通知书", notice_no, code, "金安区卫生健康委员会", "金安区人民医院",
                  "清理杂物，保持通道畅通", "2026年11月20日", "2026年11月2日",
                  "金安区人民医院整改责任人"):
        assert flat(words) in text, words


def test_notice_of_three_hazards_lists_all_three_and_numbers_per_body_and_year(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    cases = [make_hazard(conn, "LA-JA-H01", deadline="2026-11-30", location=f"病房楼{i}层")
             for i in (1, 2, 3)]
    ids = [c for c, _ in cases]
    first = issue(conn, "notice", ids, now)
    assert first.number == "金安卫健整改〔2026〕1号"
    assert issue(conn, "notice", ids, now).id == first.id  # the same inspection's notice
    assert docs.document_case_ids(conn, first.id) == ids
    second = issue(conn, "notice", ids[:2], now)
    assert second.number == "金安卫健整改〔2026〕2号"
    other_body = issue(conn, "notice", ids[2:], now, issuer="LA-YA", by="yuan")
    assert other_body.number == "裕安卫健整改〔2026〕1号"
    next_year = issue(conn, "notice", ids[:1], datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert next_year.number == "金安卫健整改〔2027〕1号"  # 1 January 00:30 in Lu'an
    text = flat(pdf_text(docs.render_pdf(conn, first.id, DEFAULT_CALENDAR)))
    assert all(code in text for _, code in cases)
    assert "整改通知书" in text and flat(first.number) in text and "共3项" in text


def test_notice_before_rectification_is_ordered_is_refused(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    case_id, code = make_hazard(conn)
    with pytest.raises(Conflict) as caught:
        issue(conn, "notice", [case_id], now)
    assert code in caught.value.message and "尚未下达整改通知" in caught.value.message


def test_opinion_records_each_recheck_and_is_renumbered_after_a_new_one(
        lc: Lifecycle) -> None:
    case_id = lc.report()
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 11, 20)))
    with lc.db.begin() as conn, pytest.raises(Conflict) as caught:
        issue(conn, "opinion", [case_id], lc.now())
    assert "尚未复查" in caught.value.message
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form("已清理杂物"))
    lc.complete(case_id, "Task_Verify", "verifier", verify_failed("安全出口仍被锁闭"))
    with lc.db.begin() as conn:
        failed = issue(conn, "opinion", [case_id], lc.now(), by="verifier")
        assert issue(conn, "opinion", [case_id], lc.now()).id == failed.id
        failed_text = flat(pdf_text(docs.render_pdf(conn, failed.id, DEFAULT_CALENDAR)))
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form("已开启安全出口"))
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    with lc.db.begin() as conn:
        passed = issue(conn, "opinion", [case_id], lc.now(), by="verifier")
        passed_text = flat(pdf_text(docs.render_pdf(conn, passed.id, DEFAULT_CALENDAR)))
        kinds = [d.kind for d in docs.documents_for_case(conn, case_id)]
    assert (failed.number, passed.number) == ("金安卫健复查〔2026〕1号", "金安卫健复查〔2026〕2号")
    assert kinds == ["opinion", "opinion"]
    assert "复查意见书" in failed_text and "不通过" in failed_text
    assert "安全出口仍被锁闭" in failed_text and "已清理杂物" in failed_text
    assert "整改到位，同意销号" in passed_text and "金安区人民医院验收人" in passed_text
    assert "安全出口仍被锁闭" not in passed_text  # the later check replaces the earlier


def test_who_may_issue_depends_on_role_and_scope(lc: Lifecycle) -> None:
    case_id = lc.report()
    with lc.db.connect() as conn:
        for user, kind, allowed in [("jinan", "notice", True), ("safety", "notice", True),
                                    ("city", "notice", True), ("inspector", "notice", True),
                                    ("rectifier", "notice", False), ("yuan", "notice", False),
                                    ("verifier", "notice", False), ("verifier", "opinion", True),
                                    ("admin", "opinion", True)]:
            assert docs.may_issue(conn, lc.actor(user), kind, case_id) is allowed, (user, kind)


def test_text_from_forms_is_escaped_in_the_document(conn: Connection,
                                                    make_hazard: HazardFactory,
                                                    now: datetime) -> None:
    case_id, _ = make_hazard(conn, deadline="2026-11-30",
                             description='<img src="http://evil.example/x">配电箱')
    doc = issue(conn, "notice", [case_id], now)
    html = docs.render_html(conn, doc.id, DEFAULT_CALENDAR)
    assert "&lt;img src=" in html and "<img" not in html


def test_chinese_dates_are_read_in_shanghai() -> None:
    at = datetime(2026, 11, 27, 16, 5, tzinfo=UTC)
    assert docs.cn_date(at, DEFAULT_CALENDAR) == "2026年11月28日"
    assert docs.cn_date("2026-11-28", DEFAULT_CALENDAR) == "2026年11月28日"
    assert docs.cn_date(None, DEFAULT_CALENDAR) == ""
