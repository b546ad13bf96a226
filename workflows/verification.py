"""Checking a printed document at the door: ``/verify/<code>``.

Every document issued carries a QR code and a verification code of 144 random bits
(``secrets.token_urlsafe``), which nobody can guess or derive from a number. Anyone holding
the printout (a hospital's guard, an inspector from another body, a court) opens the page
the QR code points at, without signing in, and compares what it shows with the paper: the
issuing body, the form and number, the date, the unit, each hazard's deadline, the key
sentences, and a short digest of the PDF as issued (a reader holding the file can compute
its SHA-256). A forged printout has no code that answers; an altered one disagrees.

The page shows what the printout shows, taken from the issue record, and nothing more: no
person's name (not even those printed), no other case data, nothing about later events.
"""

from __future__ import annotations

from dataclasses import dataclass

import re2
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .calendar import BusinessCalendar
from .documents import Document, cn_date, content_of, issuer_of, snapshots
from .schema_files import document

CODE_SHAPE = re2.compile(r"^[A-Za-z0-9_-]{16,64}$")
DIGEST_SHOWN = 16  # hex digits of the SHA-256 shown (64 bits)


@dataclass(frozen=True)
class Verified:
    issuer: str  # the issuing body's name, as printed
    form_name: str  # 责令限期整改指令书
    number: str
    dated: str  # 2026年11月2日
    units: list[str]
    deadlines: list[tuple[str, str]]  # (hazard code, 2026年11月20日 / 立即); notices only
    key_sentences: list[str]
    digest: str  # the first hex digits of the issued PDF's SHA-256


def verify(conn: Connection, code: str, calendar: BusinessCalendar) -> Verified | None:
    """What the page shows for ``code``; None for a code no document carries."""
    if not isinstance(code, str) or not CODE_SHAPE.match(code):
        return None
    row = conn.execute(sa.select(document).where(document.c.verify_code == code)).first()
    if row is None:
        return None
    doc = Document.from_row(row)
    content = content_of(conn, doc.id)
    cases = snapshots(conn, doc.id)
    deadlines = [(c["code"], cn_date(c["deadline"], calendar) if c.get("deadline") else "立即")
                 for c in cases] if doc.kind == "notice" else []
    return Verified(
        issuer=str(content.get("issuer_name") or issuer_of(conn, doc).name),
        form_name=doc.kind_name, number=doc.number,
        dated=cn_date(doc.dated_on or doc.issued_at, calendar),
        units=list(dict.fromkeys(c["unit_name"] for c in cases)), deadlines=deadlines,
        key_sentences=[str(s) for s in content.get("key_sentences", [])],
        digest=(doc.pdf_sha256 or "")[:DIGEST_SHOWN])
