"""A claimed chunk of timer cases fired with the chunk's statements: a failing case is an
incident and the others fire; a failing write redoes the chunk case by case; the audit
chains hold."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Engine, HandlerRegistry, ServiceCall, audit
from hazardflow.engine import chunk as chunk_module
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import audit_event, incident, process_case, timer
from hazardflow.engine.sweep import drain

from ..statements import recorded
from .support import CLERK, T0, bpmn_bytes, load_forms

CASES = 6
DUE = T0 + timedelta(days=3)
FALLBACK = "firing them one by one"


def _start(engine: Engine, count: int) -> list[int]:
    with write_transaction(engine.db) as conn:
        return [engine.wrapped.start_case(conn, "review", {"unit": "U1"}, CLERK).case_id
                for _ in range(count)]


def _drain(engine: Engine) -> Any:
    eng = engine.wrapped
    return drain(eng, lambda: write_transaction(eng.db), lambda: DUE, chunk=50)


def _timer_steps(engine: Engine, case_ids: list[int]) -> dict[int, int]:
    with engine.db.connect() as conn:
        assert list(audit.verify(conn)) == []
        counts = dict.fromkeys(case_ids, 0)
        for case_id, n in conn.execute(
                sa.select(audit_event.c.case_id, sa.func.count())
                .where(audit_event.c.action == "timer", audit_event.c.case_id.in_(case_ids))
                .group_by(audit_event.c.case_id)):
            counts[case_id] = n
        return counts


def test_a_chunk_fires_every_case_but_the_failing_one_which_gets_one_incident(
        make_engine, caplog: pytest.LogCaptureFixture) -> None:
    reminded: list[int] = []
    failing: list[int] = []

    def remind(call: ServiceCall) -> None:
        if call.case_id in failing:
            raise RuntimeError("reminder service is down")
        reminded.append(call.case_id)

    handlers = HandlerRegistry()
    handlers.register("test.remind", remind)
    handlers.register("test.record", lambda call: {"record_no": 1}, outputs=("record_no",))
    engine = make_engine(handlers=handlers)
    engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    case_ids = _start(engine, CASES)
    bad = case_ids[2]
    failing.append(bad)

    with caplog.at_level(logging.ERROR, logger="hazardflow.sweep"):
        result = _drain(engine)

    assert FALLBACK not in caplog.text  # fired as one chunk
    assert (result.fired, result.failed) == (CASES, 0)  # the failed step is an incident
    assert sorted(reminded) == sorted(c for c in case_ids if c != bad)
    with engine.db.connect() as conn:
        incidents = conn.execute(sa.select(incident.c.case_id, incident.c.origin,
                                           incident.c.message)).all()
        statuses = dict(conn.execute(sa.select(process_case.c.id, process_case.c.status)
                                     .where(process_case.c.id.in_(case_ids))).all())
        unfired = conn.execute(sa.select(timer.c.case_id).where(
            timer.c.case_id.in_(case_ids), timer.c.fired_at.is_(None))).scalars().all()
    assert [(i.case_id, i.origin) for i in incidents] == [(bad, "timer")]
    assert "reminder service is down" in incidents[0].message
    assert statuses == {c: "incident" if c == bad else "active" for c in case_ids}
    assert unfired == [bad]  # rolled back with its step: fired by the retry
    assert _timer_steps(engine, case_ids) == {c: 0 if c == bad else 1 for c in case_ids}
    assert _drain(engine).fired == 0  # an incident is not claimed again


def test_a_chunk_whose_writes_fail_is_fired_again_case_by_case(
        engine: Engine, calls, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    case_ids = _start(engine, CASES)
    real = chunk_module._write
    broken = [True]

    def write_once_broken(*args: Any) -> None:
        if broken.pop() if broken else False:
            raise sa.exc.OperationalError("UPDATE process_case …", {}, Exception("disk full"))
        real(*args)

    monkeypatch.setattr(chunk_module, "_write", write_once_broken)
    with caplog.at_level(logging.ERROR, logger="hazardflow.sweep"):
        result = _drain(engine)

    assert FALLBACK in caplog.text
    assert (result.fired, result.failed, result.timers) == (CASES, 0, CASES)
    assert _timer_steps(engine, case_ids) == dict.fromkeys(case_ids, 1)  # once each
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(incident)).scalar() == 0
        fired = conn.execute(sa.select(timer.c.fired_at).where(
            timer.c.case_id.in_(case_ids))).scalars().all()
    assert fired == [DUE] * CASES


def test_a_chunk_costs_statements_per_chunk_not_per_case(engine: Engine, calls) -> None:
    cases = 20
    case_ids = _start(engine, cases)
    with recorded(engine.db) as seen:
        result = _drain(engine)
    assert result.timers == cases and len(calls.remind) == cases
    statements = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # each case: a savepoint around its service task (2); SQLite also saves and appends
    # one by one (2). The chunk: claim, savepoint, three reads, retire, save, release, and
    # the claim that finds nothing. One by one it was nine a case.
    per_case = 2 if engine.db.dialect.name == "postgresql" else 4
    assert len(statements) <= per_case * cases + 10, "\n".join(statements)
    assert _timer_steps(engine, case_ids) == dict.fromkeys(case_ids, 1)
