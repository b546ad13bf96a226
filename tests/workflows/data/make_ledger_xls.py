"""Writes 隐患台账样例.xls, a small ledger in the old binary Excel format (BIFF8 in an OLE2
compound file), the kind python-calamine reads for the import: a title row merged over the
columns, a header row, a blank row and three data rows with dates as text and as an Excel
serial number. Nothing here writes .xls, so this script writes the records itself with the
standard library (run once; the file is committed):

    .venv/bin/python tests/workflows/data/make_ledger_xls.py

Format: [MS-XLS] (BOF, BoundSheet8, SST, Dimensions, LabelSst, Number, MergeCells, EOF) and
[MS-CFB] version 3 (512-byte sectors; the stream is padded past 4,096 bytes so that it
lives in regular sectors and no mini stream is needed).
"""

from __future__ import annotations

import struct
from pathlib import Path

TARGET = Path(__file__).parent / "隐患台账样例.xls"
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512

TITLE = "金安区人民医院隐患排查治理台账"
HEADER = ["隐患描述", "隐患部位", "隐患类别", "隐患等级", "发现日期", "整改期限", "整改责任人",
          "整改情况"]
ROWS: list[list[str | float]] = [
    ["门诊楼一层配电箱箱门缺失", "门诊楼一层", "电气", "一般", "2026-10-8", "2026/11/28", "王建国",
     "整改中"],
    ["锅炉房未配置灭火器", "锅炉房", "消防", "一般", 46300.0, "2026年12月1日", "王建国", "未整改"],
    ["职工食堂液化气瓶未固定", "职工食堂", "燃气", "一般", "20261012", "", "", ""],
]


def record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def bof(dt: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0x41, 0x06))


def unicode16(text: str) -> bytes:  # XLUnicodeString: cch, fHighByte=1, UTF-16LE
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def workbook_stream() -> bytes:
    strings: list[str] = []

    def sst(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    cells = b""
    layout: list[tuple[int, list[str | float]]] = [(0, [TITLE]), (2, HEADER)]
    layout += [(4 + i, row) for i, row in enumerate(ROWS)]  # row 3 (index 3) left blank
    for rw, values in layout:
        for col, value in enumerate(values):
            if isinstance(value, float):
                cells += record(0x0203, struct.pack("<HHHd", rw, col, 0, value))
            elif value:
                cells += record(0x00FD, struct.pack("<HHHI", rw, col, 0, sst(value)))
    last_row = layout[-1][0]
    sheet = (bof(0x0010)
             + record(0x0200, struct.pack("<IIHHH", 0, last_row + 1, 0, len(HEADER), 0))
             + cells
             + record(0x00E5, struct.pack("<HHHHH", 1, 0, 0, 0, len(HEADER) - 1))
             + record(0x000A, b""))
    table = struct.pack("<II", len(strings), len(strings)) + b"".join(map(unicode16, strings))
    name = "隐患台账"

    def globals_with(offset: int) -> bytes:
        boundsheet = struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le")
        return (bof(0x0005) + record(0x0042, struct.pack("<H", 1200))
                + record(0x0085, boundsheet) + record(0x00FC, table) + record(0x000A, b""))

    head = globals_with(0)
    stream = globals_with(len(head)) + sheet
    return stream + b"\0" * max(0, 4096 + SECTOR - len(stream))


def direntry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NOSTREAM, NOSTREAM, child) + b"\0" * 16
            + struct.pack("<I", 0) + b"\0" * 16 + struct.pack("<IQ", start, size))


def compound(stream: bytes) -> bytes:
    data_sectors = -(-len(stream) // SECTOR)
    directory_at, fat_at = data_sectors, data_sectors + 1
    fat = [i + 1 for i in range(data_sectors - 1)] + [END, END, FATSECT]
    fat_sector = b"".join(struct.pack("<I", v) for v in fat).ljust(SECTOR, b"\xff")
    directory = (direntry("Root Entry", 5, 1, END, 0) + direntry("Workbook", 2, NOSTREAM, 0,
                                                                  len(stream))
                 + direntry("", 0, NOSTREAM, FREE, 0) * 2)
    difat = [fat_at] + [FREE] * 108
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, 0x1000, END, 0, END, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    assert len(header) == SECTOR and len(directory) == SECTOR
    return header + stream.ljust(data_sectors * SECTOR, b"\0") + directory + fat_sector


if __name__ == "__main__":
    TARGET.write_bytes(compound(workbook_stream()))
    print(TARGET)
