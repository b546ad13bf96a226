"""JSON Schema forms as HTML, for the pages and the API alike: the inbox's form, and the
designer's preview of it (the API's ``/designer/forms/preview`` answers the very HTML a
task page shows).

``render_form(schema, data, errors)`` gives the fields (with the browser's own checks from
``required``/``minLength``/``maxLength``/``format``); widgets follow what
``hazardflow.workflows.formfields`` says each field is: choices → a select (radios for up
to three), dates → a date picker, evidence → an uploader, person fields → a list of
suggestions. Reading the posted fields back is the pages' (``web/ui/forms.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from hazardflow.workflows.formfields import choices as choices_of
from hazardflow.workflows.formfields import properties, widget


def gettext(text: Any) -> str:
    """gettext that leaves empty text empty (gettext("") is the catalog's header)."""
    return str(_(str(text))) if text else ""


def fields(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required") or [])
    out = []
    for name, spec in properties(schema):
        items: Mapping[str, Any] = spec["items"] if isinstance(spec.get("items"), Mapping) \
            else {}
        choices = [(c, gettext(t)) for c, t in (choices_of(spec) or choices_of(items))]
        out.append({"name": name, "spec": spec, "title": gettext(spec.get("title", name)),
                    "help": gettext(spec.get("description", "")), "required": name in required,
                    "widget": widget(name, spec), "choices": choices})
    return out


def render_form(schema: Mapping[str, Any], data: Mapping[str, Any] | None = None,
                errors: Mapping[str, str] | None = None,
                people: Sequence[tuple[str, str]] = (), prefix: str = "",
                suggestions: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> Markup:
    """The fields of ``schema`` as HTML, filled with ``data``, ``errors`` shown per field.
    ``people`` are suggested for person fields, ``suggestions`` (value, label) for the text
    fields they name (e.g. the running campaigns for ``campaign``)."""
    html = render_template("ui/_form.html", fields=fields(schema), data=data or {},
                           errors=errors or {}, people=people, prefix=prefix,
                           suggestions=suggestions or {})
    return Markup(html)  # noqa: S704  (rendered by Jinja with autoescape on)
