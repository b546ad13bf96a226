"""Public reports (举报投诉): filing and tracking without signing in, and the staff's list,
report page and key rotation. Each function is one user action in one unit of work: a
refused report writes nothing (no row, no photo, no case)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.fernet import MultiFernet

from hazardflow.engine import Actor

from .. import public_reports, public_reports_keys, public_reports_view
from ..public_reports import Filed, Photo
from ..runtime import Runtime
from ..uow import reading, unit_of_work

__all__ = ["Filed", "Photo"]


def _keys(rt: Runtime) -> tuple[MultiFernet, str]:
    keys = public_reports_keys.load_keys(rt.settings.instance_path)
    return public_reports_keys.keyring(keys), keys[0]


def file_report(rt: Runtime, data: Mapping[str, Any], photos: Sequence[Photo], *,
                address: str, channel: str = "web") -> Filed:
    """File a report from the public page or the API; the code and PIN to track it."""
    ring, first = _keys(rt)
    with unit_of_work(rt) as conn:
        return public_reports.file_report(
            conn, rt.engine, ring=ring, ring_key=first, storage=rt.storage,
            calendar=rt.calendar, data=data, photos=photos, address=address,
            channel=channel, now=rt.now())


def track(rt: Runtime, code: Any, pin: Any) -> dict[str, Any] | None:
    """The status and public reply of a report, for its code and PIN; None otherwise."""
    with reading(rt) as conn:
        return public_reports.track(conn, code, pin)


def search_units(rt: Runtime, query: Any) -> list[dict[str, str]]:
    with reading(rt) as conn:
        return public_reports.search_units(conn, query)


def list_reports(rt: Runtime, actor: Actor, *, status: str | None = None,
                 offset: int = 0) -> dict[str, Any]:
    with reading(rt) as conn:
        return public_reports_view.list_reports(conn, actor, status=status, offset=offset)


def report_page(rt: Runtime, actor: Actor, report_id: int) -> dict[str, Any]:
    ring, _ = _keys(rt)
    with reading(rt) as conn:
        return public_reports_view.report_detail(conn, rt.engine, actor, ring, rt.calendar,
                                                 report_id)


def rotate_key(rt: Runtime, *, new_key: bool = True) -> int:
    """Put a new key first (unless ``new_key`` is False) and re-encrypt every contact with
    it; how many were re-encrypted (the CLI's ``reports rotate-key``)."""
    with unit_of_work(rt) as conn:
        return public_reports_keys.rotate(conn, rt.settings.instance_path, new_key=new_key)
