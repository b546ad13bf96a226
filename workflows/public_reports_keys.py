"""The key that encrypts reporters' contact details at rest, and its rotation.

Contact details (name, phone, e-mail) are a Fernet token (AES-128-CBC with HMAC-SHA256,
from ``cryptography``) in ``public_report.contact_enc``; the database never holds them in
clear. Keys, newest first:

- ``HAZARDFLOW_REPORT_KEY``: comma-separated Fernet keys (urlsafe base64, 32 bytes). Set,
  it wins over the key file (a secret store or the service's environment);
- else the key file ``HAZARDFLOW_REPORT_KEY_FILE`` (default ``<instance>/report.key``), one
  key per line, created with a fresh key on first use (mode 0600).

The first key encrypts; every key decrypts (``MultiFernet``). ``hazardflow reports
rotate-key`` puts a new key first in the file and re-encrypts every stored token with it
(:func:`rotate`); the old keys may then be deleted from the file. With the keys in the
environment, put the new key first there, restart, and run ``rotate-key --reencrypt-only``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Connection

from .schema_reports import public_report

ENV_KEY = "HAZARDFLOW_REPORT_KEY"
ENV_KEY_FILE = "HAZARDFLOW_REPORT_KEY_FILE"
CONTACT_FIELDS = ("name", "phone", "email")


def key_file(instance_path: str, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(ENV_KEY_FILE) or Path(instance_path) / "report.key")


def _write_keys(path: Path, keys: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text("\n".join(keys) + "\n", encoding="ascii")
    draft.chmod(0o600)
    os.replace(draft, path)


def _file_keys(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="ascii").splitlines()
            if line.strip() and not line.startswith("#")]


def load_keys(instance_path: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The keys, newest first: the environment's, else the file's (created when missing)."""
    env = os.environ if env is None else env
    given = [k.strip() for k in env.get(ENV_KEY, "").split(",") if k.strip()]
    if given:
        return given
    path = key_file(instance_path, env)
    keys = _file_keys(path)
    if not keys:
        keys = [Fernet.generate_key().decode("ascii")]
        _write_keys(path, keys)
    return keys


def keyring(keys: list[str]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode("ascii")) for k in keys])
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"{ENV_KEY} / report.key: not a Fernet key ({exc})") from None


def encrypt_contact(ring: MultiFernet, contact: Mapping[str, Any]) -> str | None:
    """The token of the non-empty contact fields; None when there are none."""
    kept = {k: str(contact[k]) for k in CONTACT_FIELDS if contact.get(k)}
    if not kept:
        return None
    return ring.encrypt(json.dumps(kept, ensure_ascii=False).encode("utf-8")).decode("ascii")


def decrypt_contact(ring: MultiFernet, token: str | None) -> dict[str, str] | None:
    """The contact fields of a token; None for none; ValueError when no key opens it."""
    if not token:
        return None
    try:
        found = json.loads(ring.decrypt(token.encode("ascii")).decode("utf-8"))
    except InvalidToken:
        raise ValueError("联系方式无法解密：密钥已更换而未重新加密 (no report key decrypts "
                         "this contact)") from None
    return {k: str(v) for k, v in found.items()}


def reencrypt_all(conn: Connection, ring: MultiFernet) -> int:
    """Re-encrypt every stored contact with the first key; returns how many."""
    rows = conn.execute(sa.select(public_report.c.id, public_report.c.contact_enc).where(
        public_report.c.contact_enc.is_not(None))).all()
    for row in rows:
        fresh = ring.rotate(row.contact_enc.encode("ascii")).decode("ascii")
        conn.execute(sa.update(public_report).where(public_report.c.id == row.id)
                     .values(contact_enc=fresh))
    return len(rows)


def add_new_key(instance_path: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Put a fresh key first in the key file (the old ones stay, to decrypt); the new list.
    Refused when the keys come from the environment: the operator changes those."""
    env = os.environ if env is None else env
    if env.get(ENV_KEY, "").strip():
        raise ValueError(f"the keys come from {ENV_KEY}: put the new key first there, "
                         f"restart, then run rotate-key --reencrypt-only")
    path = key_file(instance_path, env)
    keys = [Fernet.generate_key().decode("ascii"), *_file_keys(path)]
    _write_keys(path, keys)
    return keys


def rotate(conn: Connection, instance_path: str, *, new_key: bool = True,
           env: Mapping[str, str] | None = None) -> int:
    """Rotate: a new first key (unless ``new_key`` is False), then every stored contact
    re-encrypted with it, in the caller's transaction; returns how many were re-encrypted."""
    keys = add_new_key(instance_path, env) if new_key else load_keys(instance_path, env)
    return reencrypt_all(conn, keyring(keys))
