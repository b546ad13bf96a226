"""Evidence files: photos before and after, reports and other documents of a case.

**Ids in form data.** Forms carry evidence as arrays of strings (``photos_before``,
``photos_after``, ``assessment_report``): each string is ``"ev-<id>"``, the ``evidence`` row
id with the prefix ``ev-`` (``"ev-12"``). :func:`ref` makes one, :func:`parse_ref` reads one
and :func:`refs_in` collects every such string from a form's data. ``POST /evidence``
answers with this string as ``id``.

**Life of a file.** A user uploads a file (:func:`save_upload`); it is stored unattached,
visible only to its uploader. When the form naming it starts a case or completes a task, the
caller attaches it (:func:`attach`); from then on whoever sees the case sees the file
(:func:`may_view`).

**Checks.** The type is found from the content (magic bytes), never from the name: JPEG,
PNG, WebP (HEIC when pillow-heif is installed), PDF, DOCX and XLSX (a zip whose
``[Content_Types].xml`` names the main part), and plain text (UTF-8 or GB18030, no markup).
A name whose extension promises another type is refused as well. Images are decoded with
Pillow, refused above :data:`MAX_PIXELS` (decompression bombs), turned upright by their EXIF
orientation and given a JPEG thumbnail of :data:`THUMB_SIZE` pixels.

**Storage.** Bytes live behind :class:`Storage` (put, get, delete by key). The embedded
default :class:`LocalDiskStorage` keeps them under one folder; keys are generated here
(``2026/11/<32 hex>``), never taken from a user's file name.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, NotFound, PayloadTooLarge

from .cases import case_visible
from .schema_files import evidence

KINDS: dict[str, str] = {"before": "整改前照片", "after": "整改后照片", "document": "文件资料",
                         "other": "其他"}
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; larger images are refused (bombs)
THUMB_SIZE = 320
REF_PREFIX = "ev-"
_REF = re.compile(r"^ev-([1-9][0-9]{0,9})$")
_KEY = re.compile(r"^[0-9]{4}/[0-9]{2}/[0-9a-f]{32}(\.thumb)?$")

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS: dict[str, str] = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
    "application/pdf": ".pdf", DOCX: ".docx", XLSX: ".xlsx", "text/plain": ".txt",
}
# What a file name's extension promises; a mismatch with the content is refused.
_PROMISED: dict[str, str] = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jfif": "image/jpeg", ".png": "image/png",
    ".webp": "image/webp", ".heic": "image/heic", ".heif": "image/heic",
    ".pdf": "application/pdf", ".docx": DOCX, ".xlsx": XLSX, ".txt": "text/plain",
    ".gif": "image/gif", ".bmp": "image/bmp", ".svg": "image/svg+xml",
    ".html": "text/html", ".htm": "text/html", ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel", ".exe": "application/octet-stream",
}
ACCEPTED_NAMES = "JPEG、PNG、WebP 图片，PDF，Word（.docx）、Excel（.xlsx）文档或纯文本"


# -- storage -----------------------------------------------------------------------------

class Storage(Protocol):
    """Where evidence bytes live; an object store can replace the local disk."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalDiskStorage:
    """Files under ``root``; each written to a temporary file and renamed into place."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key {key!r} leaves the storage folder")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"stored file {key} is missing") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def new_key(now: datetime) -> str:
    return f"{now:%Y}/{now:%m}/{secrets.token_hex(16)}"


# -- ids ---------------------------------------------------------------------------------

def ref(evidence_id: int) -> str:
    """The id as forms carry it: ``ev-12``."""
    return f"{REF_PREFIX}{evidence_id}"


def parse_ref(value: Any) -> int | None:
    """The row id of an ``ev-<id>`` string (ints are taken as they are); None if malformed."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _REF.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def refs_in(data: Mapping[str, Any]) -> list[str]:
    """Every ``ev-<id>`` string in a form's data (top-level values and lists), in order."""
    found: list[str] = []
    for value in data.values():
        items = value if isinstance(value, list) else [value]
        found.extend(v for v in items if isinstance(v, str) and _REF.match(v) and v not in found)
    return found


