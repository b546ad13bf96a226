"""Sealed checkpoints: each attack a database writer can make on the audit log, done in raw
SQL after a checkpoint, is reported with its reason; an untouched log verifies clean."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Engine, audit
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import human_task
from hazardflow.engine.seal import Checkpoint, SealBreak, key_id, seal, verify_sealed

from . import tamper
from .support import CLERK, REVIEWER, T0

KEY = bytes(range(32))
NEW_KEY = bytes(range(100, 132))
FORGED = b"the forger's own key, not ours!!"


def open_task(engine: Engine, case_id: int) -> int:
    with engine.db.connect() as conn:
        return int(conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")).scalar_one())


@pytest.fixture
def cases(engine: Engine) -> dict[str, int]:
    """looped: start, reject, fix (3 records); done: start, approve (2); fresh: start (1)."""
    looped = engine.start_case("review", {"unit": "U1"}, CLERK).case_id
    engine.complete_task(open_task(engine, looped), REVIEWER,
                         {"decision": "reject", "reason": "照片不清楚"})
    engine.complete_task(open_task(engine, looped), CLERK, {"note": "重新拍照"})
    done = engine.start_case("review", {"unit": "U1"}, CLERK).case_id
    engine.complete_task(open_task(engine, done), REVIEWER, {"decision": "approve"})
    fresh = engine.start_case("review", {"unit": "U1"}, CLERK).case_id
    return {"looped": looped, "done": done, "fresh": fresh}


def seal_at(engine: Engine, now: datetime, key: bytes = KEY,
            force: bool = False) -> Checkpoint | None:
    with write_transaction(engine.db) as conn:
        return seal(conn, key, now, force=force)


def problems(engine: Engine, keys: Iterable[bytes] = (KEY,),
             witness: Iterable[tuple[int, str]] = ()) -> list[SealBreak]:
    with engine.db.connect() as conn:
        return list(verify_sealed(conn, list(keys), witness))


def attack(engine: Engine, act: Callable[[sa.Connection], object]) -> None:
    with engine.db.begin() as conn:
        act(conn)


def chain_breaks(engine: Engine) -> list[audit.Break]:
    with engine.db.connect() as conn:
        return list(audit.verify(conn))


def test_an_untouched_log_verifies_clean_after_more_appends(engine: Engine,
                                                            cases: dict[str, int]) -> None:
    first = seal_at(engine, T0)
    assert first is not None and (first.id, first.case_count) == (1, 3)
    assert seal_at(engine, T0 + timedelta(hours=1)) is None  # nothing grew
    engine.complete_task(open_task(engine, cases["fresh"]), REVIEWER, {"decision": "approve"})
    engine.start_case("review", {"unit": "U1"}, CLERK)
    assert problems(engine) == [] and chain_breaks(engine) == []  # appended, not yet sealed
    second = seal_at(engine, T0 + timedelta(hours=2))
    assert second is not None and (second.id, second.case_count) == (2, 2)  # only the grown
    assert problems(engine) == [] and chain_breaks(engine) == []
    witness = [(first.id, first.mac), (second.id, second.mac)]
    assert problems(engine, witness=witness) == []


def test_a_truncated_tail_is_reported_though_the_chain_still_holds(
        engine: Engine, cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    attack(engine, lambda conn: tamper.truncate_tail(conn, cases["looped"], keep=1))
    assert chain_breaks(engine) == []
    [found] = problems(engine)
    assert (found.kind, found.case_id, found.seq, found.until) == (
        "truncated_tail", cases["looped"], 2, 3)
    assert found.reason == (f"case {cases['looped']}: records 2–3 are missing, though sealed "
                            "in checkpoint 1; its log ends at record 1 (truncated tail)")


def test_a_deleted_case_is_reported(engine: Engine, cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    attack(engine, lambda conn: tamper.delete_case(conn, cases["done"]))
    assert chain_breaks(engine) == []
    [found] = problems(engine)
    assert (found.kind, found.case_id, found.seq) == ("deleted_case", cases["done"], 2)
    assert "none of its records remain (deleted case)" in found.reason


def test_a_chain_recomputed_from_the_start_is_reported(engine: Engine,
                                                       cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    engine.complete_task(open_task(engine, cases["fresh"]), REVIEWER, {"decision": "approve"})
    seal_at(engine, T0 + timedelta(hours=1))  # fresh: sealed at record 1, then at 2
    attack(engine, lambda conn: tamper.recompute_chain(conn, cases["fresh"]))
    assert chain_breaks(engine) == []  # valid SHA-256 links all through
    [found] = problems(engine)
    assert (found.kind, found.case_id, found.seq, found.checkpoint_id) == (
        "recomputed_chain", cases["fresh"], 1, 1)
    assert found.reason.endswith("yet every link of its chain holds (the chain was recomputed)")


def test_a_sealed_record_edited_without_recomputing_is_reported_beside_the_chain_break(
        engine: Engine, cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    attack(engine, lambda conn: conn.execute(sa.text(
        "UPDATE audit_event SET hash = :h WHERE case_id = :c AND seq = 2"),
        {"h": "f" * 64, "c": cases["done"]}))
    assert [b.seq for b in chain_breaks(engine)] == [2]
    [found] = problems(engine)
    assert (found.kind, found.case_id, found.seq) == ("altered_record", cases["done"], 2)


def test_deleting_the_latest_checkpoint_shows_against_the_witness_only(
        engine: Engine, cases: dict[str, int]) -> None:
    first = seal_at(engine, T0)
    engine.complete_task(open_task(engine, cases["fresh"]), REVIEWER, {"decision": "approve"})
    second = seal_at(engine, T0 + timedelta(hours=1))
    assert first is not None and second is not None
    witness = [(first.id, first.mac), (second.id, second.mac)]
    attack(engine, tamper.delete_latest_checkpoint)
    assert problems(engine) == []  # a shorter chain is a valid chain: the database can't tell
    [found] = problems(engine, witness=witness)
    assert (found.kind, found.checkpoint_id, found.until) == ("witness_missing", 2, 2)
    # the sealer runs again and fills the number with another checkpoint: still caught
    again = seal_at(engine, T0 + timedelta(hours=2))
    assert again is not None and again.id == 2
    [found] = problems(engine, witness=witness)
    assert (found.kind, found.checkpoint_id) == ("witness_mismatch", 2)


def test_a_deleted_checkpoint_before_the_latest_leaves_a_gap(engine: Engine,
                                                            cases: dict[str, int]) -> None:
    for hour in range(3):
        seal_at(engine, T0 + timedelta(hours=hour), force=True)
    attack(engine, lambda conn: (
        conn.execute(sa.text("DELETE FROM audit_checkpoint_head WHERE checkpoint_id = 2")),
        conn.execute(sa.text("DELETE FROM audit_checkpoint WHERE id = 2"))))
    [found] = problems(engine)
    assert (found.kind, found.checkpoint_id, found.until) == ("checkpoint_missing", 2, 2)


def test_editing_the_latest_checkpoint_breaks_its_mac(engine: Engine,
                                                      cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    # hide a truncation: say the case was sealed where its log now ends
    attack(engine, lambda conn: (tamper.truncate_tail(conn, cases["looped"], keep=1),
                                 tamper.edit_latest_checkpoint(conn, cases["looped"], 1)))
    [found] = problems(engine)
    assert (found.kind, found.checkpoint_id) == ("checkpoint_mac", 1)
    assert found.reason == ("checkpoint 1: its MAC does not verify (the checkpoint was edited "
                            "or forged)")


def test_a_head_changed_without_its_digest_is_reported(engine: Engine,
                                                       cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    attack(engine, lambda conn: conn.execute(sa.text(
        "DELETE FROM audit_checkpoint_head WHERE case_id = :c"), {"c": cases["done"]}))
    assert [p.kind for p in problems(engine)] == ["checkpoint_digest"]


def test_a_checkpoint_forged_with_another_key_is_reported(engine: Engine,
                                                          cases: dict[str, int]) -> None:
    seal_at(engine, T0)
    attack(engine, lambda conn: tamper.truncate_tail(conn, cases["looped"], keep=2))
    with write_transaction(engine.db) as conn:
        seal(conn, FORGED, T0 + timedelta(hours=1), force=True)
    found = problems(engine)
    assert [(p.kind, p.checkpoint_id, p.case_id) for p in found] == [
        ("checkpoint_key", 2, None), ("truncated_tail", 1, cases["looped"])]
    assert key_id(FORGED) in found[0].reason


def test_after_a_rotation_old_checkpoints_verify_with_the_old_key(
        engine: Engine, cases: dict[str, int]) -> None:
    seal_at(engine, T0, KEY)
    seal_at(engine, T0 + timedelta(hours=1), NEW_KEY, force=True)
    engine.complete_task(open_task(engine, cases["fresh"]), REVIEWER, {"decision": "approve"})
    seal_at(engine, T0 + timedelta(hours=2), NEW_KEY)
    assert problems(engine, keys=[NEW_KEY, KEY]) == []
    [found] = problems(engine, keys=[NEW_KEY])  # the old key thrown away: history unverifiable
    assert (found.kind, found.checkpoint_id) == ("checkpoint_key", 1)
    # someone holding only the retired key seals after the rotation
    seal_at(engine, T0 + timedelta(hours=3), KEY, force=True)
    [found] = problems(engine, keys=[NEW_KEY, KEY])
    assert (found.kind, found.checkpoint_id) == ("checkpoint_retired_key", 4)
