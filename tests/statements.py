"""The SQL an engine sends while a block runs: what the statement-count tests assert on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def recorded(db: sa.Engine) -> Iterator[list[str]]:
    """Each statement sent to the database inside the block, whitespace folded to one space
    (BEGIN, SAVEPOINT and the like included)."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(db, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db, "before_cursor_execute", record)
