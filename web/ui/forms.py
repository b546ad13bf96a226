"""JSON Schema forms as HTML: the same schema the engine validates renders the inbox's form.

``render_form(schema, data, errors)`` gives the fields (``web/formhtml.py``, shared with the
designer's preview in the API), ``parse_form(schema, form)`` turns the
posted fields back into typed data for the engine, which validates again and answers with
Chinese messages per field; those are shown next to their fields.

Widgets follow what ``hazardflow.workflows.formfields`` says each field is: choices → a
select (radios for up to three), dates → a date picker, evidence → an uploader (photos taken
on a phone are uploaded first, their ids posted with the form), person fields → a list of
suggestions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from werkzeug.datastructures import MultiDict

from ..formhtml import fields, render_form

__all__ = ["errors_by_field", "fields", "parse_form", "render_form"]


def _number(raw: str, integer: bool) -> Any:
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        return raw  # the engine's validator says it is not a number, next to the field


def parse_form(schema: Mapping[str, Any], form: MultiDict[str, str],
               prefix: str = "") -> dict[str, Any]:
    """Posted fields → typed data; empty fields are left out (so ``required`` catches them)."""
    data: dict[str, Any] = {}
    for field in fields(schema):
        name, spec, kind = field["name"], field["spec"], field["widget"]
        key = prefix + name
        if kind in ("evidence", "multi"):
            values = [v.strip() for v in form.getlist(key) if v.strip()]
            if values:
                data[name] = list(dict.fromkeys(values))
            continue
        if kind == "lines":
            values = [v.strip() for v in form.get(key, "").splitlines() if v.strip()]
            if values:
                data[name] = values
            continue
        if kind == "checkbox":
            data[name] = form.get(key) in ("on", "true", "1")
            continue
        raw = form.get(key, "").strip()
        if raw == "":
            continue
        if kind == "number":
            data[name] = _number(raw, spec.get("type") == "integer")
        else:
            consts = [c for c, _ in field["choices"]]
            data[name] = next((c for c in consts if str(c) == raw), raw)
    return data


def errors_by_field(details: Sequence[Any]) -> dict[str, str]:
    """Engine validation details → {field: message}; messages without a field under ''."""
    out: dict[str, str] = {}
    for d in details:
        name = (getattr(d, "field", None) or "").split("/")[0].split(".")[0]
        out.setdefault(name, "")
        out[name] = (out[name] + "；" if out[name] else "") + str(getattr(d, "message", d))
    return out
