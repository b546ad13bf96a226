"""Timer start events: the sweep starts cases on the diagram's schedule, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hazardflow.engine import Engine
from hazardflow.engine.schema import human_task, process_case, timer

from .support import bpmn_bytes, load_forms

DEC_1 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai


def open_start_timers(engine: Engine) -> list[tuple[datetime, str]]:
    with engine.db.connect() as conn:
        return [(r.due_at, r.expression) for r in conn.execute(
            sa.select(timer).where(timer.c.case_id.is_(None), timer.c.fired_at.is_(None)))]


def cases(engine: Engine) -> int:
    with engine.db.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(process_case)).scalar_one()


def test_deploy_schedules_the_first_start(make_engine) -> None:
    engine = make_engine()
    engine.deploy(bpmn_bytes("monthly.bpmn"), load_forms(), actor="designer")
    assert [due for due, _ in open_start_timers(engine)] == [DEC_1]


def test_cycle_starts_one_case_per_period_then_stops(make_engine) -> None:
    engine = make_engine()
    engine.deploy(bpmn_bytes("monthly.bpmn"), load_forms(), actor="designer")
    assert engine.fire_due_timers(DEC_1 - timedelta(minutes=1)) == 0
    assert engine.fire_due_timers(DEC_1) == 1
    assert engine.fire_due_timers(DEC_1 + timedelta(hours=1)) == 0  # never twice
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(human_task.c.element_id)).scalars().all() == ["Task_Report"]
    jan_1 = datetime(2026, 12, 31, 17, 0, tzinfo=UTC) + timedelta(hours=8)
    assert [due for due, _ in open_start_timers(engine)] == [jan_1]
    assert engine.fire_due_timers(jan_1) == 1
    feb_1 = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)
    assert [due for due, _ in open_start_timers(engine)] == [feb_1]
    assert engine.fire_due_timers(feb_1) == 1
    assert open_start_timers(engine) == []  # R3: three starts in all
    assert cases(engine) == 3


def test_two_engines_sweeping_at_once_start_the_case_once(make_engine) -> None:
    from ..threads import race
    first, second = make_engine(), make_engine()
    first.deploy(bpmn_bytes("monthly.bpmn"), load_forms(), actor="designer")
    results = race(lambda: first.fire_due_timers(DEC_1), lambda: second.fire_due_timers(DEC_1))
    assert sorted(results) == [0, 1]
    assert cases(first) == 1


def test_new_version_replaces_the_pending_schedule(make_engine) -> None:
    engine = make_engine()
    engine.deploy(bpmn_bytes("monthly.bpmn"), load_forms(), actor="designer")
    changed = bpmn_bytes("monthly.bpmn").replace(b"R3/2026-12-01T09:00:00+08:00/P1M",
                                                 b"R/2026-12-05T09:00:00+08:00/P1M")
    engine.deploy(changed, load_forms(), actor="designer")
    assert [due for due, _ in open_start_timers(engine)] == [DEC_1 + timedelta(days=4)]


def test_a_monthly_cycle_counts_months_on_its_own_clock_not_utcs() -> None:
    """1 December 00:00 in Lu'an is 30 November 16:00 UTC: a month later is 1 January 00:00
    there (31 December 16:00 UTC), not 30 December 16:00 UTC (31 December in Lu'an)."""
    from datetime import UTC, datetime

    from hazardflow.engine.start_timers import next_occurrence

    found = next_occurrence("R/2026-12-01T00:00:00+08:00/P1M",
                            datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert found is not None
    due, cycle = found
    assert due.astimezone(UTC) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert cycle == "R/2027-01-01T00:00:00+08:00/P1M"
    then = next_occurrence(cycle, due.astimezone(UTC))
    assert then is not None and then[1] == "R/2027-02-01T00:00:00+08:00/P1M"
