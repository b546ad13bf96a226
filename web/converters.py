"""URL converters shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns


class IdConverter(IntegerConverter):
    """``<int:...>`` for database ids: a number past MAX_ID matches no route (404) instead
    of overflowing the database driver (500)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)
