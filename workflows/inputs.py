"""Whole numbers a user sends (ids, versions, limits, pages), checked before any query.

The database columns are 32-bit integers: a number past them would overflow the driver (a
500), so a use-case checks the range first and answers in the user's terms: a number out
of range is ``InvalidInput`` naming its field, a version that cannot exist is ``NotFound``.
"""

from __future__ import annotations

import re
from typing import Any

from hazardflow.engine import Detail, InvalidInput, NotFound

MAX_INT = 2**31 - 1  # ids, versions and counts are 32-bit INTEGER columns
DIGITS = re.compile(r"[+-]?[0-9]{1,19}")  # longer is out of range anyway (and slow to read)


def whole_number(value: Any, field: str, *, low: int = 1, high: int = MAX_INT) -> int:
    """``value`` as an int between ``low`` and ``high``; InvalidInput naming ``field``
    otherwise (text of decimal digits is accepted, as a form or a query string sends it)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise InvalidInput(f"{field} 须为 {low} 至 {high} 之间的整数 "
                           f"({field} must be a whole number from {low} to {high})",
                           [Detail(f"须为 {low} 至 {high} 之间的整数 "
                                   f"(a whole number from {low} to {high})", field=field)])
    return number


def version_number(key: str, version: int) -> int:
    """``version`` if it can be a version of a process; a number out of range names no
    version at all (NotFound, as for a version not deployed)."""
    if not 1 <= version <= MAX_INT:
        raise NotFound(f"流程 {key!r} 没有第 {version} 版 "
                       f"(no deployed process {key!r} version {version})")
    return version
