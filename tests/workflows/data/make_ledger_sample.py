"""Writes 隐患台账样例.xlsx, the ledger sheet the import tests read (run once; the file is
committed): a unit's 隐患排查治理台账 as units keep it in Excel — a title row and a line of
who filled it in, a blank row, a two-row header whose 整改情况 is merged over its four
sub-columns (序号 and the others merged down), blank rows among the data, dates written as
Excel dates, as Excel serial numbers and as text in several ways, a footer, and a few bad
rows (a date that is no date, an unknown unit, category, level or person, a repeated row).

    .venv/bin/python tests/workflows/data/make_ledger_sample.py
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent
TARGET = HERE / "隐患台账样例.xlsx"
UNIT = "金安区人民医院"


def serial(day: date) -> int:
    """The Excel serial number of a day (the 1900 date system)."""
    return (day - date(1899, 12, 30)).days


HEAD_TOP = ["序号", "单位名称", "隐患描述", "隐患部位", "隐患类别", "隐患等级", "发现日期",
            "通知书编号", "整改情况", None, None, None, "验收日期", "备注"]
HEAD_SUB = [None, None, None, None, None, None, None, None, "整改责任人", "整改期限",
            "整改措施", "完成情况", None, None]
# 序号, 单位, 描述, 部位, 类别, 等级, 发现日期, 编号, 责任人, 期限, 措施, 完成情况, 验收日期, 备注
ROWS: list[list[object] | None] = [
    None,
    [1, UNIT, "门诊楼三层东侧疏散通道堆放杂物", "门诊楼三层", "消防", "一般", "2026-10-12",
     "金安区人民医院隐改〔2026〕012号", "王建国", datetime(2026, 11, 20), "清理杂物，保持通道畅通",
     "整改中", None, None],
    [2, UNIT, "住院部配电室电缆桥架穿墙处未封堵", "住院部配电室", "电气", "一般隐患",
     serial(date(2026, 10, 6)), "金安区人民医院隐改〔2026〕013号", "王建国", "2026年10月29日",
     "用防火泥封堵", "未整改", None, "已逾期"],
    [3, UNIT, "食堂燃气管道未安装可燃气体报警装置", "食堂操作间", "燃气/食堂", "一般", 20261015,
     None, "wangjg", "2026/11/30", "加装可燃气体报警装置", "已整改，待验收", None, None],
    None,
    [4, UNIT, "液氧站安全阀超期未检验", "液氧站", "医用气体", "重大", "2026.9.8", None, "王建国",
     "2026-12-31", "停用并更换安全阀", "整改中", None, "已报县卫健委"],
    [5, UNIT, "消防控制室值班人员无证上岗", "消防控制室", "管理类", "一般", "2026-9-1",
     "金安区人民医院隐改〔2026〕007号", "李明", "2026-9-15", "安排持证人员值班", "已验收销号",
     "2026年9月14日", None],
    [6, UNIT, "锅炉房压力表超期未校验", "锅炉房", "特种设备", "一般", "2026-13-01", None, "王建国",
     "2026-12-10", "送检压力表", "整改中", None, None],
    [7, "金安区第九人民医院", "污水处理站未设置有限空间警示标识", "污水处理站", "有限空间", "一般",
     "2026-10-20", None, "王建国", "2026-11-25", "设置警示标识", "整改中", None, None],
    [8, UNIT, "信息机房未设置门禁", "信息机房", "网络安全", "一般", "2026-10-21", None, "王建国",
     "2026-11-25", "加装门禁", "整改中", None, None],
    [9, UNIT, "危化品库房通风不良", "危化品库房", "危化品", "较大", "2026-10-22", None, "王建国",
     "2026-11-25", "加装排风", "整改中", None, None],
    [10, UNIT, "电梯轿厢应急电话不通", "门诊楼2号电梯", "电梯", "一般", "2026-10-23", None,
     "赵六", "2026-11-25", "维修应急电话", "整改中", None, None],
    [11, UNIT, "门诊楼三层东侧疏散通道堆放杂物", "门诊楼三层", "消防", "一般", "2026-10-12",
     None, "王建国", "2026-11-20", "清理杂物", "整改中", None, "与第1条重复登记"],
    [12, UNIT, "放射科铅防护门闭门器损坏", "放射科", "放射", "一般", "2026-10-28", None, None,
     None, None, None, None, None],
    [13, UNIT, "疏散通道堆放杂物，安全出口被锁闭", "门诊楼三层东侧疏散通道", "消防", "一般",
     "2026-10-30", None, "王建国", "2026-11-25", "清理杂物", "整改中", None, None],
    None,
]


def build() -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "隐患台账"
    sheet.append([f"{UNIT}安全生产隐患排查治理台账（2026年）"])
    sheet.merge_cells("A1:N1")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"填报单位：{UNIT}　　　　填报日期：2026年11月1日"])
    sheet.merge_cells("A2:N2")
    sheet.append([])
    sheet.append(HEAD_TOP)
    sheet.append(HEAD_SUB)
    for column in "ABCDEFGHMN":  # one header cell over both header rows
        sheet.merge_cells(f"{column}4:{column}5")
    sheet.merge_cells("I4:L4")  # 整改情况 over its four sub-columns
    for line in ROWS:
        sheet.append(line or [])
    for cell in sheet["J"]:
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy-mm-dd"
    sheet.append([])
    sheet.append(["填表人：张华　　　　审核人：刘强"])
    for column, width in zip("ABCDEFGHIJKLMN", (6, 16, 36, 18, 12, 10, 12, 30, 10, 12, 24, 14,
                                                 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    return book


if __name__ == "__main__":
    build().save(TARGET)
    print(TARGET)