# -- the row -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    id: int
    case_id: int | None
    task_id: int | None
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    thumb_key: str | None
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Evidence:
        return cls(**{k: row._mapping[k] for k in cls.__dataclass_fields__})

    @property
    def ref(self) -> str:
        return ref(self.id)

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def kind_name(self) -> str:
        return KINDS.get(self.kind, self.kind)


# -- checking the content ----------------------------------------------------------------

def _refuse(message: str, code: str = "unsupported_type") -> InvalidInput:
    return InvalidInput(message, [Detail(message, field="file")], code=code)


def _heic_supported() -> bool:
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_heif_opener()
    return True


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                return None
            types = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    if "macroEnabled" in types:
        return None
    if "wordprocessingml.document.main+xml" in types:
        return DOCX
    if "spreadsheetml.sheet.main+xml" in types:
        return XLSX
    return None


_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|body|iframe|\?xml|head|meta|a\s)",
                     re.IGNORECASE)


def _text_type(data: bytes) -> str | None:
    if b"\x00" in data or _MARKUP.search(data[:65536]):
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
            return None
        return "text/plain; charset=utf-8" if encoding == "utf-8-sig" else \
            "text/plain; charset=gb18030"
    return None


def sniff(data: bytes) -> str | None:
    """The content type found from the bytes, or None when it is not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis",
                                               b"mif1", b"msf1"):
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return _text_type(data)


def _base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip()


def clean_filename(filename: str) -> str:
    """The last path part, without control characters, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip().strip(".") or "file"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[:190] + "." + ext
    return name[:200]


def check_type(filename: str, data: bytes) -> str:
    """The content type of an upload; InvalidInput with a Chinese message if refused."""
    content_type = sniff(data)
    if content_type is None:
        raise _refuse(f"不支持的文件类型：“{clean_filename(filename)}”的内容不是"
                      f"{ACCEPTED_NAMES}")
    if content_type == "image/heic" and not _heic_supported():
        raise _refuse("暂不支持 HEIC 格式照片，请在相机设置中选择“兼容性最佳”（JPEG）后重新拍摄，"
                      "或上传 JPEG/PNG 图片")
    ext = os.path.splitext(clean_filename(filename))[1].lower()
    promised = _PROMISED.get(ext)
    if promised is not None and promised != _base_type(content_type):
        raise _refuse(f"文件内容与扩展名不符：“{clean_filename(filename)}”不是真正的"
                      f"{ext[1:].upper()} 文件")
    return content_type


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG thumbnail (upright by EXIF), after checking the image decodes and is not a
    decompression bomb; InvalidInput otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise _refuse(f"图片尺寸过大（{width}×{height} 像素），请压缩后再上传",
                                  "image_too_large")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.draft("RGB", (THUMB_SIZE * 2, THUMB_SIZE * 2))
                upright = ImageOps.exif_transpose(image)
                upright = upright.convert("RGB")
                upright.thumbnail((THUMB_SIZE, THUMB_SIZE))
                out = io.BytesIO()
                upright.save(out, "JPEG", quality=80, optimize=True)
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("图片尺寸过大，疑似异常图片，已拒收", "image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse("图片已损坏或无法识别，请重新上传") from None


# -- the functions callers use -----------------------------------------------------------

def save_upload(conn: Connection, storage: Storage, *, filename: str, data: bytes, kind: str,
                uploaded_by: str, now: datetime, max_bytes: int) -> Evidence:
    """Check and store one uploaded file, unattached; returns its row."""
    if kind not in KINDS:
        raise InvalidInput("unknown evidence kind", [Detail(
            f"证据类别须为 {', '.join(KINDS)} 之一", field="kind")])
    if not data:
        raise _refuse("文件为空，请重新选择", "empty_file")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"文件过大：{len(data) / 1048576:.1f} MB，"
                              f"上限为 {max_bytes / 1048576:.0f} MB")
    content_type = check_type(filename, data)
    thumb = make_thumbnail(data) if content_type in IMAGE_TYPES else None
    key = new_key(now)
    storage.put(key, data)
    thumb_key = None
    if thumb is not None:
        thumb_key = key + ".thumb"
        storage.put(thumb_key, thumb)
    values = {"case_id": None, "task_id": None, "kind": kind,
              "filename": clean_filename(filename), "content_type": content_type,
              "size": len(data), "sha256": sha256(data).hexdigest(), "storage_key": key,
              "thumb_key": thumb_key, "uploaded_by": uploaded_by, "uploaded_at": now}
    new = conn.execute(evidence.insert().values(**values)).inserted_primary_key
    assert new is not None
    return Evidence(id=int(new[0]), **values)  # type: ignore[arg-type]


