"""Importing a unit's 隐患台账 from Excel (tests/workflows/data/隐患台账样例.xlsx: a title
row, a two-row merged header, blank rows, dates as Excel dates, serials and text, bad rows).

The dry run lists each row's problems and writes nothing; the import brings the good rows in
through the hazard lifecycle itself: the open ones wait at the step their state implies, the
closed one is history with its dates and no work; nothing is numbered and no document
issued; a past deadline is overdue with the ladder's earlier rungs skipped; a refused import
changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from hazardflow.engine import Forbidden, InvalidInput
from hazardflow.workflows.demo import DEMO_PASSWORD
from hazardflow.workflows.ledger import LedgerFilter, list_hazards
from hazardflow.workflows.ledger_import_check import parse_date, sheet_rows
from hazardflow.workflows.ledger_import_sheet import (
    _xls_rows,
    _xlsx_rows,
    find_header,
    guess_mapping,
    read_sheet,
)
from hazardflow.workflows.schema import counter, escalation_sent, hazard, notification
from hazardflow.workflows.schema_files import document, evidence
from hazardflow.workflows.schema_imports import imported_hazard, ledger_import
from hazardflow.workflows.usecases import ledger_import as usecase
from hazardflow.workflows.users import create_user

from .lifecycle import Lifecycle, end_of_day

SAMPLE = Path(__file__).parent / "data" / "隐患台账样例.xlsx"
NAME = "隐患台账样例.xlsx"
MAX = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def sheet_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    found = Lifecycle(db)
    with db.begin() as conn:  # the sheet names its 整改责任人 by name (王建国) or login
        create_user(conn, "wangjg", DEMO_PASSWORD, "王建国", [("rectifier", "LA-JA-H01")],
                    now=found.now())
    yield found


def count(lc: Lifecycle, table: sa.Table) -> int:
    with lc.db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_mapping_is_guessed_from_a_merged_two_row_header_under_a_title(
        sheet_bytes: bytes) -> None:
    sheet = read_sheet(NAME, sheet_bytes, MAX)
    assert sheet.header_at == 4  # the sub-header row (Excel row 5), under the title and row 4
    mapping = guess_mapping(sheet.headers)
    letters = {k: "ABCDEFGHIJKLMN"[v] for k, v in mapping.items() if v is not None}
    assert letters == {"unit": "B", "description": "C", "location": "D", "category": "E",
                       "level": "F", "found_on": "G", "reference": "H", "responsible": "I",
                       "deadline": "J", "measures": "K", "status": "L", "verified_on": "M"}


PROBLEMS = {  # sheet row → column → what the dry run says
    13: {"found_on": ["无法识别的日期：2026-13-01"]},
    14: {"unit": ["未知单位：金安区第九人民医院"]},
    15: {"category": ["未知的隐患类别：网络安全（可用：消防、电气/配电、燃气/食堂、"
                      "医用气体/液氧站/高压氧、特种设备、危险化学品、有限空间、建筑施工/房屋结构、"
                      "自建房、实验室生物安全、放射、防汛、三合一场所、管理类）"]},
    16: {"level": ["未知的隐患等级：较大（一般隐患或重大隐患）"]},
    17: {"responsible": ["未知的整改责任人：赵六（须为本单位在系统中的人员）"]},
    18: {"description": ["与第 7 行重复"]},
    20: {"description": ["与已有隐患 YH-2026-000001 重复"]},
}
GOOD = {7: "ordered", 8: "ordered", 9: "awaiting_verification", 11: "registered",
        12: "closed", 19: "registered"}


def test_the_dry_run_lists_each_rows_problems_and_a_refused_import_changes_nothing(
        lc: Lifecycle, sheet_bytes: bytes) -> None:
    lc.report()  # YH-2026-000001: 疏散通道堆放杂物，安全出口被锁闭 at 门诊楼三层东侧疏散通道
    tables = (hazard, ledger_import, evidence, notification)
    before = [count(lc, t) for t in tables]
    report = usecase.check(lc.rt, lc.actor("safety"), NAME, sheet_bytes)
    assert (report["total"], report["good"], report["header_row"]) == (13, 6, 5)
    assert {r["row"]: r["problems"] for r in report["rows"] if r["problems"]} == PROBLEMS
    assert {r["row"]: r["state"] for r in report["rows"] if not r["problems"]} == GOOD
    row = next(r for r in report["rows"] if r["row"] == 8)  # an Excel serial, 2026年10月29日
    assert (row["found_on"], row["deadline"], row["responsible"]) == \
        ("2026-10-06", "2026-10-29", "wangjg")
    dates = {r["row"]: r["found_on"] for r in report["rows"]}
    assert (dates[7], dates[9], dates[11], dates[12]) == \
        ("2026-10-12", "2026-10-15", "2026-09-08", "2026-09-01")
    assert "「发现日期」：无法识别的日期：2026-13-01" in \
        next(r for r in report["rows"] if r["row"] == 13)["messages"]
    with pytest.raises(InvalidInput) as refused:  # another hospital's safety officer
        usecase.run(lc.rt, lc.actor("safety2"), NAME, sheet_bytes)
    assert "单位「金安区人民医院」不在您的导入范围内" in refused.value.details[0].message
    with pytest.raises(Forbidden):  # a rectifier does not import
        usecase.run(lc.rt, lc.actor("rectifier"), NAME, sheet_bytes)
    with pytest.raises(InvalidInput):  # not a workbook
        usecase.run(lc.rt, lc.actor("safety"), NAME, "序号,隐患名称\n1,杂物".encode())
    with pytest.raises(InvalidInput):  # a workbook with no header
        usecase.run(lc.rt, lc.actor("safety"), NAME, blank_workbook())
    assert [count(lc, t) for t in tables] == before


def test_the_good_rows_start_cases_at_their_steps_closed_ones_as_history_past_deadlines_late(
        lc: Lifecycle, sheet_bytes: bytes) -> None:
    """Open rows wait at the step their state implies; the closed one is history; nothing is
    numbered or issued; a past deadline is overdue, the ladder's earlier rungs skipped."""
    lc.report()
    result = usecase.run(lc.rt, lc.actor("safety"), NAME, sheet_bytes)
    job = result["import"]
    assert (job["status"], job["total_rows"], job["good_rows"], job["imported_rows"],
            job["created_by"], job["filename"]) == ("done", 13, 6, 6, "safety", NAME)
    rows = {h["row_number"]: h for h in job["hazards"]}
    assert {n: h["state"] for n, h in rows.items()} == GOOD
    steps = {n: lc.open_elements(h["case_id"]) for n, h in rows.items()}
    assert steps == {7: ["Task_Rectify"], 8: ["Task_Rectify"], 9: ["Task_Verify"],
                     11: ["Task_MajorOrder"], 12: [], 19: ["Task_Triage"]}
    ordered = lc.hazard(rows[7]["case_id"])
    assert (ordered["code"], ordered["deadline"], ordered["responsible_user"],
            ordered["notice_no"], ordered["reported_at"].date().isoformat()) == \
        ("DR1-0007", "2026-11-20", "wangjg", None, "2026-10-12")
    assert rows[7]["reference"] == "金安区人民医院隐改〔2026〕012号"  # the sheet's number, kept
    fixed = lc.data(rows[9]["case_id"])  # the 整改责任人 named did 整改, per the sheet
    assert fixed["rectification_note"] == "已整改，待验收"
    assert [t.completed_by for t in lc.tasks(rows[9]["case_id"], "Task_Rectify")] == ["wangjg"]
    # the closed row is history: its dates, no work, no case left running
    history = lc.hazard(rows[12]["case_id"])
    assert (history["status"], history["closed_at"].date().isoformat(),
            history["reported_at"].date().isoformat(), history["stage"]) == \
        ("closed", "2026-09-14", "2026-09-01", None)
    assert lc.case(rows[12]["case_id"]).status == "terminated"
    assert lc.notes(rows[12]["case_id"], "task_new") == []
    # nothing numbered, nothing issued; the steps the import did were nobody's work
    assert (count(lc, document), count(lc, counter)) == (0, 1)  # YH-2026-000001 only
    assert [n.to for n in lc.notes(rows[9]["case_id"], "task_new")] == ["verifier@LA-JA-H01"]
    with lc.db.connect() as conn:
        marked = conn.execute(sa.select(sa.func.count()).select_from(imported_hazard)
                              .where(imported_hazard.c.import_id == job["id"])).scalar_one()
    assert marked == 6
    case_id = rows[8]["case_id"]  # a past deadline: the ladder armed late
    with lc.db.connect() as conn:  # deadline 2026-10-29, imported 2026-11-02
        rungs = dict(conn.execute(sa.select(escalation_sent.c.element_id,
                                            escalation_sent.c.skipped)
                                  .where(escalation_sent.c.case_id == case_id)).all())
    assert rungs == {"ServiceTask_RectifyRemind": True, "ServiceTask_RectifyDue": True,
                     "ServiceTask_RectifyOverdue": False}
    assert lc.note_summary(case_id) == [("overdue", "principal@LA-JA-H01"),
                                        ("overdue", "county_supervisor@LA-JA")]
    overdue = overdue_codes(lc)
    assert "DR1-0008" in overdue and "DR1-0007" not in overdue
    # after the import the ladder is the process's own: the 督办函 comes at its time, numbered
    letter_due = end_of_day(date(2026, 10, 29) + timedelta(days=7)) + timedelta(seconds=1)
    assert lc.fire(case_id, letter_due) == 1
    assert [s["set"] for s in lc.services(case_id, "hazard.supervision_letter")] == \
        [{"letter_no": "六卫健督办〔2026〕1号"}]
    # 13 days late at the import: the 督办函 is the latest rung due, and an import issues
    # none: every rung is recorded as skipped, nothing is numbered or sent
    late = one_row_sheet(["锅炉房安全阀铅封缺失", "锅炉房", "特种设备", "一般", "2026-10-01",
                          "王建国", "2026-10-20", "整改中"])
    [row] = usecase.run(lc.rt, lc.actor("safety"), "补录.xlsx", late)["import"]["hazards"]
    with lc.db.connect() as conn:
        skipped = dict(conn.execute(sa.select(escalation_sent.c.element_id,
                                              escalation_sent.c.skipped)
                                    .where(escalation_sent.c.case_id == row["case_id"])).all())
    assert skipped == {f"ServiceTask_Rectify{r}": True
                       for r in ("Remind", "Due", "Overdue", "Letter")}
    assert lc.note_summary(row["case_id"]) == [] and count(lc, counter) == 2
    again = usecase.check(lc.rt, lc.actor("safety"), NAME, sheet_bytes)
    assert {r["row"]: r["problems"][""] for r in again["rows"] if r["row"] in (7, 12)} == {
        7: ["本行已从同一文件导入（隐患 DR1-0007）"], 12: ["本行已从同一文件导入（隐患 DR1-0012）"]}


