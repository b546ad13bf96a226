"""Public reports (举报投诉): what anyone may file at ``/report`` without signing in, and what
they may read back with the tracking code and PIN.

**Filing** (:func:`file_report`), in the caller's transaction: the fields are checked (a
known, active unit; the place; what they saw; for a named report a name and a way to reach
them), up to :data:`MAX_PHOTOS` photos go through the evidence checks (type from the
content, images only, :data:`MAX_PHOTO_BYTES` each) and the evidence storage, the contact
details are encrypted (:mod:`~hazardflow.workflows.public_reports_keys`), the PIN is hashed
(argon2id, like a password) and the triage case (``report_triage``) starts. A report naming
the same unit with a similar text within :data:`DUPLICATE_DAYS` days is linked to the
earlier one as 疑似重复 (:data:`DUPLICATE_SCORE` percent alike), never dropped.

A filled honeypot field (:data:`HONEYPOT`, hidden from people, filled by form robots) gets
an answer that looks like any other and writes nothing.

**Tracking** (:func:`track`): the status and the public reply, nothing else (no internal
notes, no unit staff, no hazard code). A wrong code and a wrong PIN look the same.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import MultiFernet
from sqlalchemy.engine import Connection

from hazardflow.engine import SYSTEM, Detail, Engine, InvalidInput, PayloadTooLarge
from hazardflow.engine.db import new_id

from . import evidence
from .calendar import BusinessCalendar
from .filecheck import IMAGE_TYPES, check_type
from .public_reports_keys import encrypt_contact
from .schema import unit
from .schema_reports import public_report, public_report_link, public_report_photo
from .units import get_unit_by_code
from .users import hash_password, verify_password

PROCESS = "report_triage"
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_TEXT = 2000
MIN_TEXT = 5
HONEYPOT = "website"  # a field people never see; robots fill it
DUPLICATE_DAYS = 30
DUPLICATE_SCORE = 80
ACCEPT_DAYS = 3  # official working days (the diagram's timer: workdays_after(3))
CLOSE_DAYS = 30  # calendar days
CODE_PREFIX = "JB"
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")

STATUSES: dict[str, str] = {
    "received": "已受理", "rejected": "不予受理", "verifying": "核查中",
    "substantiated": "属实", "unfounded": "不属实", "closed": "已办结",
}
FINDINGS: dict[str, str] = {"substantiated": "属实", "unfounded": "不属实"}


@dataclass(frozen=True)
class Filed:
    """What the reporter is told: the tracking code and PIN (shown once), the report's id
    (None for a honeypot answer, which wrote nothing) and the earlier report it resembles."""

    code: str
    pin: str
    report_id: int | None
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Photo:
    filename: str
    data: bytes


@functools.cache
def _dummy_pin_hash() -> str:
    """A hash to check a PIN against when the code is unknown (made once, when first needed)."""
    return hash_password("000000-no-such-report")


def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def normalize_code(code: Any) -> str:
    """A tracking code as typed (spaces, dashes, lower case) in its stored form."""
    return re.sub(r"[\s-]", "", str(code or "")).upper()[:16]


def source_hash(ring_key: str, address: str) -> str:
    """A keyed hash of the sender's address: repeated senders can be told apart without
    keeping the address (an unkeyed hash of an IPv4 address is reversed in minutes)."""
    return hmac.new(ring_key.encode("ascii"), address.encode("utf-8"),
                    hashlib.sha256).hexdigest()


# -- checking what was sent ----------------------------------------------------------------

def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


def check_fields(conn: Connection, data: Mapping[str, Any]) -> dict[str, Any]:
    """The cleaned fields, or InvalidInput naming every problem in Chinese."""
    problems: list[Detail] = []
    code = _text(data, "unit_code")
    where = get_unit_by_code(conn, code) if code else None
    if where is None or not where.active:
        problems.append(Detail("请选择被举报的单位 (choose the unit)", field="unit_code"))
    place = _text(data, "place")
    if not place or len(place) > 255:
        problems.append(Detail("请填写具体地点，不超过255字 (the place, up to 255 characters)",
                               field="place"))
    text = _text(data, "description")
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        problems.append(Detail(f"请描述看到的情况，{MIN_TEXT}至{MAX_TEXT}字 (what you saw, "
                               f"{MIN_TEXT} to {MAX_TEXT} characters)", field="description"))
    anonymous = _flag(data.get("anonymous", True))
    contact = {k: _text(data, k)[:128] for k in ("name", "phone", "email")}
    if not anonymous:
        if not contact["name"]:
            problems.append(Detail("实名举报请填写姓名 (a named report needs a name)",
                                   field="name"))
        if not (contact["phone"] or contact["email"]):
            problems.append(Detail("实名举报请留下电话或电子邮箱 (a named report needs a phone "
                                   "number or an e-mail address)", field="phone"))
    if contact["phone"] and not _PHONE.match(contact["phone"]):
        problems.append(Detail("电话号码格式不正确 (not a phone number)", field="phone"))
    if contact["email"] and not _EMAIL.match(contact["email"]):
        problems.append(Detail("电子邮箱格式不正确 (not an e-mail address)", field="email"))
    if problems:
        raise InvalidInput("举报内容有误，请修改后再提交 (the report has problems)", problems)
    assert where is not None
    return {"unit": where, "place": place, "description": text, "anonymous": anonymous,
            "contact": {} if anonymous else contact}


def check_photos(photos: Sequence[Photo]) -> None:
    """InvalidInput (or PayloadTooLarge) unless there are at most three photos, each a real
    image within the size cap: checked before anything is stored."""
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"最多上传{MAX_PHOTOS}张照片 (at most {MAX_PHOTOS} photos)",
                           [Detail(f"最多{MAX_PHOTOS}张照片", field="photos")])
    for photo in photos:
        if len(photo.data) > MAX_PHOTO_BYTES:
            raise PayloadTooLarge(f"照片过大：{len(photo.data) / 1048576:.1f} MB，每张上限为 "
                                  f"{MAX_PHOTO_BYTES // 1048576} MB (photo too large)")
        if not photo.data:
            raise InvalidInput("照片为空，请重新选择 (empty photo)",
                               [Detail("照片为空", field="photos")])
        if check_type(photo.filename, photo.data) not in IMAGE_TYPES:
            raise InvalidInput("只能上传照片（JPEG、PNG、WebP） (photos only)",
                               [Detail("只能上传照片", field="photos")])


# -- filing --------------------------------------------------------------------------------

def is_honeypot(data: Mapping[str, Any]) -> bool:
    return bool(_text(data, HONEYPOT))


def file_report(conn: Connection, engine: Engine, *, ring: MultiFernet, ring_key: str,
                storage: evidence.Storage, calendar: BusinessCalendar,
                data: Mapping[str, Any], photos: Sequence[Photo], address: str,
                channel: str, now: datetime) -> Filed:
    """File one report and start its triage, in the caller's transaction."""
    if not isinstance(data, Mapping):
        raise InvalidInput("举报数据必须是对象 (the report must be a JSON object)")
    fields = check_fields(conn, data)
    check_photos(photos)
    code, pin = new_code(), new_pin()
    if is_honeypot(data):
        return Filed(code=code, pin=pin, report_id=None)
    where = fields["unit"]
    token = encrypt_contact(ring, fields["contact"])
    report_id = new_id(conn.execute(public_report.insert().values(
        code=code, pin_hash=hash_password(pin), unit_id=where.id,
        county_code=where.county_code or where.code, place=fields["place"],
        description=fields["description"], anonymous=fields["anonymous"],
        reporter_known=token is not None, contact_enc=token, status="received",
        source_hash=source_hash(ring_key, address), channel=channel,
        created_at=now, updated_at=now)))
    uploader = f"public:{code}"
    refs = []
    for position, photo in enumerate(photos, start=1):
        saved = evidence.save_upload(conn, storage, filename=photo.filename, data=photo.data,
                                     kind="before", uploaded_by=uploader, now=now,
                                     max_bytes=MAX_PHOTO_BYTES)
        conn.execute(public_report_photo.insert().values(
            report_id=report_id, evidence_id=saved.id, position=position))
        refs.append(saved.ref)
    today = calendar.today(now)
    case_data = {"unit_code": where.code, "report_id": report_id, "report_code": code,
                 "report_place": fields["place"], "report_text": fields["description"],
                 "accept_by": calendar.add_workdays(today, ACCEPT_DAYS).isoformat(),
                 "close_by": (today + timedelta(days=CLOSE_DAYS)).isoformat()}
    definition = engine.definitions.resolve(conn, PROCESS)
    result = engine.start_case_within(conn, definition, case_data, SYSTEM,
                                      business_key=f"report:{code}", now=now)
    conn.execute(sa.update(public_report).where(public_report.c.id == report_id)
                 .values(case_id=result.case_id))
    if refs:
        evidence.attach(conn, refs, result.case_id, uploader)
    earlier = link_duplicates(conn, report_id, where.id, fields["description"], now)
    return Filed(code=code, pin=pin, report_id=report_id, duplicate_of=earlier)


