"""Excel exports: headers, real dates, widths, filters, and no formula injection."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy.engine import Connection

from hazardflow.workflows import exports
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.ledger import list_hazards

from .conftest import HazardFactory, actor


def test_ledger_rows_export_with_chinese_headers_dates_and_overdue_flags(
        conn: Connection, make_hazard: HazardFactory) -> None:
    make_hazard(conn, "LA-JA-H01", deadline="2026-11-10", description="=cmd|' /C calc'!A0",
                category="electrical", source="inspection", campaign="迎大庆、防风险")
    make_hazard(conn, "LA-JA-H02", deadline="2026-12-31", level="major",
                at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC))
    rows = list_hazards(conn, actor("county_supervisor@LA-JA"), DEFAULT_CALENDAR).rows
    sheet = exports.ledger_sheet(rows, today=date(2026, 11, 20), names={"safety": "安全员王"})
    wb = load_workbook(io.BytesIO(exports.to_xlsx([sheet], DEFAULT_CALENDAR)))
    ws = wb["隐患台账"]
    assert [c.value for c in ws[1]] == list(exports.LEDGER_HEADERS)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:P3"
    by_code = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    first, second = by_code["YH-2026-000001"], by_code["YH-2026-000002"]
    assert (first[1].value, first[3].value, first[4].value, first[6].value) == \
        ("金安区人民医院", "电气/配电", "一般隐患", "监管检查/督查")
    assert first[5].value == "=cmd|' /C calc'!A0" and first[5].data_type == "s"
    assert first[5].quotePrefix
    assert first[10].value == datetime(2026, 11, 10) and first[10].is_date
    assert (first[12].value, first[15].value, second[15].value) == ("安全员王", "是", "否")
    # reported at 02:30 UTC is 10:30 in Lu'an
    assert second[13].value == datetime(2026, 11, 3, 10, 30)
    assert second[4].value == "重大隐患"


def test_formula_like_text_stays_text_in_any_column() -> None:
    rows = [["=1+1", "+SUM(A1)", "-2+3", "@cmd", "正常文字", 42, None]]
    data = exports.to_xlsx([exports.Sheet("t", list("abcdefg"), rows)], DEFAULT_CALENDAR)
    ws = load_workbook(io.BytesIO(data))["t"]
    cells = list(ws.iter_rows(min_row=2))[0]
    assert [c.value for c in cells[:5]] == ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "正常文字"]
    assert all(c.data_type == "s" for c in cells[:5])
    assert cells[5].value == 42 and cells[5].data_type == "n"
    assert b"<f>" not in _sheet_xml(data)  # no formula element anywhere


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/"))


def test_column_widths_count_cjk_characters_twice() -> None:
    sheet = exports.Sheet("w", ["编号", "描述"], [["YH-1", "消防通道堆放杂物安全出口被锁闭"]])
    ws = load_workbook(io.BytesIO(exports.to_xlsx([sheet], DEFAULT_CALENDAR)))["w"]
    assert ws.column_dimensions["A"].width == 6  # at least the minimum
    assert ws.column_dimensions["B"].width == 15 * 2 + 2
    assert exports.display_width("ab消防") == 6


def test_several_sheets_keep_their_order_and_get_safe_unique_titles() -> None:
    data = exports.to_xlsx([exports.Sheet("月报/汇总", ["a"], []),
                            exports.Sheet("月报/汇总", ["b"], []),
                            exports.Sheet("x" * 40, ["c"], [])], DEFAULT_CALENDAR)
    names = load_workbook(io.BytesIO(data)).sheetnames
    assert names == ["月报_汇总", "月报_汇总 (2)", "x" * 31]


def test_without_today_the_overdue_column_is_left_empty() -> None:
    sheet = exports.ledger_sheet([{"code": "YH-1", "status": "open", "deadline": "2026-01-01"}])
    assert sheet.rows[0][-1] is None and sheet.rows[0][10] == date(2026, 1, 1)


def test_characters_xml_forbids_are_dropped_from_cells() -> None:
    # the noncharacters U+FFFE and U+FFFF are as forbidden in XML as the C0 controls
    rows = [["通道\x0b堆物\x00", "=1\x1f+1", "正常\t换行\n文字", "配电\uffff箱\ufffe"]]
    data = exports.to_xlsx([exports.Sheet("c\uffff", ["描\x0b述", "b", "c", "d"], rows)],
                           DEFAULT_CALENDAR)
    ws = load_workbook(io.BytesIO(data))["c"]
    assert ws["A1"].value == "描述"
    assert [c.value for c in ws[2]] == ["通道堆物", "=1+1", "正常\t换行\n文字", "配电箱"]
    assert ws["B2"].data_type == "s"  # still text, never a formula


def test_a_ledger_row_with_a_vertical_tab_exports(conn: Connection,
                                                  make_hazard: HazardFactory) -> None:
    make_hazard(conn, "LA-JA-H01", description="配电箱\x0b未上锁")
    rows = list_hazards(conn, actor("county_supervisor@LA-JA"), DEFAULT_CALENDAR).rows
    book = exports.to_xlsx([exports.ledger_sheet(rows)], DEFAULT_CALENDAR)
    ws = load_workbook(io.BytesIO(book))["隐患台账"]
    assert ws["F2"].value == "配电箱未上锁"


def test_the_ledger_sheet_names_people_and_campaigns_by_name() -> None:
    row = {"code": "YH-2026-000009", "unit_name": "金安区人民医院", "status": "open",
           "campaign": "2026-YDQ", "responsible_user": "rectifier", "reported_by": "gone"}
    sheet = exports.ledger_sheet([row], names={"rectifier": "金安区人民医院整改责任人"},
                                 campaigns={"2026-YDQ": "迎大庆、防风险、除隐患、保安全"})
    [values] = sheet.rows
    assert values[7] == "迎大庆、防风险、除隐患、保安全"
    assert (values[11], values[12]) == ("金安区人民医院整改责任人", "gone")  # unknown: as given
