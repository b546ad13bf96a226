"""What each field of a JSON Schema form is, for every caller: the pages render it, the
use-cases check and attach its evidence, the API documents it.

Widgets follow the schema: ``oneOf`` of consts → a choice (radios for up to three); ``format:
date`` → a date; long strings → a textarea; booleans → a checkbox; arrays of strings named
``photos_*``/``evidence*``, or whose items are titled 证据编号 (or marked ``"x-widget":
"evidence"``) → evidence (``ev-…`` references to uploaded files); other arrays → one value per
line. Person fields (``"x-widget": "user"`` or ``*_user``) name a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LONG_TEXT = 200
EVIDENCE_ITEM = "证据编号"  # the item title our forms give evidence ids


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def choices(spec: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """(value, title) of a field's ``oneOf`` consts or ``enum``."""
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
        return "multi" if choices(items) else "lines"
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    found = choices(spec)
    if found:
        return "radio" if len(found) <= 3 else "select"
    if spec.get("format") == "date":
        return "date"
    if spec.get("format") == "date-time":
        return "datetime"
    if name.endswith("_user"):
        return "user"
    if int(spec.get("maxLength") or 0) > LONG_TEXT:
        return "textarea"
    return "text"


def properties(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(name, spec) of each top-level field, in the order the form lists them."""
    return [(name, spec) for name, spec in _mapping(schema.get("properties")).items()
            if isinstance(spec, Mapping)]


def evidence_fields(schema: Mapping[str, Any] | None,
                    data: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence fields of ``schema`` that ``data`` fills, with their values."""
    if not schema:
        return {}
    return {name: data[name] for name, spec in properties(schema)
            if name in data and widget(name, spec) == "evidence"}