def _plain(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text.lower())


def similarity(a: str, b: str) -> int:
    """How alike two texts are, in percent (punctuation and spaces ignored)."""
    left, right = _plain(a), _plain(b)
    if not left or not right:
        return 0
    return round(100 * SequenceMatcher(None, left, right, autojunk=False).ratio())


def link_duplicates(conn: Connection, report_id: int, unit_id: int, text: str,
                    now: datetime) -> int | None:
    """Link the report to earlier ones of the same unit within the window whose text is
    alike (疑似重复); returns the most alike earlier report's id."""
    rows = conn.execute(sa.select(public_report.c.id, public_report.c.description).where(
        public_report.c.unit_id == unit_id, public_report.c.id != report_id,
        public_report.c.created_at >= now - timedelta(days=DUPLICATE_DAYS))
        .order_by(public_report.c.id.desc()).limit(50)).all()
    best: tuple[int, int] | None = None
    for row in rows:
        score = similarity(text, row.description)
        if score < DUPLICATE_SCORE:
            continue
        conn.execute(public_report_link.insert().values(
            report_id=report_id, other_id=row.id, kind="duplicate", score=score,
            created_at=now))
        if best is None or score > best[0]:
            best = (score, row.id)
    return best[1] if best else None


# -- reading back --------------------------------------------------------------------------

