"""Sealed checkpoints: an audit log that someone with database write access cannot quietly
rewrite.

The hash chain of :mod:`audit` shows an edited record, but SHA-256 needs no secret: whoever
can write to the database can delete a case's last records, delete a case's records
altogether, or recompute a chain from its first record, and the chain still holds. A
checkpoint closes those gaps. It lists the head (last record number and hash) of every case
whose log grew since the previous checkpoint, and carries an HMAC-SHA256, under a key kept
outside the database, over its number, the previous checkpoint's MAC, its time, the key's
id, the number of heads and a SHA-256 digest of the heads. Checkpoints are numbered 1, 2, 3...
by the sealer and chain by MAC, so a missing, edited or forged checkpoint shows, and every
head ever sealed must still be in the log with the same hash.

What the database alone cannot show is its newest checkpoints deleted: what remains is a
valid, shorter chain. The caller keeps a witness outside the database for that (the number
and MAC of every checkpoint it wrote) and hands it to :func:`verify_sealed`.

Keys: the first key seals; every key verifies. A checkpoint names its key by a fingerprint
(:func:`key_id`), so after a rotation the old checkpoints still verify with the old key,
and a checkpoint sealed with an older key after a newer one was in use is reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit
from .schema import audit_checkpoint, audit_checkpoint_head, audit_event

GENESIS = "0" * 64
_KEY_ID_LABEL = b"hazardflow audit key id"


def key_id(key: bytes) -> str:
    """A key's public fingerprint: names the key without revealing it."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    id: int
    created_at: datetime
    key_id: str
    case_count: int
    mac: str


@dataclass(frozen=True)
class SealBreak:
    """One problem :func:`verify_sealed` found. ``reason`` is a full English sentence.

    ``kind`` is one of: checkpoint_missing (checkpoints ``checkpoint_id``..``until`` are gone),
    checkpoint_link, checkpoint_digest, checkpoint_mac, checkpoint_key (a key not given),
    checkpoint_retired_key, witness_missing (checkpoints ``checkpoint_id``..``until`` were
    recorded outside the database and are gone), witness_mismatch, deleted_case (sealed up to
    record ``seq``), truncated_tail (records ``seq``..``until`` are missing), recomputed_chain
    and altered_record (record ``seq`` no longer has its sealed hash)."""

    kind: str
    reason: str
    case_id: int | None = None
    checkpoint_id: int | None = None
    seq: int | None = None
    until: int | None = None


