"""Two sweepers at once on PostgreSQL: chunks claimed with SKIP LOCKED, each timer fired once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import Engine, audit
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import audit_event, timer
from hazardflow.engine.sweep import drain

from ..threads import race
from .support import CLERK, T0

CASES = 200


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_sweepers_fire_each_of_200_due_timers_exactly_once(engine: Engine, make_engine,
                                                               calls) -> None:
    with write_transaction(engine.db) as conn:
        case_ids = [engine.wrapped.start_case(conn, "review", {"unit": "U1"}, CLERK).case_id
                    for _ in range(CASES)]
    due = T0 + timedelta(days=3)
    first, second = engine.wrapped, make_engine().wrapped  # two processes: two caches

    def sweeper(eng: Engine) -> object:
        return drain(eng, lambda: write_transaction(eng.db), lambda: due, chunk=5)

    results = race(lambda: sweeper(first), lambda: sweeper(second))
    assert not any(isinstance(r, Exception) for r in results), results
    assert [r.failed for r in results] == [0, 0]
    assert all(r.timers > 0 for r in results), results  # both swept, in disjoint chunks
    assert sum(r.timers for r in results) == CASES
    assert sorted(c.case_id for c in calls.remind) == sorted(case_ids)  # once per case
    with engine.db.connect() as conn:
        fired = conn.execute(sa.select(timer.c.fired_at).where(
            timer.c.case_id.in_(case_ids))).scalars().all()
        steps = dict(conn.execute(sa.select(audit_event.c.case_id, sa.func.count())
                                  .where(audit_event.c.action == "timer")
                                  .group_by(audit_event.c.case_id)).all())
        assert list(audit.verify(conn)) == []  # chunks saved with their records, chained
    assert len(fired) == CASES and all(at == due for at in fired)
    assert steps == dict.fromkeys(case_ids, 1)  # one timer step each: none fired twice
    assert sweeper(first).timers == 0  # nothing left to fire
