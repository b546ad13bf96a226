"""Tables of this concern; they live on the engine's ``metadata`` (one Alembic history)."""

from __future__ import annotations

from hazardflow.engine.schema import metadata  # noqa: F401
