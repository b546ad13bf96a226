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

**Checks** (`filecheck`). The type is found from the content (magic bytes), never from
the name: JPEG, PNG, WebP (HEIC when pillow-heif is installed), PDF, DOCX and XLSX (a zip
whose ``[Content_Types].xml`` names the main part), and plain text (UTF-8 or GB18030, no markup).
A name whose extension promises another type is refused as well. Images are decoded with
Pillow, refused above :data:`MAX_PIXELS` (decompression bombs), turned upright by their EXIF
orientation and given a JPEG thumbnail of :data:`THUMB_SIZE` pixels.

**Storage.** Bytes live behind :class:`Storage` (put, get, delete by key). The embedded
default :class:`LocalDiskStorage` keeps them under one folder; keys are generated here
(``2026/11/<32 hex>``), never taken from a user's file name.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, NotFound, PayloadTooLarge
from hazardflow.engine.db import on_rollback
from hazardflow.engine.forms import validate_submission

from .filecheck import IMAGE_TYPES, check_type, clean_filename, make_thumbnail, refuse
from .formfields import evidence_fields
from .policy import case_visible
from .schema_files import evidence

KINDS: dict[str, str] = {"before": "整改前照片", "after": "整改后照片", "document": "文件资料",
                         "other": "其他"}
REF_PREFIX = "ev-"
_REF = re.compile(r"^ev-([1-9][0-9]{0,9})$")
_KEY = re.compile(r"^[0-9]{4}/[0-9]{2}/[0-9a-f]{32}(\.thumb)?$")


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


# -- the functions callers use -----------------------------------------------------------

def save_upload(conn: Connection, storage: Storage, *, filename: str, data: bytes, kind: str,
                uploaded_by: str, now: datetime, max_bytes: int) -> Evidence:
    """Check and store one uploaded file, unattached; returns its row."""
    if kind not in KINDS:
        raise InvalidInput("未知的证据类别 (unknown evidence kind)", [Detail(
            f"证据类别须为 {', '.join(KINDS)} 之一", field="kind")])
    if not data:
        raise refuse("文件为空，请重新选择", "empty_file")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"文件过大：{len(data) / 1048576:.1f} MB，"
                              f"上限为 {max_bytes / 1048576:.0f} MB")
    content_type = check_type(filename, data)
    thumb = make_thumbnail(data) if content_type in IMAGE_TYPES else None
    key = new_key(now)
    on_rollback(conn, lambda: storage.delete(key))  # no file without its committed row
    storage.put(key, data)
    thumb_key = None
    if thumb is not None:
        thumb_key = key + ".thumb"
        on_rollback(conn, lambda: storage.delete(key + ".thumb"))
        storage.put(thumb_key, thumb)
    values = {"case_id": None, "task_id": None, "kind": kind,
              "filename": clean_filename(filename), "content_type": content_type,
              "size": len(data), "sha256": sha256(data).hexdigest(), "storage_key": key,
              "thumb_key": thumb_key, "uploaded_by": uploaded_by, "uploaded_at": now}
    new = conn.execute(evidence.insert().values(**values)).inserted_primary_key
    assert new is not None
    return Evidence(id=int(new[0]), **values)  # type: ignore[arg-type]


def copy_as_uploads(conn: Connection, refs: Iterable[Any], to_user: str,
                    now: datetime) -> list[str]:
    """Copies of the referenced photos (the same stored bytes) as ``to_user``'s fresh,
    unattached uploads, for a form that registers a hazard from another case's photos: the
    originals stay where they are."""
    ids = [i for i in (parse_ref(r) for r in refs) if i]
    out = []
    for row in conn.execute(sa.select(evidence).where(evidence.c.id.in_(ids))
                            .order_by(evidence.c.id)):
        values = {k: v for k, v in row._mapping.items() if k != "id"}
        values.update(case_id=None, task_id=None, uploaded_by=to_user, uploaded_at=now)
        new = conn.execute(evidence.insert().values(**values)).inserted_primary_key
        assert new is not None
        out.append(ref(int(new[0])))
    return out


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
    # locked: a concurrent request naming the same fresh file waits, then sees it taken
    found = {e.id: e for e in (Evidence.from_row(r) for r in conn.execute(
        sa.select(evidence).where(evidence.c.id.in_([i for i in ids.values() if i]))
        .with_for_update()))}
    refused = []
    for item, number in ids.items():
        ev = found.get(number) if number else None
        if ev is None or not ((case_id is not None and ev.case_id == case_id)
                              or (ev.case_id is None and ev.uploaded_by == username)):
            refused.append(item)
    return ids, found, refused


def refused_message(item: Any) -> str:
    return f"证据 {item} 不存在，或不是您上传的未使用文件 (not an upload of yours to use)"


def check_form(conn: Connection, schema: Mapping[str, Any] | None, data: Mapping[str, Any],
               username: str, case_id: int | None = None) -> None:
    """Before a form is accepted: InvalidInput unless every evidence reference it names may
    be used, with every other problem of the form in the same answer."""
    named = evidence_fields(schema, data)
    if not named:
        return
    try:
        check_form_evidence(conn, named, username, case_id)
    except InvalidInput as exc:
        others = [d for d in validate_submission(schema or {}, data) if d.field not in named]
        raise InvalidInput(exc.message, [*exc.details, *others], case_id=case_id) from None


def attach_form(conn: Connection, schema: Mapping[str, Any] | None, data: Mapping[str, Any],
                case_id: int, username: str, task_id: int | None = None) -> None:
    """Once a form is accepted, in the same transaction: attach the files it names."""
    ids = [item for value in evidence_fields(schema, data).values()
           for item in refs_in({"v": value})]
    if ids:
        attach(conn, ids, case_id, username, task_id=task_id)


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
        raise InvalidInput("表单引用了不能使用的证据 (the form names evidence that cannot be used)",
                           problems, case_id=case_id)


def attach(conn: Connection, evidence_ids: Iterable[Any], case_id: int, username: str,
           task_id: int | None = None) -> list[Evidence]:
    """Attach files (``"ev-12"`` strings as forms carry them) to a case and, optionally, the
    task whose form named them. Only the user's own unattached files, or files already on
    this case, may be named; anything else raises InvalidInput and attaches nothing."""
    ids, found, refused = _attachable(conn, list(dict.fromkeys(evidence_ids)), case_id,
                                      username)
    if refused:
        raise InvalidInput("证据不能附加 (evidence cannot be attached)",
                           [Detail(refused_message(item)) for item in refused],
                           case_id=case_id)
    fresh = sorted({n for n in ids.values() if n and found[n].case_id is None})
    if fresh:
        taken = conn.execute(sa.update(evidence)
                             .where(evidence.c.id.in_(fresh), evidence.c.case_id.is_(None))
                             .values(case_id=case_id, task_id=task_id)).rowcount
        if taken != len(fresh):  # another request attached one meanwhile: refuse it all
            raise InvalidInput("证据不能附加 (evidence cannot be attached)",
                               [Detail("证据已被其他表单使用 (already attached elsewhere)")],
                               case_id=case_id)
    return [e for e in (get_evidence(conn, n) for n in ids.values() if n) if e is not None]


def may_view(conn: Connection, actor: Actor, item: Evidence) -> bool:
    """The uploader always; anyone else when the file is on a case they may see."""
    if item.uploaded_by == actor.id:
        return True
    if item.case_id is None:
        return False
    return case_visible(conn, actor, item.case_id)