def get_evidence(conn: Connection, evidence_id: int) -> Evidence | None:
    row = conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id)).first()
    return Evidence.from_row(row) if row else None


def evidence_for_case(conn: Connection, case_id: int) -> list[Evidence]:
    rows = conn.execute(sa.select(evidence).where(evidence.c.case_id == case_id)
                        .order_by(evidence.c.id))
    return [Evidence.from_row(r) for r in rows]


def _attachable(conn: Connection, wanted: list[Any], case_id: int | None,
                username: str) -> tuple[dict[Any, int | None], dict[int, Evidence], list[Any]]:
    """(ref → row id, the rows found, the refs that may not be attached)."""
    ids = {item: parse_ref(item) for item in wanted}
    found = {e.id: e for e in (Evidence.from_row(r) for r in conn.execute(
        sa.select(evidence).where(evidence.c.id.in_([i for i in ids.values() if i]))))}
    refused = []
    for item, number in ids.items():
        ev = found.get(number) if number else None
        if ev is None or not ((case_id is not None and ev.case_id == case_id)
                              or (ev.case_id is None and ev.uploaded_by == username)):
            refused.append(item)
    return ids, found, refused


def refused_message(item: Any) -> str:
    return f"证据 {item} 不存在，或不是您上传的未使用文件 (not an upload of yours to use)"


def check_form_evidence(conn: Connection, fields: Mapping[str, Any], username: str,
                        case_id: int | None = None) -> None:
    """Before a form is accepted: every ``ev-…`` reference in ``fields`` (evidence field →
    its value) must be the user's own unattached upload or already on ``case_id``; every
    item of an evidence field must be such a reference. InvalidInput names the field."""
    problems = []
    for name, value in fields.items():
        items = value if isinstance(value, list) else [value]
        not_refs = [v for v in items if parse_ref(v) is None]
        refused = _attachable(conn, [v for v in items if parse_ref(v) is not None],
                              case_id, username)[2]
        for item in [*not_refs, *refused]:
            problems.append(Detail(refused_message(item), field=name))
    if problems:
        raise InvalidInput("the form names evidence that cannot be used", problems,
                           case_id=case_id)


def attach(conn: Connection, evidence_ids: Iterable[Any], case_id: int, username: str,
           task_id: int | None = None) -> list[Evidence]:
    """Attach files (``"ev-12"`` strings as forms carry them) to a case and, optionally, the
    task whose form named them. Only the user's own unattached files, or files already on
    this case, may be named; anything else raises InvalidInput and attaches nothing."""
    ids, found, refused = _attachable(conn, list(dict.fromkeys(evidence_ids)), case_id,
                                      username)
    if refused:
        raise InvalidInput("evidence cannot be attached",
                           [Detail(refused_message(item)) for item in refused],
                           case_id=case_id)
    fresh = [n for n in ids.values() if n and found[n].case_id is None]
    if fresh:
        conn.execute(sa.update(evidence)
                     .where(evidence.c.id.in_(fresh), evidence.c.case_id.is_(None))
                     .values(case_id=case_id, task_id=task_id))
    return [e for e in (get_evidence(conn, n) for n in ids.values() if n) if e is not None]


def may_view(conn: Connection, actor: Actor, item: Evidence) -> bool:
    """The uploader always; anyone else when the file is on a case they may see."""
    if item.uploaded_by == actor.id:
        return True
    if item.case_id is None:
        return False
    return case_visible(conn, actor, item.case_id)
