"""The process designer's work: drafts, checks, deployed versions and their diff, the form
preview, deploying, and moving running cases between versions.

Everything here is for the ``design`` permission, except reading what is deployed through
the definitions (:func:`definitions`, :func:`versions`, :func:`deployed`), which every
signed-in user may. A deployment is one unit of work (validated first, nothing stored when
refused). A migration batch is recorded in one, then each case moves in a unit of work of
its own — its state, inbox rows, timers and audit record, or nothing — and a case that
cannot move is listed as blocked with the reason. Version numbers out of range name no
version (NotFound); other numbers out of range are refused naming their field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Deployed, InvalidInput, NotFound, drafts
from hazardflow.engine import migrate as moves
from hazardflow.engine.db import write_transaction
from hazardflow.engine.diff import diff as semantic_diff
from hazardflow.engine.forms import check_form_schema
from hazardflow.engine.schema import process_case, process_definition
from hazardflow.engine.xmlsafe import parse_untrusted

from .. import policy
from ..inputs import version_number, whole_number
from ..runtime import Runtime
from ..uow import reading, unit_of_work


def open_designer(rt: Runtime, actor: Actor) -> None:
    """Forbidden unless ``actor`` may design (the designer page's frame)."""
    policy.require(actor, "design")


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


def versions(rt: Runtime, actor: Actor, key: str) -> list[dict[str, Any]]:
    """The deployed versions of a process, newest first (every signed-in user may read
    them); NotFound for a process never deployed. ``running_cases`` counts every running
    case for a designer (who moves them between versions), and for anyone else only those
    they may see (:func:`policy.visible_cases`): a count must not tell a unit of a case
    hidden from it."""
    with reading(rt) as conn:
        found = drafts.versions(conn, key)
        if found and not policy.allows(actor, "design"):
            seen = _visible_running(conn, actor, key)
            found = [{**v, "running_cases": seen.get(v["version"], 0)} for v in found]
    if not found:
        raise NotFound(f"流程 {key!r} 未部署 (no deployed process {key!r})")
    return found


def _visible_running(conn: Connection, actor: Actor, key: str) -> dict[int, int]:
    """Per version of ``key``: how many of its running cases ``actor`` may see."""
    rows = conn.execute(
        sa.select(process_definition.c.version, sa.func.count(process_case.c.id))
        .join(process_case, process_case.c.definition_id == process_definition.c.id)
        .where(process_definition.c.key == key, process_case.c.status.in_(drafts.RUNNING),
               policy.visible_cases(actor, process_case.c.id))
        .group_by(process_definition.c.version))
    return {int(version): int(count) for version, count in rows}


def deployed(rt: Runtime, actor: Actor, key: str, version: int) -> dict[str, Any]:
    """A deployed version's BPMN text and forms, as every signed-in user may read them."""
    version_number(key, version)
    with reading(rt) as conn:
        return drafts.version_content(conn, key, version)


# -- the designer's own reads -------------------------------------------------------------

def processes(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """Every process with its versions (deployer, time, running cases) and the drafts."""
    policy.require(actor, "design")
    with reading(rt) as conn:
        return {"processes": drafts.processes(conn), "drafts": drafts.list_drafts(conn)}


def version(rt: Runtime, actor: Actor, key: str, number: int) -> dict[str, Any]:
    """A deployed version's BPMN and forms, opened in the designer."""
    policy.require(actor, "design")
    version_number(key, number)
    with reading(rt) as conn:
        return drafts.version_content(conn, key, number)


def diff(rt: Runtime, actor: Actor, key: str, old: int, new: int) -> dict[str, Any]:
    """The semantic diff of two deployed versions: elements added, removed and changed."""
    policy.require(actor, "design")
    version_number(key, old)
    version_number(key, new)
    with reading(rt) as conn:
        before = drafts.version_content(conn, key, old)
        after = drafts.version_content(conn, key, new)
    limit = rt.engine.max_bpmn_bytes * 4
    result = semantic_diff(parse_untrusted(before["bpmn"].encode(), max_bytes=limit),
                           parse_untrusted(after["bpmn"].encode(), max_bytes=limit)).as_dict()
    return {"key": key, "from": old, "to": new, **result}


def validate(rt: Runtime, actor: Actor, bpmn: bytes, forms: Any) -> dict[str, Any]:
    """Every problem deploying the diagram would report, without deploying."""
    policy.require(actor, "design")
    with reading(rt) as conn:
        problems = drafts.check(conn, rt.engine, bpmn, forms)
    return {"ok": not problems, "problems": [p.as_dict() for p in problems]}


def form_preview(rt: Runtime, actor: Actor, schema: Any,
                 data: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form schema checked as a deployment would check it, and the sample data to show in
    it (nothing when the data is not an object): what the preview renders."""
    policy.require(actor, "design")
    problems = check_form_schema("form", schema)
    if problems or not isinstance(schema, dict):
        raise InvalidInput("表单不是有效的 JSON Schema (the form is not a valid JSON Schema)",
                           problems, code="invalid_form")
    return schema, data if isinstance(data, dict) else {}


# -- drafts --------------------------------------------------------------------------------

def list_drafts(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    policy.require(actor, "design")
    with reading(rt) as conn:
        return drafts.list_drafts(conn)


def get_draft(rt: Runtime, actor: Actor, draft_id: int) -> dict[str, Any]:
    policy.require(actor, "design")
    with reading(rt) as conn:
        return drafts.get_draft(conn, draft_id)


def create_draft(rt: Runtime, actor: Actor, bpmn: bytes, forms: Any, name: str | None = None,
                 base_version: int | None = None) -> dict[str, Any]:
    """Save a new draft (never seen by running cases); ``base_version``: the deployed
    version it was opened from."""
    policy.require(actor, "design")
    if base_version is not None:
        whole_number(base_version, "base_version")
    with unit_of_work(rt) as conn:
        return drafts.save_draft(conn, bpmn=bpmn, forms=forms, actor=actor.id, now=rt.now(),
                                 max_bytes=rt.engine.max_bpmn_bytes, name=name,
                                 base_version=base_version)


def update_draft(rt: Runtime, actor: Actor, draft_id: int, bpmn: bytes, forms: Any,
                 name: str | None = None, revision: int | None = None) -> dict[str, Any]:
    """Replace a draft; ``revision`` (the one the editor loaded) refuses to overwrite
    someone else's save (Conflict)."""
    policy.require(actor, "design")
    with unit_of_work(rt) as conn:
        return drafts.save_draft(conn, bpmn=bpmn, forms=forms, actor=actor.id, now=rt.now(),
                                 max_bytes=rt.engine.max_bpmn_bytes, name=name,
                                 draft_id=draft_id, revision=revision)


def delete_draft(rt: Runtime, actor: Actor, draft_id: int) -> None:
    policy.require(actor, "design")
    with unit_of_work(rt) as conn:
        drafts.delete_draft(conn, draft_id)


def export_draft(rt: Runtime, actor: Actor, draft_id: int) -> tuple[bytes, str]:
    """A draft as a .bpmn file: its bytes and its file name."""
    draft = get_draft(rt, actor, draft_id)
    name = (draft["process_key"] or f"draft-{draft_id}") + ".bpmn"
    return draft["bpmn"].encode("utf-8"), name


def import_draft(rt: Runtime, actor: Actor, data: bytes,
                 filename: str | None = None) -> dict[str, Any]:
    """A new draft from an uploaded file (unsafe files are refused with located reasons),
    with the problems deploying it would report."""
    policy.require(actor, "design")
    name = (filename or "").rsplit("/", 1)[-1].removesuffix(".bpmn") or None
    with unit_of_work(rt) as conn:
        draft = drafts.import_file(conn, rt.engine, data, actor=actor.id, now=rt.now(),
                                   name=name)
        problems = drafts.check(conn, rt.engine, data, draft["forms"])
    return {**draft, "problems": [p.as_dict() for p in problems]}


# -- migration -----------------------------------------------------------------------------

def migration_preview(rt: Runtime, actor: Actor, key: str, from_version: int,
                      to_version: int, mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    policy.require(actor, "design")
    version_number(key, from_version)
    version_number(key, to_version)
    with reading(rt) as conn:
        return moves.preview(conn, rt.engine, key, from_version, to_version, mapping)


def start_migration(rt: Runtime, actor: Actor, key: str, from_version: int, to_version: int,
                    mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    policy.require(actor, "design")
    version_number(key, from_version)
    version_number(key, to_version)
    with unit_of_work(rt) as conn:
        batch_id = moves.start_batch(conn, rt.engine, key, from_version, to_version, mapping,
                                     actor)
        return moves.batch_status(conn, batch_id)


def run_migration(rt: Runtime, actor: Actor, batch_id: int,
                  limit: int | None = None) -> dict[str, Any]:
    """Move up to ``limit`` pending cases of the batch (all by default); returns its status."""
    policy.require(actor, "design")
    if limit is not None:
        whole_number(limit, "limit")
    return moves.run_batch(rt.engine, lambda: write_transaction(rt.db), batch_id, actor, limit)


def migration_status(rt: Runtime, actor: Actor, batch_id: int) -> dict[str, Any]:
    policy.require(actor, "design")
    with reading(rt) as conn:
        return moves.batch_status(conn, batch_id)
