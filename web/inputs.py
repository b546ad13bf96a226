"""What no request may carry: text with U+0000 (PostgreSQL cannot store it, and refuses it
even in a query's parameters: a 500), numbers that are not finite (NaN, Infinity: not
JSON) and days the business calendar cannot place (before ``FIRST_DAY``, after
``LAST_DAY``). ``refuse_unstorable_input`` answers 400 before anything else reads such a request;
the monitor and designer pages register it on their blueprints (the API has its own copy in
``web/api/__init__.py``, which may import this one instead).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import request

from .errors import ApiError

# The days a filter may name: the business calendar turns a day into a moment (its 00:00 and
# 24:00 in HAZARDFLOW_BUSINESS_TZ), which for 0001-01-01 and 9999-12-31 is out of range.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)


def unstorable(value: Any) -> bool:
    """Whether a parsed value holds U+0000 in text or a NaN/Infinity."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _json() -> Any:
    try:
        return request.get_json(silent=True)
    except RecursionError:  # the json module's answer to deeply nested arrays/objects
        raise ApiError(400, "bad_request", "JSON 嵌套过深 (the JSON body is nested too deeply)"
                       ) from None


def refuse_unstorable_input() -> None:
    """400 for a request whose path, query, form fields, file names or JSON body hold
    U+0000 or a number that is not finite (a ``before_request`` hook)."""
    values: list[Any] = [request.path,
                         *(x for key, args in request.args.lists() for x in (key, *args)),
                         *(x for key, form in request.form.lists() for x in (key, *form)),
                         *(f.filename for _, files in request.files.lists() for f in files)]
    if request.is_json:
        values.append(_json())
    if unstorable(values):
        raise ApiError(400, "bad_request", "请求含有 NUL 字符（U+0000）或非有限数值 "
                                           "(the request holds the NUL character (U+0000) or "
                                           "a number that is not finite: NaN, Infinity)")
