"""Evidence uploads: content sniffing, size and pixel limits, thumbnails, attaching, who sees."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, InvalidInput, PayloadTooLarge
from hazardflow.workflows import evidence as ev
from hazardflow.workflows import filecheck
from hazardflow.workflows.evidence import LocalDiskStorage

from .conftest import HazardFactory

MB = 1024 * 1024


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (400, 200), orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, "blue")
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions (a decompression bomb's header)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def office_bytes(main: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         f'<Types><Override PartName="/x" ContentType="{main}"/></Types>')
    return out.getvalue()


@pytest.fixture
def storage(tmp_path: Path) -> LocalDiskStorage:
    return LocalDiskStorage(tmp_path / "evidence")


def upload(conn: Connection, storage: LocalDiskStorage, now: datetime, filename: str,
           data: bytes, user: str = "inspector", kind: str = "before",
           max_bytes: int = 20 * MB) -> ev.Evidence:
    return ev.save_upload(conn, storage, filename=filename, data=data, kind=kind,
                          uploaded_by=user, now=now, max_bytes=max_bytes)


def test_png_upload_is_stored_with_a_jpeg_thumbnail_and_checksum(
        conn: Connection, storage: LocalDiskStorage, now: datetime) -> None:
    data = png_bytes((800, 600))
    item = upload(conn, storage, now, "现场.png", data)
    assert item.ref == f"ev-{item.id}"
    assert (item.content_type, item.size, item.filename) == ("image/png", len(data), "现场.png")
    assert storage.get(item.storage_key) == data
    assert item.thumb_key is not None
    with Image.open(io.BytesIO(storage.get(item.thumb_key))) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)
    assert ev.get_evidence(conn, item.id) == item
    assert item.sha256 == hashlib.sha256(data).hexdigest()


def test_jpeg_thumbnail_follows_exif_orientation(conn: Connection, storage: LocalDiskStorage,
                                                 now: datetime) -> None:
    item = upload(conn, storage, now, "IMG_0001.JPG", jpeg_bytes((400, 200), orientation=6))
    assert item.content_type == "image/jpeg" and item.thumb_key
    with Image.open(io.BytesIO(storage.get(item.thumb_key))) as thumb:
        assert thumb.size == (160, 320)  # rotated upright: portrait


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("检测报告.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
    ("方案.docx", office_bytes("application/vnd.openxmlformats-officedocument."
                             "wordprocessingml.document.main+xml"), filecheck.DOCX),
    ("台账.xlsx", office_bytes("application/vnd.openxmlformats-officedocument."
                             "spreadsheetml.sheet.main+xml"), filecheck.XLSX),
    ("说明.txt", "整改说明：已清理杂物。\n".encode(), "text/plain; charset=utf-8"),
    ("说明.txt", "整改说明".encode("gbk"), "text/plain; charset=gb18030"),
])
def test_documents_are_recognised_by_their_content(conn: Connection, storage: LocalDiskStorage,
                                                   now: datetime, name: str, data: bytes,
                                                   expected: str) -> None:
    item = upload(conn, storage, now, name, data, kind="document")
    assert item.content_type == expected and item.thumb_key is None


@pytest.mark.parametrize(("name", "data", "words"), [
    ("x.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "不支持的文件类型"),
    ("x.txt", b"<svg onload=alert(1)></svg>", "不支持的文件类型"),
    ("photo.jpg", png_bytes(), "文件内容与扩展名不符"),
    ("report.pdf", b"plain words", "文件内容与扩展名不符"),
    ("a.exe", b"MZ\x90\x00\x03\x00\x00\x00", "不支持的文件类型"),
    ("macro.xlsm", office_bytes("application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
     "不支持的文件类型"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "图片已损坏"),
])
def test_refused_content_gets_a_chinese_message(conn: Connection, storage: LocalDiskStorage,
                                                now: datetime, name: str, data: bytes,
                                                words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        upload(conn, storage, now, name, data)
    assert words in caught.value.message
    assert not any(p.is_file() for p in storage.root.rglob("*"))  # nothing was stored


def test_oversized_upload_is_refused(conn: Connection, storage: LocalDiskStorage,
                                     now: datetime) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        upload(conn, storage, now, "big.txt", b"a" * 2049, max_bytes=2048)
    assert "文件过大" in caught.value.message


@pytest.mark.parametrize("side", [12_000, 30_000])
def test_pixel_bomb_is_refused(conn: Connection, storage: LocalDiskStorage, now: datetime,
                               side: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        upload(conn, storage, now, "bomb.png", png_header_only(side, side))
    assert "图片尺寸过大" in caught.value.message


def test_storage_keys_are_generated_and_cannot_escape(storage: LocalDiskStorage,
                                                      now: datetime) -> None:
    key = ev.new_key(now)
    storage.put(key, b"x")
    assert storage.get(key) == b"x"
    assert (storage.root / key).is_file()
    for bad in ("../etc/passwd", "2026/11/../../x", "/abs", "2026/11/UPPER"):
        with pytest.raises(ValueError):
            storage.put(bad, b"x")
    storage.delete(key)
    assert not (storage.root / key).exists()


def test_filenames_lose_paths_and_control_characters() -> None:
    assert filecheck.clean_filename("..\\..\\windows\\现场\x00照片.jpg") == "现场照片.jpg"
    assert filecheck.clean_filename("/etc/passwd") == "passwd"
    assert filecheck.clean_filename("") == "file"


def test_refs_parse_and_are_found_in_form_data() -> None:
    assert ev.parse_ref("ev-12") == 12
    assert ev.parse_ref("ev-0") is None and ev.parse_ref("12") is None
    assert ev.parse_ref("ev-1; drop") is None
    data = {"photos_before": ["ev-3", "ev-4"], "note": "ev-9", "photos_after": ["x", "ev-3"]}
    assert ev.refs_in(data) == ["ev-3", "ev-4", "ev-9"]


def test_attach_takes_own_unattached_files_and_keeps_the_case(
        conn: Connection, storage: LocalDiskStorage, now: datetime,
        make_hazard: HazardFactory) -> None:
    case_id, _ = make_hazard(conn)
    mine = upload(conn, storage, now, "a.png", png_bytes())
    attached = ev.attach(conn, [mine.ref], case_id, "inspector")
    assert [(e.id, e.case_id) for e in attached] == [(mine.id, case_id)]
    # naming it again on the same case (a second form) is fine
    assert ev.attach(conn, [mine.ref], case_id, "rectifier")[0].case_id == case_id
    assert [e.id for e in ev.evidence_for_case(conn, case_id)] == [mine.id]


def test_attach_refuses_other_peoples_files_other_cases_and_unknown_ids(
        conn: Connection, storage: LocalDiskStorage, now: datetime,
        make_hazard: HazardFactory) -> None:
    case_a, _ = make_hazard(conn)
    case_b, _ = make_hazard(conn)
    theirs = upload(conn, storage, now, "a.png", png_bytes(), user="safety")
    mine = upload(conn, storage, now, "b.png", png_bytes(), user="inspector")
    on_a = upload(conn, storage, now, "c.png", png_bytes(), user="inspector")
    ev.attach(conn, [on_a.ref], case_a, "inspector")
    for refs in ([theirs.ref], [on_a.ref], ["ev-999999"], ["nonsense"]):
        with pytest.raises(InvalidInput):
            ev.attach(conn, [mine.ref, *refs], case_b, "inspector")
    # nothing was attached by the refused calls
    assert ev.get_evidence(conn, mine.id).case_id is None  # type: ignore[union-attr]


def test_only_the_uploader_or_those_who_see_the_case_may_view(
        conn: Connection, storage: LocalDiskStorage, now: datetime,
        make_hazard: HazardFactory) -> None:
    case_id, _ = make_hazard(conn, "LA-JA-H01")
    item = upload(conn, storage, now, "a.png", png_bytes(), user="inspector")
    uploader = Actor("inspector", frozenset({("inspector", "LA-JA")}))
    county = Actor("jinan", frozenset({("county_supervisor", "LA-JA")}))
    other_county = Actor("yuan", frozenset({("county_supervisor", "LA-YA")}))
    assert ev.may_view(conn, uploader, item)
    assert not ev.may_view(conn, county, item)  # not attached yet: the uploader's only
    item = ev.attach(conn, [item.ref], case_id, "inspector")[0]
    assert ev.may_view(conn, county, item)
    assert not ev.may_view(conn, other_county, item)


def test_the_evidence_use_cases_store_in_the_runtime_and_read_back_what_is_visible(
        db: sa.Engine) -> None:
    from hazardflow.engine import NotFound
    from hazardflow.workflows.usecases import evidence as usecase

    from .lifecycle import Lifecycle

    lc = Lifecycle(db)
    inspector = lc.actor("inspector")
    photo = usecase.upload(lc.rt, inspector, filename="现场.png", data=png_bytes(), kind="before")
    note = usecase.upload(lc.rt, inspector, filename="说明.txt", data="已整改".encode())
    assert lc.rt.storage.get(photo.storage_key) == png_bytes()
    with pytest.raises(NotFound):  # unattached: the uploader's only
        usecase.read_file(lc.rt, lc.actor("safety"), photo.id)
    lc.report(by="inspector", photos_before=[photo.ref])
    seen = usecase.read_file(lc.rt, lc.actor("safety"), photo.id, thumb=True)
    assert (seen.content_type, seen.data[:2]) == ("image/jpeg", b"\xff\xd8")
    assert usecase.read_file(lc.rt, inspector, note.id).data == "已整改".encode()
    with pytest.raises(NotFound):  # a text file has no thumbnail
        usecase.read_file(lc.rt, inspector, note.id, thumb=True)
    with pytest.raises(NotFound):  # another county
        usecase.read_file(lc.rt, lc.actor("yuan"), photo.id)
    with pytest.raises(InvalidInput):
        usecase.upload(lc.rt, inspector, filename="a.txt", data=b"x", kind="secret")


def test_an_upload_whose_transaction_rolls_back_leaves_no_file(org: sa.Engine,
                                                              storage: LocalDiskStorage,
                                                              now: datetime) -> None:
    from hazardflow.engine.db import write_transaction

    with pytest.raises(RuntimeError), write_transaction(org) as conn:
        ev.save_upload(conn, storage, filename="site.png", data=png_bytes(), kind="before",
                       uploaded_by="safety", now=now, max_bytes=1024 * 1024)
        assert [p for p in storage.root.rglob("*") if p.is_file()]  # stored, then…
        raise RuntimeError("the request failed after the upload")
    assert [p for p in storage.root.rglob("*") if p.is_file()] == []
    with write_transaction(org) as conn:
        kept = ev.save_upload(conn, storage, filename="site.png", data=png_bytes(),
                              kind="before", uploaded_by="safety", now=now,
                              max_bytes=1024 * 1024)
    assert storage.get(kept.storage_key) and kept.thumb_key and storage.get(kept.thumb_key)
