"""Evidence files as a user handles them: upload one (stored unattached, the uploader's
until a form names it), and read one back or its thumbnail.

A file someone may not see does not exist for them (``evidence.may_view``: its uploader, or
whoever may see the case it is attached to): NotFound, never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from hazardflow.engine import Actor, NotFound

from .. import evidence
from ..runtime import Runtime
from ..uow import reading, unit_of_work


def upload(rt: Runtime, actor: Actor, *, filename: str, data: bytes,
           kind: str = "other") -> evidence.Evidence:
    """Check and store one file for ``actor``, unattached (``evidence.save_upload``):
    InvalidInput for a refused type or kind, PayloadTooLarge above the upload limit."""
    with unit_of_work(rt) as conn:
        return evidence.save_upload(conn, rt.storage, filename=filename, data=data, kind=kind,
                                    uploaded_by=actor.id, now=rt.now(),
                                    max_bytes=rt.settings.max_upload_bytes)


@dataclass(frozen=True)
class EvidenceFile:
    item: evidence.Evidence
    data: bytes
    content_type: str
    thumb: bool


def _missing(evidence_id: int) -> NotFound:
    return NotFound(f"证据 {evidence.ref(evidence_id)} 不存在 "
                    f"(evidence {evidence.ref(evidence_id)} does not exist)")


def read_file(rt: Runtime, actor: Actor, evidence_id: int, *,
              thumb: bool = False) -> EvidenceFile:
    """The file's bytes (or its JPEG thumbnail) if ``actor`` may see it, else NotFound."""
    with reading(rt) as conn:
        item = evidence.get_evidence(conn, evidence_id)
        if item is None or not evidence.may_view(conn, actor, item):
            raise _missing(evidence_id)
    key = item.thumb_key if thumb else item.storage_key
    if not key:  # a thumbnail of a file that has none (not an image)
        raise _missing(evidence_id)
    return EvidenceFile(item, rt.storage.get(key), "image/jpeg" if thumb else item.content_type,
                        thumb)
