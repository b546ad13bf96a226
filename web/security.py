"""Security headers on every response, and how stored files are answered.

Pages get a Content-Security-Policy that runs only the app's own script files (no inline
script, no eval), never lets another site frame them, and keeps referrers on the site.
Styles may be inline: ECharts and bpmn-js set style attributes as they draw.

A file someone uploaded (evidence, a BPMN diagram) is answered from the app's own origin,
so it must never run as a page there: anything but a raster image (JPEG, PNG, WebP, GIF)
downloads as an attachment, and every such response carries ``sandbox; default-src 'none'``
and ``nosniff``, so even a file opened by hand has no origin, no script and no styles.

These are headers of our own rather than Flask-Talisman's: Talisman replaces every
response's policy with the app's (or a per-view one set on the view function), while our
file responses are built by helpers shared by the pages and the API behind view wrappers
that do not carry function attributes; here a response that sets its own policy keeps it.
Talisman would also force HTTPS, which intranet deployments over plain HTTP cannot have.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Any

from flask import Flask, Response, current_app, request, send_file

PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
FILE_CSP = "sandbox; default-src 'none'"
# our own PDFs (notices, opinions): Chrome's PDF viewer needs inline styles and an embed,
# so only framing is forbidden; their content is made by WeasyPrint, never uploaded
DOCUMENT_CSP = "frame-ancestors 'none'"
RASTER_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
HSTS = "max-age=31536000"


def safe_filename(name: str, fallback: str) -> str:
    """A download name without control characters, quotes or path separators."""
    cleaned = "".join(c for c in name if unicodedata.category(c)[0] != "C"
                      and c not in '"\\/;')
    return cleaned.strip(" .") or fallback


def _send(data: bytes, content_type: str, filename: str, inline: bool) -> Response:
    response = send_file(io.BytesIO(data), mimetype=content_type, as_attachment=not inline,
                         download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def file_response(data: bytes, content_type: str, filename: str) -> Response:
    """A stored file that a user provided: raster images inline, anything else as an
    attachment (RFC 6266 ``filename*`` for a Chinese name), always sandboxed."""
    inline = content_type.split(";")[0].strip().lower() in RASTER_TYPES
    response = _send(data, content_type, safe_filename(filename, "file"), inline)
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response


def document_response(data: bytes, filename: str) -> Response:
    """A PDF the app made itself, shown in the browser's PDF viewer."""
    response = _send(data, "application/pdf", safe_filename(filename, "document.pdf"), True)
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return response


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_app.extensions["hazardflow"].settings.secure_cookies and request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)


# -- public reports (/report and its API twin): no sign-in, so limited per address and overall
REPORT_PER_ADDRESS_MINUTE = 5  # filings from one address a minute
REPORT_PER_MINUTE = 120  # filings from everyone a minute (a flood from many addresses)
TRACK_PER_ADDRESS_MINUTE = 20  # code + PIN look-ups from one address a minute


def public_report_wait(what: str) -> int:
    """Count one public-report request (``file`` or ``track``) in the sign-in limiter's
    shared storage: 0 when it may be served, else the seconds to wait. A filing is counted
    against its address first and only then against everyone, so one address's burst is
    refused without using up the others' share."""
    from . import signin

    guard, address = signin.policy(), signin.client_address()
    if what == "track":
        return guard.throttle("report-track", address, TRACK_PER_ADDRESS_MINUTE)
    wait = guard.throttle("report-file", address, REPORT_PER_ADDRESS_MINUTE)
    return wait or guard.throttle("report-file-all", "*", REPORT_PER_MINUTE)


def public_report_photos() -> list[Any]:
    """The request's ``photos`` files (empty file inputs skipped), each read up to one byte
    past the cap (the use-case refuses it in Chinese), for the page and the API alike."""
    from hazardflow.workflows.public_reports import MAX_PHOTO_BYTES, Photo

    return [Photo(f.filename or "photo", f.stream.read(MAX_PHOTO_BYTES + 1))
            for f in request.files.getlist("photos") if f and f.filename]
