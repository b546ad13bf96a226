"""Documents as HTML and PDF (WeasyPrint, Noto CJK fonts), from what was frozen at issue.

Each form has its template (``doc_templates/<form>.html`` over ``base.html``). A regulator's
prints its legal basis by article, the appeal-rights sentence and its inspectors with their
执法证号; every document issued since they exist prints its QR code (an inline SVG, nothing
fetched) and verification code, pointing at ``/verify/<code>``. A document issued before
the frozen content existed renders as it did then (the county's name, no QR code).
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from importlib import resources
from typing import Any

import segno
from jinja2 import FunctionLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from sqlalchemy.engine import Connection

from hazardflow.engine import NotFound

from .calendar import BusinessCalendar
from .documents import (
    FORMS,
    cn_date,
    content_of,
    documents_for_case,
    get_document,
    issuer_of,
    snapshots,
)


def _load_template(name: str) -> str | None:
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = resources.files("hazardflow.workflows").joinpath("doc_templates", name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


@functools.cache
def templates() -> ImmutableSandboxedEnvironment:
    """The sandboxed environment of ``doc_templates/`` (documents and reports alike)."""
    env = ImmutableSandboxedEnvironment(loader=FunctionLoader(_load_template), autoescape=True,
                                        undefined=StrictUndefined)
    env.filters["cn_date"] = _cn_date_filter
    return env


@pass_context
def _cn_date_filter(context: Context, value: datetime | date | str | None) -> str:
    """``cn_date`` in a template, in the business time of the ``calendar`` it renders with."""
    return cn_date(value, context["calendar"])


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (medium error correction, 2 mm modules)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=2, border=2, dark="#000"))  # noqa: S704 -- segno's own SVG


def render_html(conn: Connection, document_id: int, calendar: BusinessCalendar) -> str:
    """The document as HTML (what the PDF is made from)."""
    doc = get_document(conn, document_id)
    if doc is None:
        raise NotFound(f"文书 {document_id} 不存在 (document {document_id} does not exist)")
    issuer = issuer_of(conn, doc)
    cases = snapshots(conn, document_id)
    content = content_of(conn, document_id)
    recipients = list(dict.fromkeys(c["unit_name"] for c in cases))
    notices = list(dict.fromkeys(
        d.number for c in cases for d in documents_for_case(conn, c["case_id"])
        if d.kind == "notice" and d.issued_at <= doc.issued_at))
    spec = FORMS.get(doc.form)
    frozen = bool(content) and spec is not None
    template = templates().get_template(f"{doc.form}.html" if frozen else f"{doc.kind}.html")
    verify_url = content.get("verify_url", "")
    return template.render(
        doc=doc, kind_name=doc.kind_name, issuer=issuer, issuer_name=content.get(
            "issuer_name", issuer.name), recipients=recipients, cases=cases, notices=notices,
        regulator=bool(spec and spec.regulator), content=content,
        dated_on=cn_date(doc.dated_on or doc.issued_at, calendar), issued_on=cn_date(
            doc.issued_at, calendar), verify_url=verify_url,
        qr=qr_svg(verify_url) if verify_url else "", calendar=calendar)


def render_pdf(conn: Connection, document_id: int, calendar: BusinessCalendar) -> bytes:
    """The document as an A4 PDF (WeasyPrint, Noto CJK fonts)."""
    from weasyprint import HTML  # heavy: imported when a PDF is first asked for

    pdf: bytes = HTML(string=render_html(conn, document_id, calendar),
                      url_fetcher=_no_fetching).write_pdf()
    return pdf


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    """Documents are self-contained: nothing is fetched while rendering."""
    raise ValueError(f"documents do not load resources ({url[:60]})")
