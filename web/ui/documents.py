"""Pages: evidence files and printable documents."""

from __future__ import annotations

from . import bp  # noqa: F401
