"""The periodic seal with the settings' key and witness (hazardflow.workflows.audit_seal)."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hazardflow.config import ConfigError, Settings, load_settings
from hazardflow.engine import audit
from hazardflow.engine.db import new_id, write_transaction
from hazardflow.engine.schema import deployment, process_case, process_definition
from hazardflow.engine.seal import key_id, verify_sealed
from hazardflow.workflows.audit_seal import (
    audit_keys,
    create_key_file,
    read_witness,
    seal_with_settings,
)

from ..engine.support import T0

ENV_KEY = "cd" * 32


def settings_in(tmp_path: Path, **env: str) -> Settings:
    return load_settings(env={"HAZARDFLOW_INSTANCE_PATH": str(tmp_path), **env})


def append_records(db: sa.Engine, case_id: int | None, count: int) -> int:
    """``count`` more records on the case (a new case when None); returns the case id."""
    with write_transaction(db) as conn:
        if case_id is None:
            definition = conn.execute(sa.select(process_definition.c.id)).scalar()
            if definition is None:
                dep = new_id(conn.execute(sa.insert(deployment).values(
                    sha256="0" * 64, bpmn_xml="", forms="{}", deployed_by="t", deployed_at=T0)))
                definition = new_id(conn.execute(sa.insert(process_definition).values(
                    key="k", version=1, name="k", deployment_id=dep, deployed_at=T0)))
            case_id = new_id(conn.execute(sa.insert(process_case).values(
                definition_id=definition, status="active", revision=1, state=b"",
                started_by="t", created_at=T0, updated_at=T0)))
        for n in range(count):
            audit.append(conn, case_id, "t", "step", {"n": n}, T0)
    return case_id


def test_the_periodic_seal_writes_only_when_a_log_grew_and_witnesses_each_checkpoint(
        db: sa.Engine, tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    assert create_key_file(settings) == tmp_path / "audit.key"
    assert stat.S_IMODE((tmp_path / "audit.key").stat().st_mode) == 0o600
    assert create_key_file(settings) is None  # there already
    case_id = append_records(db, None, 2)
    first = seal_with_settings(db, settings, T0)
    assert first is not None and first.case_count == 1
    assert seal_with_settings(db, settings, T0 + timedelta(hours=1)) is None
    append_records(db, case_id, 1)
    append_records(db, None, 1)
    second = seal_with_settings(db, settings, T0 + timedelta(hours=2))
    assert second is not None and (second.id, second.case_count) == (2, 2)
    witness = read_witness(Path(settings.audit_witness_file))
    assert witness == [(1, first.mac), (2, second.mac)]
    with db.connect() as conn:
        assert list(verify_sealed(conn, audit_keys(settings), witness)) == []


def test_the_environment_key_wins_and_no_file_is_made(db: sa.Engine, tmp_path: Path) -> None:
    (tmp_path / "audit.key").write_text("ef" * 32 + "\n")
    settings = settings_in(tmp_path, HAZARDFLOW_AUDIT_KEY=f"{ENV_KEY}, {'01' * 16}")
    assert audit_keys(settings) == [bytes.fromhex(ENV_KEY), bytes.fromhex("01" * 16)]
    append_records(db, None, 1)
    sealed = seal_with_settings(db, settings, T0)
    assert sealed is not None and sealed.key_id == key_id(bytes.fromhex(ENV_KEY))
    assert create_key_file(settings_in(tmp_path / "other", HAZARDFLOW_AUDIT_KEY=ENV_KEY)) is None
    assert not (tmp_path / "other" / "audit.key").exists()


def test_without_a_key_the_seal_says_how_to_get_one(db: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hazardflow init-db creates it"):
        seal_with_settings(db, settings_in(tmp_path), T0)


def test_a_damaged_witness_file_is_refused_not_ignored(tmp_path: Path) -> None:
    assert read_witness(tmp_path / "none") is None
    (tmp_path / "w").write_text(f"1 {'a' * 64}\n\n2 not-a-mac\n")
    with pytest.raises(ConfigError, match="line 3"):
        read_witness(tmp_path / "w")
