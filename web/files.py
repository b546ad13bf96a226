"""Evidence files over HTTP, for the pages and the API alike: receive an upload, send a
stored file back. Both call the evidence use-cases; only the HTTP is here.

- :func:`receive_upload`: the request's multipart ``file`` (``kind`` optional) → 201
  ``{id: "ev-12", url, thumb_url, filename, content_type, size, kind}``, or a JSON error
  ``{error, message, details: [{message, field: "file"}]}`` with 400 (no file), 413 (too
  large) or 422 (a refused type or kind).
- :func:`send_evidence`: the file (or its thumbnail) through ``security.file_response``:
  raster images inline, anything else a sandboxed attachment, never sniffed.
- :func:`send_document`: an issued document's PDF (``security.document_response``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from hazardflow.engine import Actor, InvalidInput, PayloadTooLarge
from hazardflow.workflows import filecheck
from hazardflow.workflows.evidence import Evidence
from hazardflow.workflows.usecases import evidence as usecase
from hazardflow.workflows.usecases.documents import Rendered

from . import security
from .extensions import runtime

MULTIPART_SLACK = 256 * 1024  # the form's boundaries and other fields around the file


def allow_upload_size() -> None:
    """Let this request's body reach the upload limit (other requests stay below the
    smaller request limit); call it before anything, the CSRF check included, reads it."""
    request.max_content_length = runtime.settings.max_upload_bytes + MULTIPART_SLACK


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": code, "message": message,
                    "details": [{"message": message, "field": "file"}]}), status


def described(item: Evidence) -> dict[str, Any]:
    """What an upload answers: its ``ev-…`` reference and where to read it back."""
    return {"id": item.ref, "url": f"/evidence/{item.id}",
            "thumb_url": f"/evidence/{item.id}/thumb" if item.thumb_key else None,
            "filename": item.filename, "content_type": item.content_type, "size": item.size,
            "kind": item.kind}


def receive_upload(actor: Actor, describe: Callable[[Evidence], dict[str, Any]] = described
                   ) -> tuple[Response, int]:
    """Store the request's ``file`` for ``actor``, unattached (see the module doc); the
    answer is ``describe(item)`` (the API links to its own URLs)."""
    limit = runtime.settings.max_upload_bytes
    too_large = f"文件过大，上限为 {limit / 1048576:.0f} MB"
    try:
        upload = request.files.get("file")
        kind = request.form.get("kind") or "other"
    except RequestEntityTooLarge:
        return _error(413, "too_large", too_large)
    if upload is None or not upload.filename:
        return _error(400, "no_file", "请选择要上传的文件")
    data = upload.stream.read(limit + 1)
    try:
        item = usecase.upload(runtime, actor, filename=upload.filename, data=data, kind=kind)
    except PayloadTooLarge as exc:
        return _error(413, "too_large", exc.message)
    except InvalidInput as exc:
        message = exc.details[0].message if exc.details else exc.message
        return _error(422, exc.code, message)
    return jsonify(describe(item)), 201


def _download_name(item: Evidence, thumb: bool) -> str:
    """The uploaded name with the extension of what the file really is."""
    stem = item.filename.rsplit(".", 1)[0] if "." in item.filename else item.filename
    stem = security.safe_filename(stem, f"evidence-{item.id}")
    if thumb:
        return f"{stem}-thumb.jpg"
    return stem + filecheck.EXTENSIONS.get(item.content_type.split(";")[0], "")


def send_evidence(actor: Actor, evidence_id: int, *, thumb: bool = False) -> Response:
    """The file (or its thumbnail) if ``actor`` may see it; NotFound (404) otherwise."""
    found = usecase.read_file(runtime, actor, evidence_id, thumb=thumb)
    response = security.file_response(found.data, found.content_type,
                                      _download_name(found.item, thumb))
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def request_base() -> str:
    """The scheme and host this request came to: the default base of the verification URL
    an issued document's QR code carries (``HAZARDFLOW_PUBLIC_URL`` wins over it)."""
    return request.host_url


def send_document(found: Rendered) -> Response:
    """A document the app made (整改通知书, 复查意见书), shown in the browser's PDF viewer."""
    response = security.document_response(found.pdf, f"{found.document.number}.pdf")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
