"""The append-only, hash-chained audit log of every case.

Each record carries the hash of the case's previous record; changing, inserting or deleting
a record breaks the chain at that point, and :func:`verify` says where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import audit_event, process_case

GENESIS = "0" * 64


def _digest(prev_hash: str, case_id: int, seq: int, actor: str, action: str,
            element_id: str | None, payload: str, at: datetime) -> str:
    body = json.dumps([prev_hash, case_id, seq, actor, action, element_id, payload,
                       at.isoformat(timespec="microseconds")],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


TAIL = (sa.select(audit_event.c.seq, audit_event.c.hash)
        .where(audit_event.c.case_id == sa.bindparam("case_id"))
        .order_by(audit_event.c.seq.desc()).limit(1))
INSERT = sa.insert(audit_event)
# the case row keeps the chain's tail, so that a step appends without reading the log
SET_TAIL = (sa.update(process_case).where(process_case.c.id == sa.bindparam("case_id"))
            .values(audit_seq=sa.bindparam("seq"), audit_hash=sa.bindparam("hash")))


@dataclass(frozen=True)
class Entry:
    """A record not yet chained: what was done, by whom, when."""

    actor: str
    action: str
    payload: Mapping[str, Any]
    at: datetime
    element_id: str | None = None


def chained(case_id: int, seq: int, prev: str, entry: Entry) -> dict[str, Any]:
    """The row of ``entry`` as record ``seq`` of the case's chain, after hash ``prev``."""
    text = _canonical(entry.payload)
    at = entry.at.astimezone(UTC)
    digest = _digest(prev, case_id, seq, entry.actor, entry.action, entry.element_id, text, at)
    return {"case_id": case_id, "seq": seq, "actor": entry.actor, "action": entry.action,
            "element_id": entry.element_id, "payload": text, "at": at, "prev_hash": prev,
            "hash": digest}


def append(conn: Connection, case_id: int, actor: str, action: str,
           payload: Mapping[str, Any], at: datetime, element_id: str | None = None) -> int:
    """Append one record; the caller holds the case's lock, so sequence numbers never race.

    The tail is read from the log itself (the truth), and the case row's copy is set."""
    last = conn.execute(TAIL, {"case_id": case_id}).one_or_none()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    record = chained(case_id, seq, prev, Entry(actor, action, payload, at, element_id))
    conn.execute(INSERT, record)
    conn.execute(SET_TAIL, {"case_id": case_id, "seq": seq, "hash": record["hash"]})
    return seq


@dataclass(frozen=True)
class Break:
    case_id: int
    seq: int
    reason: str


def verify(conn: Connection, case_id: int | None = None) -> Iterator[Break]:
    """Yield every place where a chain does not hold."""
    query = sa.select(audit_event).order_by(audit_event.c.case_id, audit_event.c.seq)
    if case_id is not None:
        query = query.where(audit_event.c.case_id == case_id)
    current, prev, expected_seq = None, GENESIS, 1
    for row in conn.execute(query):
        if row.case_id != current:
            current, prev, expected_seq = row.case_id, GENESIS, 1
        if row.seq != expected_seq:
            yield Break(row.case_id, row.seq, f"expected record {expected_seq}, found {row.seq}")
        if row.prev_hash != prev:
            yield Break(row.case_id, row.seq, "previous-hash link does not match")
        digest = _digest(row.prev_hash, row.case_id, row.seq, row.actor, row.action,
                         row.element_id, row.payload, row.at)
        if digest != row.hash:
            yield Break(row.case_id, row.seq, "record content does not match its hash")
        prev, expected_seq = row.hash, row.seq + 1


def history(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(audit_event).where(audit_event.c.case_id == case_id)
                        .order_by(audit_event.c.seq))
    return [{"seq": r.seq, "actor": r.actor, "action": r.action, "element_id": r.element_id,
             "at": r.at.isoformat(), "payload": json.loads(r.payload)} for r in rows]
