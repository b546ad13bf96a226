"""``hazardflow audit verify | seal | rotate-key`` and the audit key ``init-db`` creates, on
SQLite and PostgreSQL: each attack on a sealed log makes ``audit verify`` exit 1 and name
the case (or the checkpoint)."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from hazardflow.cli import main
from hazardflow.engine import audit
from hazardflow.engine.db import make_engine, new_id, write_transaction
from hazardflow.engine.schema import process_case, process_definition

from .engine import tamper
from .engine.support import T0

Run = Callable[..., Result]
ENV_KEY = "ab" * 32


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def run(empty_url: str, instance: Path) -> Run:
    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, ["--database-url", empty_url, *args], env={
            "HAZARDFLOW_INSTANCE_PATH": str(instance), **(env or {})})
    return invoke


@pytest.fixture
def database(empty_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def three_cases(db: sa.Engine) -> list[int]:
    """Cases with 2, 3 and 4 records, appended by the engine's audit module."""
    ids = []
    with write_transaction(db) as conn:
        definition = conn.execute(sa.select(process_definition.c.id).limit(1)).scalar_one()
        for records in (2, 3, 4):
            case_id = new_id(conn.execute(sa.insert(process_case).values(
                definition_id=definition, status="active", revision=1, state=b"",
                started_by="clerk", created_at=T0, updated_at=T0)))
            for n in range(records):
                audit.append(conn, case_id, "clerk", "complete", {"step": n, "note": "已整改"},
                             T0 + timedelta(minutes=n), element_id="Task_Rectify")
            ids.append(case_id)
    return ids


@pytest.fixture
def sealed(run: Run, database: sa.Engine) -> sa.Engine:
    """:func:`three_cases`, sealed in checkpoint 1, witnessed in the instance folder."""
    ok(run("init-db"))
    three_cases(database)
    assert "checkpoint 1 written: 3 case head(s) sealed" in ok(run("audit", "seal"))
    return database


def longest_case(db: sa.Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT case_id FROM audit_event GROUP BY case_id "
            "ORDER BY max(seq) DESC, case_id LIMIT 1")).scalar_one())


def test_init_db_creates_the_audit_key_once_readable_by_its_owner_only(
        run: Run, instance: Path) -> None:
    first = ok(run("init-db"))
    key_file = instance / "audit.key"
    assert f"audit key created: {key_file}" in first and "已创建审计密钥" in first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert "audit key" not in ok(run("init-db"))
    assert key_file.read_text() == key


def test_init_db_makes_no_key_file_when_the_key_is_in_the_environment(
        run: Run, instance: Path) -> None:
    assert "audit key" not in ok(run("init-db", env={"HAZARDFLOW_AUDIT_KEY": ENV_KEY}))
    assert not (instance / "audit.key").exists()


def test_a_short_or_malformed_environment_key_is_refused_without_echoing_it(run: Run) -> None:
    result = run("units", "list", env={"HAZARDFLOW_AUDIT_KEY": "zz" + ENV_KEY})
    assert result.exit_code != 0 and "key 1 is not hexadecimal" in result.stderr
    assert ENV_KEY not in result.output
    result = run("units", "list", env={"HAZARDFLOW_AUDIT_KEY": "abcd"})
    assert result.exit_code != 0 and "at least 16 bytes" in result.stderr


def test_an_unsealed_log_verifies_as_before(run: Run, database: sa.Engine) -> None:
    ok(run("init-db"))
    case_id = three_cases(database)[0]
    assert ok(run("audit", "verify")) == "audit log intact: 9 record(s) verified\n"
    with database.begin() as conn:
        conn.execute(sa.text("UPDATE audit_event SET payload = '{}' "
                             "WHERE case_id = :c AND seq = 2"), {"c": case_id})
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert result.stderr == f"case {case_id} record 2: record content does not match its hash\n"


def test_a_sealed_untouched_log_verifies_with_its_checkpoints_and_witness(
        run: Run, sealed: sa.Engine, instance: Path) -> None:
    out = ok(run("audit", "verify"))
    assert out.startswith("audit log intact: ")
    assert "checkpoints intact: 1, the newest is 1" in out
    assert f"1 checkpoint(s) checked against {instance / 'audit.witness'}" in out


@pytest.mark.parametrize(("attack", "reason"), [
    (lambda conn, case: tamper.truncate_tail(conn, case, keep=1), "(truncated tail)"),
    (lambda conn, case: tamper.delete_case(conn, case), "(deleted case)"),
    (lambda conn, case: tamper.recompute_chain(conn, case), "(the chain was recomputed)"),
], ids=["truncated-tail", "deleted-case", "recomputed-chain"])
def test_audit_verify_names_the_case_of_each_attack(
        run: Run, sealed: sa.Engine, attack: Callable[[sa.Connection, int], object],
        reason: str) -> None:
    case_id = longest_case(sealed)
    with sealed.begin() as conn:
        attack(conn, case_id)
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"案件 {case_id}：") and f" / case {case_id}" in line
    assert line.endswith(reason)
    assert "intact" not in result.stdout


@pytest.mark.parametrize(("attack", "line"), [
    (lambda conn, case: tamper.delete_latest_checkpoint(conn),
     "数据库外记录的封存点 1 在数据库中已不存在（最新的封存点被删除） / checkpoint 1 is missing, "
     "though recorded outside the database (the newest checkpoints were deleted)"),
    (lambda conn, case: tamper.edit_latest_checkpoint(conn, case, 1),
     "封存点 1 的 MAC 校验失败（被改动或伪造） / checkpoint 1: its MAC does not verify (the "
     "checkpoint was edited or forged)"),
], ids=["deleted", "edited"])
def test_audit_verify_reports_the_latest_checkpoint_deleted_or_edited(
        run: Run, sealed: sa.Engine, attack: Callable[[sa.Connection, int], object],
        line: str) -> None:
    case_id = longest_case(sealed)
    with sealed.begin() as conn:
        attack(conn, case_id)
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [line]


def test_checkpoints_without_a_key_cannot_pass(run: Run, sealed: sa.Engine,
                                               instance: Path) -> None:
    (instance / "audit.key").unlink()
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "1 checkpoint(s) cannot be checked: no audit key" in result.stderr


def test_rotate_key_keeps_the_old_key_to_verify_the_history(
        run: Run, sealed: sa.Engine, instance: Path) -> None:
    old = [line for line in (instance / "audit.key").read_text().splitlines()
           if not line.startswith("#")]
    out = ok(run("audit", "rotate-key"))
    assert "checkpoint 2 sealed with the old key, 3 with the new key" in out
    keys = [line for line in (instance / "audit.key").read_text().splitlines()
            if not line.startswith("#")]
    assert len(keys) == 2 and keys[1:] == old
    assert stat.S_IMODE((instance / "audit.key").stat().st_mode) == 0o600
    assert "checkpoints intact: 3" in ok(run("audit", "verify"))
    only_new = run("audit", "verify", env={"HAZARDFLOW_AUDIT_KEY": keys[0]})
    assert only_new.exit_code == 1
    assert "checkpoint 1 was sealed with a key that was not given" in only_new.stderr
    refused = run("audit", "rotate-key", env={"HAZARDFLOW_AUDIT_KEY": keys[0]})
    assert refused.exit_code != 0 and "rotate it there" in refused.stderr
