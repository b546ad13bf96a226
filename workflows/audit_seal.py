"""Sealing the audit log (``hazardflow.engine.seal``) with the key and witness the settings
name, on a schedule or from the command line.

The key never enters the database. ``HAZARDFLOW_AUDIT_KEY`` (hex; several, comma-separated:
the current key first, then retired ones) wins over the key file ``HAZARDFLOW_AUDIT_KEY_FILE``
(default ``<instance>/audit.key``, one hex key per line, current first), which
``hazardflow init-db`` creates when missing, readable by its owner only.

The witness file ``HAZARDFLOW_AUDIT_WITNESS_FILE`` (default ``<instance>/audit.witness``)
gets ``<number> <mac>`` for each checkpoint once it is committed: the one thing the database
cannot show by itself is its newest checkpoints deleted, and the witness does.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from hazardflow.config import ConfigError, Settings, parse_audit_keys
from hazardflow.engine.db import write_transaction
from hazardflow.engine.seal import Checkpoint, seal

SEAL_SECONDS = 3600.0  # how often the schedulers seal: hourly


def audit_keys(settings: Settings) -> list[bytes]:
    """The audit keys, current first: ``HAZARDFLOW_AUDIT_KEY`` when set, else the key file."""
    if settings.audit_key:
        return parse_audit_keys(settings.audit_key, "HAZARDFLOW_AUDIT_KEY")
    path = Path(settings.audit_key_file)
    if not path.is_file():
        raise ConfigError(f"no audit key: {path} does not exist (hazardflow init-db creates "
                          "it) and HAZARDFLOW_AUDIT_KEY is not set")
    keys = parse_audit_keys(path.read_text(encoding="ascii"), str(path))
    if not keys:
        raise ConfigError(f"no audit key: {path} holds none")
    return keys


def _write_new(path: Path, text: str) -> bool:
    """Create ``path`` (mode 0600) holding ``text`` unless it exists; a racing reader never
    sees it half-written. True if this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(draft, path)
        return True
    except FileExistsError:
        return False
    finally:
        draft.unlink()


def _key_file_text(keys: Sequence[bytes]) -> str:
    return ("# hazardflow audit keys: the first seals, every one verifies. Keep this file off\n"
            "# the database server and out of its backups.\n"
            + "".join(k.hex() + "\n" for k in keys))


def create_key_file(settings: Settings) -> Path | None:
    """Create the key file with a new key when it is missing and no key is set in the
    environment; returns its path when it was created."""
    path = Path(settings.audit_key_file)
    if settings.audit_key or path.exists():
        return None
    return path if _write_new(path, _key_file_text([secrets.token_bytes(32)])) else None


def read_witness(path: Path) -> list[tuple[int, str]] | None:
    """The (number, MAC) of each checkpoint recorded; None when there is no witness file."""
    if not path.is_file():
        return None
    seen = []
    for n, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 64:
            raise ConfigError(f"{path} line {n}: not '<checkpoint number> <mac>'")
        seen.append((int(parts[0]), parts[1]))
    return seen


def record_witness(path: Path, checkpoint: Checkpoint) -> None:
    """Append one checkpoint to the witness file (created with mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write(f"{checkpoint.id} {checkpoint.mac}\n")
        handle.flush()
        os.fsync(handle.fileno())


def seal_now(db: Engine, key: bytes, now: datetime, witness: Path | None = None, *,
             force: bool = False) -> Checkpoint | None:
    """Write a checkpoint of every case whose log grew (always one when ``force``), commit
    it, then record it in ``witness``. None when nothing grew."""
    with write_transaction(db) as conn:
        checkpoint = seal(conn, key, now, force=force)
    if checkpoint is not None and witness is not None:
        record_witness(witness, checkpoint)
    return checkpoint


def seal_with_settings(db: Engine, settings: Settings, now: datetime, *,
                       force: bool = False) -> Checkpoint | None:
    """The periodic job of both drivers, every :data:`SEAL_SECONDS`: seal with the current
    key, witnessed in the settings' witness file. Raises ConfigError without a key."""
    return seal_now(db, audit_keys(settings)[0], now, Path(settings.audit_witness_file),
                    force=force)


def rotate_key(db: Engine, settings: Settings, now: datetime) -> tuple[Checkpoint, Checkpoint]:
    """Seal under the current key, put a new key first in the key file (the old ones stay,
    to verify the history), then seal under the new key; returns both checkpoints."""
    if settings.audit_key:
        raise ConfigError("the audit key comes from HAZARDFLOW_AUDIT_KEY: rotate it there "
                          "(a new key first, then the old ones, comma-separated)")
    keys = audit_keys(settings)
    path, witness = Path(settings.audit_key_file), Path(settings.audit_witness_file)
    before = seal_now(db, keys[0], now, witness, force=True)
    assert before is not None
    draft = path.with_name(f".{path.name}.rotate.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(_key_file_text([secrets.token_bytes(32), *keys]))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(draft, path)
    after = seal_now(db, audit_keys(settings)[0], now, witness, force=True)
    assert after is not None
    return before, after
