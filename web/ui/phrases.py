"""A notice's sentences in the reader's language, from the parts the domain stored with them
(``workflows/phrases.py``); a notice stored without parts reads as it was sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from . import tr as _word  # gettext that leaves empty text empty, formats nothing

log = logging.getLogger("hazardflow.web")


def say(parts: Mapping[str, Any]) -> str:
    """One phrase through the catalogue: its form, its words, its phrases in turn (the
    values are given as a mapping, so no name of theirs can clash with a parameter)."""
    words = set(parts.get("words") or ())
    values = {name: say(value) if isinstance(value, Mapping)
              else (_word(value) if name in words else str(value))
              for name, value in (parts.get("values") or {}).items()}
    return str(_word(str(parts["form"])) % values)


def notice_texts(row: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of a notification row as the reader reads them; as stored when it has
    no parts, or parts this code cannot read (logged, never a failed page)."""
    if not row.get("said"):
        return str(row["title"]), str(row["body"])
    try:
        said = json.loads(row["said"])
        return say(said["title"]), say(said["body"])
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("notification %s: its stored parts do not read", row.get("id"),
                    exc_info=True)
        return str(row["title"]), str(row["body"])