def overdue_codes(lc: Lifecycle) -> list[str]:
    with lc.db.connect() as conn:
        page = list_hazards(conn, lc.actor("safety"), lc.rt.calendar,
                            LedgerFilter(overdue_on=lc.today()))
    return [r["code"] for r in page.rows]


def one_row_sheet(values: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["隐患描述", "隐患部位", "隐患类别", "隐患等级", "发现日期", "整改责任人",
                  "整改期限", "整改情况"])
    sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def blank_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["一些说明文字"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xls_ledger_is_read_with_python_calamine() -> None:
    """隐患台账样例.xls (written by data/make_ledger_xls.py): a merged title row, a blank row,
    text dates and an Excel serial; a .xls under another name is refused."""
    data = SAMPLE.with_suffix(".xls").read_bytes()
    sheet = read_sheet("隐患台账样例.xls", data, MAX)
    assert sheet.header_at == 2
    mapping = guess_mapping(sheet.headers)
    rows = sheet_rows(sheet, mapping)
    assert [(r.number, r.cells["description"]) for r, _ in rows] == [
        (5, "门诊楼一层配电箱箱门缺失"), (6, "锅炉房未配置灭火器"), (7, "职工食堂液化气瓶未固定")]
    assert [parse_date(raw["found_on"]) for _, raw in rows] == [
        date(2026, 10, 8), date(2026, 10, 5), date(2026, 10, 12)]
    assert parse_date(rows[1][1]["deadline"]) == date(2026, 12, 1)
    with pytest.raises(InvalidInput):
        read_sheet("隐患台账样例.xlsx", data, MAX)


def test_calamine_reads_the_sheet_as_openpyxl_does(sheet_bytes: bytes) -> None:
    """The same grid (merged cells filled) from either reader: the same header and mapping."""
    by_calamine, by_openpyxl = _xls_rows(sheet_bytes), _xlsx_rows(sheet_bytes)
    at = find_header(by_calamine)
    assert at == find_header(by_openpyxl) == 4
    assert guess_mapping([str(v or "") for v in by_calamine[at]]) == \
        guess_mapping([str(v or "") for v in by_openpyxl[at]])


@pytest.mark.parametrize("text", ["2026-3-5", "2026/03/05", "2026年3月5日", "20260305",
                                  "2026.3.5", "46086", 46086, 20260305.0])
def test_dates_are_read_as_text_and_as_excel_serials(text: Any) -> None:
    assert parse_date(text) == date(2026, 3, 5)
