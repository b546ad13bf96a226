"""The process designer's work: deploy definitions and move running cases between versions.

Deploying and migrating are for the ``design`` permission. A deployment is one unit of work
(validated first, nothing stored when refused). A migration batch is recorded in one, then
each case moves in a unit of work of its own — its state, inbox rows, timers and audit
record, or nothing — and a case that cannot move is listed as blocked with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazardflow.engine import Actor, Deployed
from hazardflow.engine import migrate as moves
from hazardflow.engine.db import write_transaction

from .. import policy
from ..runtime import Runtime
from ..uow import reading, unit_of_work


def deploy(rt: Runtime, actor: Actor, bpmn: bytes, forms: Mapping[str, Any] | None = None,
           filename: str | None = None) -> list[Deployed]:
    policy.require(actor, "design")
    with unit_of_work(rt) as conn:
        return rt.engine.deploy(conn, bpmn, forms, actor=actor.id, filename=filename)


def definitions(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """Every process: its latest version, how many versions, whether the actor may start it
    and its start form's key."""
    from ..cases import process_summaries

    with reading(rt) as conn:
        out = []
        for row in process_summaries(conn):
            definition = rt.engine.definition(conn, row["key"])
            out.append({**row, "can_start": rt.engine.may_start(definition, actor),
                        "start_form": definition.start_form})
        return out


def migration_preview(rt: Runtime, actor: Actor, key: str, from_version: int,
                      to_version: int, mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    policy.require(actor, "design")
    with reading(rt) as conn:
        return moves.preview(conn, rt.engine, key, from_version, to_version, mapping)


def start_migration(rt: Runtime, actor: Actor, key: str, from_version: int, to_version: int,
                    mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    policy.require(actor, "design")
    with unit_of_work(rt) as conn:
        batch_id = moves.start_batch(conn, rt.engine, key, from_version, to_version, mapping,
                                     actor)
        return moves.batch_status(conn, batch_id)


def run_migration(rt: Runtime, actor: Actor, batch_id: int,
                  limit: int | None = None) -> dict[str, Any]:
    """Move up to ``limit`` pending cases of the batch (all by default); returns its status."""
    policy.require(actor, "design")
    return moves.run_batch(rt.engine, lambda: write_transaction(rt.db), batch_id, actor, limit)


def migration_status(rt: Runtime, actor: Actor, batch_id: int) -> dict[str, Any]:
    policy.require(actor, "design")
    with reading(rt) as conn:
        return moves.batch_status(conn, batch_id)
