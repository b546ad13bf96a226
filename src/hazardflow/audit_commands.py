"""``hazardflow audit …``: check the audit log, seal it, rotate its key.

Problems are printed one a line on stderr, in Chinese and then in English; any problem
exits 1. What each check catches is in ``hazardflow.engine.seal``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hazardflow.config import ConfigError, Settings

ZH = {
    "checkpoint_missing": "封存点 {cps} 缺失（被删除）",
    "checkpoint_link": "封存点 {cp} 与前一个封存点接不上",
    "checkpoint_digest": "封存点 {cp} 的案件列表与其摘要不符（被改动）",
    "checkpoint_mac": "封存点 {cp} 的 MAC 校验失败（被改动或伪造）",
    "checkpoint_key": "封存点 {cp} 所用的密钥不在配置的密钥之中",
    "checkpoint_retired_key": "封存点 {cp} 在启用新密钥之后仍用旧密钥封存",
    "witness_missing": "数据库外记录的封存点 {cps} 在数据库中已不存在（最新的封存点被删除）",
    "witness_mismatch": "封存点 {cp} 与数据库外的记录不一致（被替换）",
    "deleted_case": "案件 {case}：已封存到第 {seq} 条记录（封存点 {cp}），"
                    "但记录已全部不见（案件被删除）",
    "truncated_tail": "案件 {case}：封存点 {cp} 封存的第 {seqs} 条记录缺失（末尾被截断）",
    "recomputed_chain": "案件 {case}：第 {seq} 条记录的哈希与封存点 {cp} 封存的不同，"
                        "而哈希链自身完整（整条链被重新计算）",
    "altered_record": "案件 {case}：第 {seq} 条记录的哈希与封存点 {cp} 封存的不同",
}


def _span(first: int | None, last: int | None) -> str:
    return str(first) if last is None or first == last else f"{first}–{last}"


def describe(problem: Any) -> str:
    """One line for a :class:`hazardflow.engine.seal.SealBreak`: Chinese / English."""
    zh = ZH[problem.kind].format(
        case=problem.case_id, cp=problem.checkpoint_id, seq=problem.seq,
        cps=_span(problem.checkpoint_id, problem.until), seqs=_span(problem.seq, problem.until))
    return f"{zh} / {problem.reason}"


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[Any]:
    from hazardflow.db import open_database

    db = open_database(settings.database_url)
    try:
        yield db
    finally:
        db.dispose()


def create_key(settings: Settings) -> str | None:
    """For ``hazardflow init-db``: create the key file when missing; what to print, if any."""
    from hazardflow.workflows.audit_seal import create_key_file

    path = create_key_file(settings)
    if path is None:
        return None
    return (f"已创建审计密钥 {path}，请勿放在数据库服务器上或数据库备份中 / audit key created: "
            f"{path} (keep it off the database server and out of its backups)")


@click.group()
def audit() -> None:
    """The audit log: verify it, seal it, rotate its key."""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check every hash chain and every sealed checkpoint; exit 1 on any problem."""
    import sqlalchemy as sa

    from hazardflow.engine import audit as chain
    from hazardflow.engine import seal
    from hazardflow.engine.schema import audit_event
    from hazardflow.workflows.audit_seal import audit_keys, read_witness

    settings: Settings = ctx.obj
    witness_path = Path(settings.audit_witness_file)
    try:
        witness = read_witness(witness_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        keys: list[bytes] | None = audit_keys(settings)
        key_problem = ""
    except ConfigError as exc:
        keys, key_problem = None, str(exc)
    with _database(settings) as db, db.connect() as conn:
        problems = [f"case {b.case_id} record {b.seq}: {b.reason}" for b in chain.verify(conn)]
        count = conn.execute(sa.select(sa.func.count()).select_from(audit_event)).scalar()
        checkpoints = seal.checkpoints(conn)
        if keys is None and checkpoints:
            problems.append(f"有 {len(checkpoints)} 个封存点，但没有审计密钥，无法核验 / "
                            f"{len(checkpoints)} checkpoint(s) cannot be checked: {key_problem}")
        else:
            problems += [describe(p) for p in seal.verify_sealed(conn, keys or [], witness or ())]
    for line in problems:
        click.echo(line, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"audit log intact: {count} record(s) verified")
    if checkpoints:
        newest = checkpoints[-1]
        at = newest.created_at.isoformat(timespec="seconds")
        click.echo(f"封存点完好：共 {len(checkpoints)} 个，最新为 {newest.id}（{at}）/ "
                   f"checkpoints intact: {len(checkpoints)}, the newest is {newest.id} ({at})")
        if witness is None:
            click.echo(f"没有见证文件 {witness_path}，最新封存点被删除将无从发现 / "
                       f"no witness file at {witness_path}: deleting the newest checkpoints "
                       "would go unnoticed")
        else:
            click.echo(f"见证文件核对了 {len(witness)} 个封存点 / {len(witness)} checkpoint(s) "
                       f"checked against {witness_path}")


@audit.command("seal")
@click.pass_context
def audit_seal(ctx: click.Context) -> None:
    """Write a checkpoint now, sealing the head of every case whose log grew."""
    from hazardflow.workflows.audit_seal import seal_with_settings

    settings: Settings = ctx.obj
    try:
        with _database(settings) as db:
            sealed = seal_with_settings(db, settings, datetime.now(UTC), force=True)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    assert sealed is not None
    click.echo(f"已写入封存点 {sealed.id}，封存了 {sealed.case_count} 个案件的最新记录 / "
               f"checkpoint {sealed.id} written: {sealed.case_count} case head(s) sealed")


@audit.command("rotate-key")
@click.pass_context
def audit_rotate_key(ctx: click.Context) -> None:
    """Seal with the current key, put a new key first in the key file, seal with it."""
    from hazardflow.workflows.audit_seal import rotate_key

    settings: Settings = ctx.obj
    try:
        with _database(settings) as db:
            before, after = rotate_key(db, settings, datetime.now(UTC))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    path = settings.audit_key_file
    click.echo(f"已用旧密钥写入封存点 {before.id}，用新密钥（{after.key_id}）写入封存点 "
               f"{after.id}；旧密钥留在 {path} 中以核验历史 / checkpoint {before.id} sealed "
               f"with the old key, {after.id} with the new key (id {after.key_id}); the old key "
               f"stays in {path} to verify the history")
