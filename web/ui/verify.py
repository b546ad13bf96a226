"""The public page a document's QR code points at: ``GET /verify/<code>`` (no sign-in).

It shows what the issued document says (the issuing body, form and number, date, unit,
deadlines, the key sentences and a short digest of the PDF as issued) for the reader to
compare with the printout; an unknown code is a 404 page in Chinese. Each address may ask
``HAZARDFLOW_VERIFY_PER_ADDRESS_MINUTE`` times a minute (429 with Retry-After beyond), in
the sign-in counts' shared storage, so the codes cannot be tried in bulk."""

from __future__ import annotations

from flask import Response, render_template

from hazardflow.workflows.usecases import documents as usecase

from .. import signin
from ..extensions import runtime
from . import bp


@bp.get("/verify/<code>")
def verify_document(code: str) -> Response:
    wait = signin.policy().throttle("verify", signin.client_address(),
                                    runtime.settings.verify_per_address_minute)
    if wait:
        page = render_template("verify.html", found=None, wait=wait)
        return Response(page, status=429, headers={"Retry-After": str(wait)})
    found = usecase.verify(runtime, code)
    response = Response(render_template("verify.html", found=found, wait=0))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the code stays off other sites
    return response
