"""Pages: evidence files (upload, view, thumbnail) and the numbered documents.

- ``POST /evidence`` (multipart ``file``, optional ``kind``; CSRF header or field) →
  201 ``{id: "ev-12", url, thumb_url, filename, content_type, size}``; errors are JSON
  ``{error, message, details}`` with 400 (no file), 413 (too large), 422 (refused type).
- ``GET /evidence/<id>`` and ``/evidence/<id>/thumb``: the bytes, 404 unless visible.
- ``POST /cases/<id>/documents/<notice|opinion>`` (CSRF): issue (签发/出具) the case's
  document in the name of the body that ordered (re-checked), numbered, for a user entitled
  to sign for that body (``policy.may_sign_for``); back to the case.
- ``GET /cases/<id>/documents/<notice|opinion>.pdf``: the case's issued document; 404,
  saying so, while none is issued. A GET never issues anything.
- ``GET /documents/<id>.pdf``: an issued document, for whoever sees all the cases it lists.
"""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.wrappers import Response as Redirect

from hazardflow.workflows.usecases import documents as usecase

from .. import files
from ..extensions import runtime
from . import bp, current_actor, login_required


def _upload_limit() -> None:
    """Uploads may be larger than other requests: raise the limit before anything (the CSRF
    check included) reads the body."""
    if request.endpoint == "ui.upload_evidence":
        files.allow_upload_size()


@bp.record_once
def _first(state: BlueprintSetupState) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


@bp.post("/evidence")
@login_required
def upload_evidence() -> tuple[Response, int]:
    return files.receive_upload(current_actor())


@bp.get("/evidence/<int:evidence_id>")
@login_required
def evidence_file(evidence_id: int) -> Response:
    return files.send_evidence(current_actor(), evidence_id)


@bp.get("/evidence/<int:evidence_id>/thumb")
@login_required
def evidence_thumb(evidence_id: int) -> Response:
    return files.send_evidence(current_actor(), evidence_id, thumb=True)


@bp.post("/cases/<int:case_id>/documents/<kind>")
@login_required
def issue_document(case_id: int, kind: str) -> Redirect:
    issued = usecase.issue(runtime, current_actor(), case_id, kind, files.request_base())
    doc = issued.document
    if issued.fresh:
        flash(_("已签发%(name)s %(number)s。", name=_(doc.kind_name), number=doc.number), "info")
    else:
        flash(_("%(name)s %(number)s 已签发，仍然有效。", name=_(doc.kind_name),
                number=doc.number), "info")
    return redirect(url_for("ui.case", case_id=case_id, _anchor="documents"), code=303)


@bp.get("/cases/<int:case_id>/documents/<kind>.pdf")
@login_required
def case_document(case_id: int, kind: str) -> Response:
    return files.send_document(usecase.case_document(runtime, current_actor(), case_id, kind))


@bp.get("/documents/<int:document_id>.pdf")
@login_required
def document_pdf(document_id: int) -> Response:
    return files.send_document(usecase.document(runtime, current_actor(), document_id))
