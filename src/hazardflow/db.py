"""The database as the application sees it: all tables, Alembic upgrades, engine creation."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from hazardflow.engine.db import make_engine
from hazardflow.engine.schema import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def all_metadata() -> sa.MetaData:
    """The one MetaData holding every table (importing the modules registers them)."""
    import hazardflow.engine.journal  # noqa: F401
    import hazardflow.engine.schema_designer  # noqa: F401
    import hazardflow.workflows.schema  # noqa: F401
    import hazardflow.workflows.schema_campaigns  # noqa: F401
    import hazardflow.workflows.schema_classification  # noqa: F401
    import hazardflow.workflows.schema_consultations  # noqa: F401
    import hazardflow.workflows.schema_delivery  # noqa: F401
    import hazardflow.workflows.schema_duty  # noqa: F401
    import hazardflow.workflows.schema_emergency  # noqa: F401
    import hazardflow.workflows.schema_events  # noqa: F401
    import hazardflow.workflows.schema_files  # noqa: F401
    import hazardflow.workflows.schema_imports  # noqa: F401
    import hazardflow.workflows.schema_inbox  # noqa: F401
    import hazardflow.workflows.schema_lookback  # noqa: F401
    import hazardflow.workflows.schema_monitor  # noqa: F401
    import hazardflow.workflows.schema_plans  # noqa: F401
    import hazardflow.workflows.schema_reporting  # noqa: F401
    import hazardflow.workflows.schema_reports  # noqa: F401
    import hazardflow.workflows.schema_rewards  # noqa: F401
    import hazardflow.workflows.schema_supervision  # noqa: F401
    import hazardflow.workflows.sessions  # noqa: F401

    return metadata


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (head by default) on SQLite or PostgreSQL alike."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def open_database(url: str) -> sa.Engine:
    return make_engine(url)
