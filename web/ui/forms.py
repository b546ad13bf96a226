"""JSON Schema forms as HTML: the same schema the engine validates renders the inbox's form.

``render_form(schema, data, errors)`` gives the fields (with the browser's own checks from
``required``/``minLength``/``maxLength``/``format``), ``parse_form(schema, form)`` turns the
posted fields back into typed data for the engine, which validates again and answers with
Chinese messages per field; those are shown next to their fields.

Widgets follow the schema: ``oneOf`` of consts → a select (radios for up to three choices);
``format: date`` → a date picker; long strings → a textarea; booleans → a checkbox; arrays of
strings named ``photos_*``/``evidence*``, or whose items are titled 证据编号 (or marked
``"x-widget": "evidence"``) → an evidence uploader (photos taken on a phone are uploaded
first, their ids posted with the form); other arrays → one value per line. Person fields
(``"x-widget": "user"`` or ``*_user``) get a list of suggestions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import render_template
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

LONG_TEXT = 200
EVIDENCE_ITEM = "证据编号"  # the item title our forms give evidence ids


def gettext(text: Any) -> str:
    from . import tr

    return tr(text)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _choices(spec: Mapping[str, Any]) -> list[tuple[Any, str]]:
    if isinstance(spec.get("oneOf"), list):
        return [(o.get("const"), str(o.get("title", o.get("const")))) for o in spec["oneOf"]
                if isinstance(o, Mapping) and "const" in o]
    if isinstance(spec.get("enum"), list):
        return [(v, str(v)) for v in spec["enum"]]
    return []


def widget(name: str, spec: Mapping[str, Any]) -> str:
    explicit = spec.get("x-widget")
    if isinstance(explicit, str):
        return explicit
    kind = spec.get("type")
    if kind == "array":
        items = _mapping(spec.get("items"))
        if name.startswith(("photos_", "evidence")) or items.get("title") == EVIDENCE_ITEM \
                or items.get("x-widget") == "evidence":
            return "evidence"
        return "multi" if _choices(items) else "lines"
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    choices = _choices(spec)
    if choices:
        return "radio" if len(choices) <= 3 else "select"
    if spec.get("format") == "date":
        return "date"
    if spec.get("format") == "date-time":
        return "datetime"
    if name.endswith("_user"):
        return "user"
    if int(spec.get("maxLength") or 0) > LONG_TEXT:
        return "textarea"
    return "text"


def fields(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    props = _mapping(schema.get("properties"))
    required = set(schema.get("required") or [])
    out = []
    for name, spec in props.items():
        if not isinstance(spec, Mapping):
            continue
        items = _mapping(spec.get("items"))
        choices = [(c, gettext(t)) for c, t in (_choices(spec) or _choices(items))]
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
