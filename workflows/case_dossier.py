"""The 隐患档案: a case's whole record (``case_record``) as a printable PDF (WeasyPrint, Noto
CJK fonts). Photos are embedded from the evidence storage as data URIs: nothing is fetched."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from .calendar import BusinessCalendar
from .case_record import Step
from .document_render import templates
from .evidence import Storage
from .ledger import LEVELS, status_name


def filename(hazard: dict[str, Any] | None, case_id: int) -> str:
    return f"dossier-{(hazard or {}).get('code') or case_id}.pdf"


def _images(steps: list[Step], storage: Storage) -> dict[int, str]:
    out: dict[int, str] = {}
    for step in steps:
        for entry in step.entries:
            for item in entry.files:
                if not item.is_image or item.id in out:
                    continue
                key = item.thumb_key or item.storage_key
                try:
                    data = storage.get(key)
                except (OSError, ValueError):
                    continue
                kind = "image/jpeg" if item.thumb_key else item.content_type
                out[item.id] = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    return out


def render_html(hazard: dict[str, Any] | None, case_id: int, steps: list[Step],
                storage: Storage, calendar: BusinessCalendar, now: datetime) -> str:
    level = LEVELS.get((hazard or {}).get("level") or "", "")
    status = status_name(hazard["status"], hazard.get("level")) if hazard else ""
    return templates().get_template("dossier.html").render(
        hz=hazard, case_id=case_id, steps=steps, images=_images(steps, storage),
        level=level, status=status, printed=calendar.local(now).strftime("%Y-%m-%d %H:%M"))


def render_pdf(hazard: dict[str, Any] | None, case_id: int, steps: list[Step],
               storage: Storage, calendar: BusinessCalendar, now: datetime) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(hazard, case_id, steps, storage, calendar, now)
    data_only = URLFetcher(allowed_protocols={"data"})  # the embedded photos, nothing else
    pdf: bytes = HTML(string=html, url_fetcher=data_only).write_pdf()
    return pdf
