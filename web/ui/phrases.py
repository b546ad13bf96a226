"""A notice's sentences in the reader's language, from the parts the domain stored with them
(``workflows/phrases.py``); a notice stored without parts reads as it was sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _


def say(parts: Mapping[str, Any]) -> str:
    """One phrase through the catalogue: its form, its words, its phrases in turn."""
    words = set(parts.get("words") or ())
    values = {name: say(value) if isinstance(value, Mapping)
              else (_(value) if name in words and value else str(value))
              for name, value in (parts.get("values") or {}).items()}
    return _(str(parts["form"]), **values)


def notice_texts(row: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of a notification row as the reader reads them."""
    if not row.get("said"):
        return str(row["title"]), str(row["body"])
    said = json.loads(row["said"])
    return say(said["title"]), say(said["body"])