def public_status(status: str, finding: str | None) -> str:
    """The status as the reporter reads it: 已办结（属实）…"""
    name = STATUSES.get(status, status)
    if status == "closed" and finding in FINDINGS:
        return f"{name}（{FINDINGS[finding]}）"
    return name


def track(conn: Connection, code: Any, pin: Any) -> dict[str, Any] | None:
    """What the reporter may read with the code and PIN; None for a wrong pair (an unknown
    code costs the same hash check as a wrong PIN)."""
    row = conn.execute(sa.select(
        public_report.c.code, public_report.c.pin_hash, public_report.c.status,
        public_report.c.finding, public_report.c.public_reply, public_report.c.created_at,
        public_report.c.updated_at, public_report.c.closed_at, unit.c.name.label("unit_name"))
        .join(unit, unit.c.id == public_report.c.unit_id)
        .where(public_report.c.code == normalize_code(code))).first()
    given = str(pin or "").strip()
    if row is None:
        verify_password(_dummy_pin_hash(), given)
        return None
    if not verify_password(row.pin_hash, given):
        return None
    return {"code": row.code, "status": row.status,
            "status_name": public_status(row.status, row.finding),
            "finding": row.finding, "unit_name": row.unit_name,
            "public_reply": row.public_reply or "", "created_at": row.created_at,
            "updated_at": row.updated_at, "closed_at": row.closed_at}


def search_units(conn: Connection, query: Any, limit: int = 10) -> list[dict[str, str]]:
    """Active units whose name (or code) contains ``query``: the public form's unit search."""
    text = str(query or "").strip()[:50]
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(sa.select(unit.c.code, unit.c.name).where(
        unit.c.active.is_(True),
        sa.or_(unit.c.name.like(pattern, escape="\\"), unit.c.code.like(pattern, escape="\\")))
        .order_by(sa.func.length(unit.c.name), unit.c.code).limit(limit))
    return [{"code": r.code, "name": r.name} for r in rows]
