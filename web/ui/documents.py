"""Pages: evidence files (upload, view, thumbnail) and the numbered documents as PDF.

- ``POST /evidence`` (multipart ``file``, optional ``kind``; CSRF header or field) →
  201 ``{id: "ev-12", url, thumb_url, filename, content_type, size}``; errors are JSON
  ``{error, message, details}`` with 400 (no file), 413 (too large), 422 (refused type).
- ``GET /evidence/<id>`` and ``/evidence/<id>/thumb``: the bytes, 404 unless visible.
- ``GET /cases/<id>/documents/<notice|opinion>.pdf``: the case's current document; an
  entitled user (see ``documents.may_issue``) issues it, numbered, on first download.
- ``GET /documents/<id>.pdf``: an issued document, for whoever sees all the cases it lists.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, jsonify, request
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestEntityTooLarge

from hazardflow.engine import InvalidInput, PayloadTooLarge
from hazardflow.engine.db import read_transaction, write_transaction
from hazardflow.workflows import documents, filecheck
from hazardflow.workflows import evidence as ev
from hazardflow.workflows.ledger import hazard_for_case
from hazardflow.workflows.policy import case_visible
from hazardflow.workflows.units import county_of

from .. import security
from ..extensions import runtime
from . import bp, current_actor, login_required

STORAGE_KEY = "hazardflow_storage"
MULTIPART_SLACK = 256 * 1024  # the form's boundaries and other fields around the file


def storage() -> ev.Storage:
    """The app's evidence storage, built once from the settings."""
    found: ev.Storage | None = current_app.extensions.get(STORAGE_KEY)
    if found is None:
        found = ev.LocalDiskStorage(runtime.settings.storage_path)
        current_app.extensions[STORAGE_KEY] = found
    return found


def _upload_limit() -> None:
    """Uploads may be larger than other requests: raise the limit before anything (the CSRF
    check included) reads the body."""
    if request.endpoint == "ui.upload_evidence":
        request.max_content_length = runtime.settings.max_upload_bytes + MULTIPART_SLACK


@bp.record_once
def _first(state: BlueprintSetupState) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": code, "message": message,
                    "details": [{"message": message, "field": "file"}]}), status


def _described(item: ev.Evidence) -> dict[str, Any]:
    return {"id": item.ref, "url": f"/evidence/{item.id}",
            "thumb_url": f"/evidence/{item.id}/thumb" if item.thumb_key else None,
            "filename": item.filename, "content_type": item.content_type, "size": item.size,
            "kind": item.kind}


@bp.post("/evidence")
@login_required
def upload_evidence() -> tuple[Response, int]:
    return receive_upload()


def receive_upload() -> tuple[Response, int]:
    """Store the request's ``file`` (``kind`` optional) for the signed-in user, unattached:
    201 with its reference, or 400/413/422 with the reason. The page and the API share it."""
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
        with write_transaction(runtime.db) as conn:
            item = ev.save_upload(conn, storage(), filename=upload.filename, data=data,
                                  kind=kind, uploaded_by=current_actor().id,
                                  now=runtime.engine.clock.now(), max_bytes=limit)
    except PayloadTooLarge as exc:
        return _error(413, "too_large", exc.message)
    except InvalidInput as exc:
        message = exc.details[0].message if exc.details else exc.message
        return _error(422, exc.code, message)
    return jsonify(_described(item)), 201


def _visible_evidence(evidence_id: int) -> ev.Evidence:
    with read_transaction(runtime.db) as conn:
        item = ev.get_evidence(conn, evidence_id)
        if item is None or not ev.may_view(conn, current_actor(), item):
            abort(404)
    return item


def _download_name(item: ev.Evidence, thumb: bool) -> str:
    """The uploaded name with the extension of what the file really is."""
    stem = item.filename.rsplit(".", 1)[0] if "." in item.filename else item.filename
    stem = security.safe_filename(stem, f"evidence-{item.id}")
    if thumb:
        return f"{stem}-thumb.jpg"
    return stem + filecheck.EXTENSIONS.get(item.content_type.split(";")[0], "")


def _file(data: bytes, mimetype: str, name: str) -> Response:
    response = security.file_response(data, mimetype, name)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/evidence/<int:evidence_id>")
@login_required
def evidence_file(evidence_id: int) -> Response:
    return send_evidence(evidence_id)


def send_evidence(evidence_id: int) -> Response:
    """The file, if the signed-in user may see it (else 404); the page and the API share it.
    Only raster images show in the browser; anything else downloads (web/security.py)."""
    item = _visible_evidence(evidence_id)
    return _file(storage().get(item.storage_key), item.content_type,
                 _download_name(item, False))


@bp.get("/evidence/<int:evidence_id>/thumb")
@login_required
def evidence_thumb(evidence_id: int) -> Response:
    item = _visible_evidence(evidence_id)
    if not item.thumb_key:
        abort(404)
    return _file(storage().get(item.thumb_key), "image/jpeg", _download_name(item, True))


def _pdf(document_id: int, number: str) -> Response:
    with read_transaction(runtime.db) as conn:
        body = documents.render_pdf(conn, document_id)
    response = security.document_response(body, f"{number}.pdf")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/cases/<int:case_id>/documents/<kind>.pdf")
@login_required
def case_document(case_id: int, kind: str) -> Response:
    if kind not in documents.KINDS:
        abort(404)
    actor = current_actor()
    # a notice before the order, or an opinion before the re-check: Conflict → 409
    with write_transaction(runtime.db) as conn:
        row = hazard_for_case(conn, case_id)
        if row is None or not case_visible(conn, actor, case_id):
            abort(404)
        doc = documents.current_document(conn, kind, case_id)
        if doc is None and documents.may_issue(conn, actor, kind, case_id):
            doc = documents.issue_document(
                conn, kind=kind, case_ids=[case_id],
                issuer_unit_code=county_of(conn, row["unit_code"]).code,
                issued_by=actor.id, now=runtime.engine.clock.now())
        if doc is None:  # not entitled to issue: the latest one issued, if any
            doc = next((d for d in reversed(documents.documents_for_case(conn, case_id))
                        if d.kind == kind), None)
        if doc is None:
            abort(404, description=f"尚未出具{documents.KINDS[kind].name}")
    return _pdf(doc.id, doc.number)


@bp.get("/documents/<int:document_id>.pdf")
@login_required
def document_pdf(document_id: int) -> Response:
    actor = current_actor()
    with read_transaction(runtime.db) as conn:
        doc = documents.get_document(conn, document_id)
        listed = documents.document_case_ids(conn, document_id) if doc else []
        if doc is None or not all(case_visible(conn, actor, c) for c in listed):
            abort(404)
    return _pdf(doc.id, doc.number)
