"""URL converters shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns


class IdConverter(IntegerConverter):
    """``<int:...>`` for database ids: a number past MAX_ID finds nothing (404) instead of
    overflowing the database driver (500). It is refused with NotFound, not as a value the
    rule does not match: then werkzeug would look at the same path's rules for other
    methods, and a PUT or DELETE of an id out of range would answer 405 where the GET
    answers 404."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> Any:
        number = super().to_python(value)
        if isinstance(number, int) and number > MAX_ID:
            raise NotFound()
        return number
