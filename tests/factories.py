"""Factories the suites share: a runtime over a test database, built as the shells build one."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hazardflow.bootstrap import build_runtime
from hazardflow.config import load_settings
from hazardflow.engine import Clock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows import evidence
from hazardflow.workflows.runtime import Runtime


def make_runtime(db: sa.Engine, clock: Clock | None = None, instance: Path | str | None = None,
                 **settings: Any) -> Runtime:
    """A runtime over ``db`` (``build_runtime`` with the settings a test gives; the instance
    folder, where evidence files go, is a fresh temporary one unless given)."""
    folder = str(instance) if instance is not None else tempfile.mkdtemp(prefix="hazardflow-")
    loaded = load_settings(env={}, overrides={
        "database_url": db.url.render_as_string(hide_password=False),
        "instance_path": folder, "secret_key": "test-secret", "scheduler": False, **settings})
    return build_runtime(loaded, clock=clock, db=db)


def upload(rt: Runtime, username: str, name: str = "photo") -> str:
    """A file ``username`` uploaded just now (a small text file), as its ``ev-…`` reference."""
    with write_transaction(rt.db) as conn:
        row = evidence.save_upload(conn, rt.storage, filename=f"{name}.txt",
                                   data=f"{name}\n".encode(), kind="other",
                                   uploaded_by=username, now=rt.now(), max_bytes=1024 * 1024)
    return evidence.ref(row.id)


def with_uploads(rt: Runtime, data: Mapping[str, Any], username: str) -> dict[str, Any]:
    """``data`` with each placeholder evidence id (``ev-before-1``) replaced by a real upload
    of ``username``'s, as a phone would have made just before sending the form."""
    out = dict(data)
    for key, value in data.items():
        if isinstance(value, list) and value and all(
                isinstance(v, str) and v.startswith("ev-") for v in value):
            out[key] = [upload(rt, username, v) if evidence.parse_ref(v) is None else v
                        for v in value]
    return out