class _Digest:
    """SHA-256 over heads given in case order, one ``case seq hash`` line each."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.count = 0

    def add(self, case_id: int, seq: int, digest: str) -> None:
        self._sha.update(f"{case_id} {seq} {digest}\n".encode("ascii"))
        self.count += 1

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def _mac(key: bytes, number: int, prev_mac: str, created_at: datetime, kid: str,
         count: int, digest: str) -> str:
    body = json.dumps([number, prev_mac, created_at.astimezone(UTC).isoformat(
        timespec="microseconds"), kid, count, digest], separators=(",", ":"))
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).hexdigest()


def _grown_heads() -> sa.Select[tuple[int, int, str]]:
    """Each case's head whose record number is past the highest one sealed for it.

    Both maxima come from the (case, seq) indexes alone; the hash is looked up afterwards,
    only for the heads that grew."""
    ev, sealed_head = audit_event, audit_checkpoint_head
    current = (sa.select(ev.c.case_id, sa.func.max(ev.c.seq).label("seq"))
               .group_by(ev.c.case_id).subquery("current"))
    sealed = (sa.select(sealed_head.c.case_id, sa.func.max(sealed_head.c.seq).label("seq"))
              .group_by(sealed_head.c.case_id).subquery("sealed"))
    head_hash = (sa.select(ev.c.hash).where(ev.c.case_id == current.c.case_id,
                                            ev.c.seq == current.c.seq)
                 .scalar_subquery())
    return (sa.select(current.c.case_id, current.c.seq, head_hash.label("hash"))
            .select_from(current.outerjoin(sealed, sealed.c.case_id == current.c.case_id))
            .where(sa.or_(sealed.c.seq.is_(None), sealed.c.seq < current.c.seq))
            .order_by(current.c.case_id))


GROWN_HEADS = _grown_heads()
LATEST = (sa.select(audit_checkpoint.c.id, audit_checkpoint.c.mac)
          .order_by(audit_checkpoint.c.id.desc()).limit(1))


def seal(conn: Connection, key: bytes, now: datetime, *,
         force: bool = False) -> Checkpoint | None:
    """Write one checkpoint in the caller's transaction (never commits) sealing every case
    whose log grew since the last one; None when none grew, unless ``force``.

    Two sealers at once both pick the next number: one of them fails on the primary key."""
    last = conn.execute(LATEST).one_or_none()
    heads = conn.execute(GROWN_HEADS).all()
    if not heads and not force:
        return None
    number, prev_mac = (last.id + 1, last.mac) if last else (1, GENESIS)
    digest = _Digest()
    for head in heads:
        digest.add(head.case_id, head.seq, head.hash)
    kid = key_id(key)
    mac = _mac(key, number, prev_mac, now, kid, digest.count, digest.hexdigest())
    conn.execute(sa.insert(audit_checkpoint), {
        "id": number, "created_at": now, "key_id": kid, "prev_mac": prev_mac,
        "case_count": digest.count, "digest": digest.hexdigest(), "mac": mac})
    if heads:
        conn.execute(sa.insert(audit_checkpoint_head), [
            {"checkpoint_id": number, "case_id": h.case_id, "seq": h.seq, "hash": h.hash}
            for h in heads])
    return Checkpoint(number, now, kid, digest.count, mac)


def checkpoints(conn: Connection) -> list[Checkpoint]:
    """Every checkpoint in the database, oldest first (as stored: not verified)."""
    cp = audit_checkpoint
    return [Checkpoint(r.id, r.created_at, r.key_id, r.case_count, r.mac) for r in
            conn.execute(sa.select(cp.c.id, cp.c.created_at, cp.c.key_id, cp.c.case_count,
                                   cp.c.mac).order_by(cp.c.id))]


@dataclass(frozen=True)
class _Mismatch:
    checkpoint_id: int
    case_id: int
    seq: int
    found: str | None  # the hash in the log now; None: the record is gone


def _are(noun: str, first: int, last: int) -> str:
    """'checkpoint 3 is' or 'checkpoints 3–5 are'."""
    return f"{noun} {first} is" if first == last else f"{noun}s {first}–{last} are"


def verify_sealed(conn: Connection, keys: Sequence[bytes],
                  witness: Iterable[tuple[int, str]] = ()) -> Iterator[SealBreak]:
    """Yield every problem with the checkpoints and with what they sealed.

    ``keys``: the current key first, then retired ones, newest first. ``witness``: (number,
    MAC) of checkpoints recorded outside the database. Records appended after the last
    checkpoint are left to :func:`audit.verify`, which checks the whole chain."""
    ranks = {key_id(k): (rank, k) for rank, k in enumerate(keys)}
    rows = conn.execute(sa.select(audit_checkpoint).order_by(audit_checkpoint.c.id)).all()
    mismatches: list[_Mismatch] = []
    yield from _verify_checkpoints(conn, rows, ranks, mismatches)
    yield from _verify_witness({r.id: r.mac for r in rows}, witness)
    yield from _verify_cases(conn, mismatches)


def _heads_with_log(conn: Connection) -> Generator[Any, None, None]:
    """Every sealed head, by checkpoint and case, with the hash the log has for it now."""
    head, ev = audit_checkpoint_head, audit_event
    query = (sa.select(head.c.checkpoint_id, head.c.case_id, head.c.seq, head.c.hash,
                       ev.c.hash.label("found"))
             .select_from(head.outerjoin(ev, sa.and_(ev.c.case_id == head.c.case_id,
                                                     ev.c.seq == head.c.seq)))
             .order_by(head.c.checkpoint_id, head.c.case_id)
             .execution_options(yield_per=5000))
    with conn.execute(query) as result:
        yield from result


def _verify_checkpoints(conn: Connection, rows: Sequence[sa.Row[Any]],
                        ranks: dict[str, tuple[int, bytes]],
                        mismatches: list[_Mismatch]) -> Iterator[SealBreak]:
    """The checkpoint chain; the heads of each checkpoint that holds go to ``mismatches``
    when the log no longer has them."""
    heads = _heads_with_log(conn)
    pending = next(heads, None)
    expected, prev_mac, newest_rank = 1, GENESIS, len(ranks)
    for cp in rows:
        while pending is not None and pending.checkpoint_id < cp.id:
            pending = next(heads, None)  # heads of no checkpoint: they prove nothing
        digest, found = _Digest(), []
        while pending is not None and pending.checkpoint_id == cp.id:
            digest.add(pending.case_id, pending.seq, pending.hash)
            if pending.found != pending.hash:
                found.append(_Mismatch(cp.id, pending.case_id, pending.seq, pending.found))
            pending = next(heads, None)
        trusted = True
        if cp.id != expected:
            yield SealBreak("checkpoint_missing",
                            f"{_are('checkpoint', expected, cp.id - 1)} missing (deleted)",
                            checkpoint_id=expected, until=cp.id - 1)
        elif cp.prev_mac != prev_mac:
            trusted = False
            yield SealBreak("checkpoint_link", f"checkpoint {cp.id} does not link to the "
                            "checkpoint before it (its previous MAC differs)",
                            checkpoint_id=cp.id)
        if digest.count != cp.case_count or digest.hexdigest() != cp.digest:
            trusted = False
            yield SealBreak("checkpoint_digest", f"checkpoint {cp.id}: its case heads do not "
                            "match its digest (heads were added, removed or changed)",
                            checkpoint_id=cp.id)
        if cp.key_id not in ranks:
            trusted = False
            yield SealBreak("checkpoint_key", f"checkpoint {cp.id} was sealed with a key "
                            f"that was not given (key id {cp.key_id})", checkpoint_id=cp.id)
        else:
            rank, key = ranks[cp.key_id]
            if rank > newest_rank:
                yield SealBreak("checkpoint_retired_key", f"checkpoint {cp.id} was sealed "
                                f"with a retired key (key id {cp.key_id}) after a newer key "
                                "was in use", checkpoint_id=cp.id)
            newest_rank = min(newest_rank, rank)
            if not hmac.compare_digest(cp.mac, _mac(key, cp.id, cp.prev_mac, cp.created_at,
                                                    cp.key_id, cp.case_count, cp.digest)):
                trusted = False
                yield SealBreak("checkpoint_mac", f"checkpoint {cp.id}: its MAC does not "
                                "verify (the checkpoint was edited or forged)",
                                checkpoint_id=cp.id)
        if trusted:
            mismatches.extend(found)
        expected, prev_mac = cp.id + 1, cp.mac
    heads.close()  # heads past the last checkpoint belong to none


def _verify_witness(stored: dict[int, str],
                    witness: Iterable[tuple[int, str]]) -> Iterator[SealBreak]:
    newest = max(stored, default=0)
    gone: set[int] = set()
    for number, mac in sorted(set(witness)):
        if number > newest:
            gone.add(number)
        elif number in stored and not hmac.compare_digest(stored[number], mac):
            yield SealBreak("witness_mismatch", f"checkpoint {number} is not the one recorded "
                            "outside the database (it was replaced)", checkpoint_id=number)
    if gone:
        first, last = min(gone), max(gone)
        yield SealBreak("witness_missing", f"{_are('checkpoint', first, last)} missing, "
                        "though recorded outside the database (the newest checkpoints were "
                        "deleted)", checkpoint_id=first, until=last)


def _last_records(conn: Connection, case_ids: list[int]) -> dict[int, int]:
    ev, last = audit_event, {}
    for start in range(0, len(case_ids), 500):
        rows = conn.execute(sa.select(ev.c.case_id, sa.func.max(ev.c.seq))
                            .where(ev.c.case_id.in_(case_ids[start:start + 500]))
                            .group_by(ev.c.case_id))
        last.update({int(case_id): int(seq) for case_id, seq in rows})
    return last


def _verify_cases(conn: Connection, mismatches: list[_Mismatch]) -> Iterator[SealBreak]:
    by_case: dict[int, list[_Mismatch]] = defaultdict(list)
    for m in mismatches:
        by_case[m.case_id].append(m)
    last_seq = _last_records(conn, sorted(by_case))
    for case_id, found in sorted(by_case.items()):
        top = max(found, key=lambda m: (m.seq, m.checkpoint_id))
        last = last_seq.get(case_id)
        if last is None:
            yield SealBreak("deleted_case", f"case {case_id} was sealed up to record "
                            f"{top.seq} in checkpoint {top.checkpoint_id}, but none of its "
                            "records remain (deleted case)", case_id=case_id,
                            checkpoint_id=top.checkpoint_id, seq=top.seq)
            continue
        if last < top.seq:
            yield SealBreak("truncated_tail", f"case {case_id}: "
                            f"{_are('record', last + 1, top.seq)} missing, though sealed in "
                            f"checkpoint {top.checkpoint_id}; its log ends at record {last} "
                            "(truncated tail)", case_id=case_id,
                            checkpoint_id=top.checkpoint_id, seq=last + 1, until=top.seq)
        changed = [m for m in found if m.seq <= last]
        if changed:
            yield _changed(conn, case_id, min(changed, key=lambda m: (m.seq, m.checkpoint_id)))


def _changed(conn: Connection, case_id: int, m: _Mismatch) -> SealBreak:
    if next(audit.verify(conn, case_id), None) is None:
        return SealBreak("recomputed_chain", f"case {case_id}: record {m.seq} no longer has "
                         f"the hash sealed in checkpoint {m.checkpoint_id}, yet every link "
                         "of its chain holds (the chain was recomputed)", case_id=case_id,
                         checkpoint_id=m.checkpoint_id, seq=m.seq)
    return SealBreak("altered_record", f"case {case_id}: record {m.seq} no longer has the "
                     f"hash sealed in checkpoint {m.checkpoint_id}", case_id=case_id,
                     checkpoint_id=m.checkpoint_id, seq=m.seq)
