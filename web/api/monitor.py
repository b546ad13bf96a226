"""API v1: the monitor endpoints (their OpenAPI entries are registered here too)."""

from __future__ import annotations

from . import bp  # noqa: F401
