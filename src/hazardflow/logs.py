"""Structured logs: one JSON object per line, with the case id on every line about a case.

Log with ``extra={"case_id": ...}``; ``HAZARDFLOW_LOG_FORMAT=json`` turns this on (the
default is plain text for a terminal).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

FIELDS = ("case_id", "task_id", "incident_id", "action", "status")
_case: contextvars.ContextVar[int | None] = contextvars.ContextVar("hazardflow_case",
                                                                    default=None)


@contextlib.contextmanager
def about_case(case_id: int) -> Iterator[None]:
    """Every line logged inside (by any library) carries ``case_id``."""
    token = _case.set(case_id)
    try:
        yield
    finally:
        _case.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        current = _case.get()
        if "case_id" not in entry and current is not None:
            entry["case_id"] = current
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(fmt: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
