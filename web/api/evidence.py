"""API v1: evidence files. Upload a photo or document (``POST /evidence``, multipart field
``file``), name its ``ev-…`` reference in a form's evidence field, read it back at
``/evidence/ev-…``. A form naming evidence the caller may not use is refused before
anything starts or completes; once the form is accepted the files are attached to the case.
The upload limit is the pages' (``HAZARDFLOW_MAX_UPLOAD_BYTES``): see ``UPLOADS`` in
``web/api/__init__.py``."""

from __future__ import annotations

import re
from typing import Any

from flask import Response

from hazardflow.engine import NotFound
from hazardflow.workflows.evidence import Evidence

from .. import files
from . import bp, current_actor, login_required
from .models.common import EVIDENCE_PATTERN, MAX_ID
from .models.core import StoredEvidence
from .spec import BINARY, endpoint

TAG = "evidence"
REF = re.compile(EVIDENCE_PATTERN)
KINDS = ["before", "after", "document", "other"]
UPLOAD = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": BINARY, "kind": {"type": "string", "enum": KINDS, "default": "other"}}}}}
PATH = {"ref": {"pattern": EVIDENCE_PATTERN, "examples": ["ev-12"]}}
FILE = {200: {"*/*": {"schema": BINARY}}}  # as uploaded: images inline, others attached


def described(item: Evidence) -> dict[str, Any]:
    """An upload as the API answers it: its reference and the API's URLs for it."""
    return {**files.described(item), "url": f"/api/v1/evidence/{item.ref}",
            "thumb_url": f"/api/v1/evidence/{item.ref}/thumb" if item.thumb_key else None}


def _number(ref: str) -> int:
    if not REF.fullmatch(ref) or int(ref[3:]) > MAX_ID:
        raise NotFound(f"没有证据文件 {ref!r}，引用形如 ev-12 (no evidence {ref!r}: a "
                       "reference looks like ev-12)")
    return int(ref[3:])


@bp.post("/evidence")
@login_required
@endpoint("upload_evidence", TAG, {201: StoredEvidence}, errors=(413, 422), body=UPLOAD)
def upload_evidence() -> tuple[Response, int]:
    """上传照片或文件（按内容检查，图片生成缩略图）；在表单证据字段中写答复的 id (upload a
    photo or document, checked by content; name the answered id in a form's evidence field)"""
    return files.receive_upload(current_actor(), described)


@bp.get("/evidence/<ref>")
@login_required
@endpoint("get_evidence", TAG, {200: None}, errors=(404,), files=FILE, path=PATH)
def download(ref: str) -> Response:
    """证据文件：上传者或可查看其案件者 (an evidence file: for its uploader, or whoever may
    see its case)"""
    return files.send_evidence(current_actor(), _number(ref))


@bp.get("/evidence/<ref>/thumb")
@login_required
@endpoint("get_evidence_thumb", TAG, {200: None}, errors=(404,),
          files={200: {"image/jpeg": {"schema": BINARY}}}, path=PATH)
def thumbnail(ref: str) -> Response:
    """证据图片的缩略图 (an evidence image's thumbnail)"""
    return files.send_evidence(current_actor(), _number(ref), thumb=True)
