"""Alembic owns the schema: an empty database upgrades to head and matches the models."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from hazardflow.cli import main
from hazardflow.db import all_metadata, current_revision, head_revision, upgrade
from hazardflow.engine.db import make_engine


def test_empty_database_upgrades_to_head_matching_the_models(empty_url: str) -> None:
    engine = make_engine(empty_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_metadata())
    assert diff == [], f"models and migrations disagree: {diff}"
    engine.dispose()


def test_init_db_twice_is_harmless_and_seeds_the_lifecycle_once(empty_url: str,
                                                                  tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HAZARDFLOW_INSTANCE_PATH": str(tmp_path / "inst")}
    first = runner.invoke(main, ["--database-url", empty_url, "init-db"], env=env)
    assert first.exit_code == 0, first.output
    assert "hazard_lifecycle v1" in first.output
    second = runner.invoke(main, ["--database-url", empty_url, "init-db"], env=env)
    assert second.exit_code == 0, second.output
    assert "v2" not in second.output
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select count(*) from process_definition "
                                        "where key = 'hazard_lifecycle'")).scalar()
    assert versions == 1
    engine.dispose()
