"""What someone with write access to the database (and no audit key) can do to the log,
in plain SQL: the attacks the sealed checkpoints must reveal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa

Conn = sa.Connection


def truncate_tail(conn: Conn, case_id: int, keep: int) -> None:
    """Delete the case's records after record ``keep``."""
    conn.execute(sa.text("DELETE FROM audit_event WHERE case_id = :c AND seq > :k"),
                 {"c": case_id, "k": keep})


def delete_case(conn: Conn, case_id: int) -> None:
    """Delete every record of the case."""
    conn.execute(sa.text("DELETE FROM audit_event WHERE case_id = :c"), {"c": case_id})


def _sha256(prev: str, row: sa.Row) -> str:
    """The chain's public formula (engine/audit.py): no secret needed."""
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)  # SQLite: text
    stamp = at.replace(tzinfo=UTC).isoformat(timespec="microseconds")  # stored as naive UTC
    body = json.dumps([prev, row.case_id, row.seq, row.actor, row.action, row.element_id,
                       row.payload, stamp], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def recompute_chain(conn: Conn, case_id: int, actor: str = "forger") -> None:
    """Put another actor on every record of the case and recompute the whole chain from the
    first record, with valid SHA-256 links: the hash chain alone still holds."""
    conn.execute(sa.text("UPDATE audit_event SET actor = :a WHERE case_id = :c"),
                 {"a": actor, "c": case_id})
    rows = conn.execute(sa.text("SELECT id, case_id, seq, actor, action, element_id, payload, at "
                                "FROM audit_event WHERE case_id = :c ORDER BY seq"),
                        {"c": case_id}).all()
    prev = "0" * 64
    for row in rows:
        digest = _sha256(prev, row)
        conn.execute(sa.text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                     {"p": prev, "h": digest, "i": row.id})
        prev = digest


def latest_checkpoint(conn: Conn) -> int:
    return int(conn.execute(sa.text("SELECT max(id) FROM audit_checkpoint")).scalar_one())


def delete_latest_checkpoint(conn: Conn) -> int:
    """Delete the newest checkpoint (and the heads it sealed); returns its number."""
    number = latest_checkpoint(conn)
    conn.execute(sa.text("DELETE FROM audit_checkpoint_head WHERE checkpoint_id = :n"),
                 {"n": number})
    conn.execute(sa.text("DELETE FROM audit_checkpoint WHERE id = :n"), {"n": number})
    return number


def edit_latest_checkpoint(conn: Conn, case_id: int, seq: int) -> int:
    """Make the newest checkpoint say the case was sealed at ``seq`` (the hash the log has
    there), with a digest that matches: only its MAC can give it away."""
    number = latest_checkpoint(conn)
    found = conn.execute(sa.text("SELECT hash FROM audit_event WHERE case_id = :c AND seq = :s"),
                         {"c": case_id, "s": seq}).scalar_one()
    conn.execute(sa.text("UPDATE audit_checkpoint_head SET seq = :s, hash = :h "
                         "WHERE checkpoint_id = :n AND case_id = :c"),
                 {"s": seq, "h": found, "n": number, "c": case_id})
    heads = conn.execute(sa.text("SELECT case_id, seq, hash FROM audit_checkpoint_head "
                                 "WHERE checkpoint_id = :n ORDER BY case_id"), {"n": number})
    sha = hashlib.sha256()
    for head in heads:
        sha.update(f"{head.case_id} {head.seq} {head.hash}\n".encode("ascii"))
    conn.execute(sa.text("UPDATE audit_checkpoint SET digest = :d WHERE id = :n"),
                 {"d": sha.hexdigest(), "n": number})
    return number
