"""A small driver for the hazard lifecycle through the real application engine.

``Lifecycle(db)`` builds the engine the way the application does (``build_engine`` with the
org resolver, the domain handlers and the ledger listener) on a :class:`FixedClock` at
``T0``, deploys the bundled BPMN and forms, and seeds the demo organisation and users.
Every method that moves a case (``report``, ``complete``, ``message``, ``fire``, ``retry``)
then checks the case with :meth:`Lifecycle.check`:

- the live (cached) workflow and a fresh deserialization of the stored state agree on
  every task, its state and its data;
- the mirror tables agree with the fresh workflow: one open ``human_task`` row per ready
  user task, one unfired ``timer`` row (with the same due time) per waiting timer;
- the hash-chained audit log of the case verifies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from hazardflow.engine import Actor, Engine, EngineError, FixedClock, StepResult, audit
from hazardflow.engine.schema import (
    audit_event,
    human_task,
    incident,
    process_case,
    task_candidate,
    timer,
)
from hazardflow.engine.sync import all_tasks, ready_user_tasks, waiting_timers
from hazardflow.workflows.demo import seed_demo
from hazardflow.workflows.ledger import hazard_for_case
from hazardflow.workflows.notifications import TASK_KINDS
from hazardflow.workflows.runtime import build_engine, seed_definitions
from hazardflow.workflows.schema import app_user, notification, unit
from hazardflow.workflows.usecases import cases, tasks
from hazardflow.workflows.users import actor_for
from tests.autocommit import autocommit
from tests.factories import make_runtime, with_uploads

from .lifecycle_forms import register_form

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 2 November 2026, 09:00 in Lu'an
TODAY = date(2026, 11, 2)  # T0's calendar day in Asia/Shanghai


def end_of_day(day: date) -> datetime:
    """The instant a date deadline lapses: 24:00 of that day in Asia/Shanghai, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


@dataclass(frozen=True)
class Note:
    """One notification row, addressed to a user (``user``) or a group (``role@unit``)."""

    kind: str
    to: str
    title: str
    body: str
    at: datetime


class Lifecycle:
    """Steps go through the use-cases (``workflows.usecases``) of a runtime built as the
    shells build one; ``engine`` is that runtime's engine, one transaction per call."""

    def __init__(self, db: sa.Engine, start: datetime = T0, **settings: Any) -> None:
        self.db = db
        self.clock = FixedClock(start)
        self.rt = make_runtime(db, self.clock, **settings)
        self.engine = autocommit(self.rt.engine)
        seed_definitions(self.rt.engine)
        with db.begin() as conn:
            seed_demo(conn, start)

    def with_uploads(self, data: Mapping[str, Any], username: str) -> dict[str, Any]:
        return with_uploads(self.rt, data, username)

    # -- people and time ---------------------------------------------------------------

    def actor(self, username: str) -> Actor:
        with self.db.connect() as conn:
            return actor_for(conn, username)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The business day now, in the runtime's calendar."""
        return self.rt.calendar.today(self.now())

    def set_time(self, at: datetime) -> None:
        self.clock.set(at)

    def second_engine(self) -> Engine:
        """Another engine on the same database (another worker process)."""
        engine: Engine = autocommit(build_engine(self.db, clock=self.clock,
                                                     calendar=self.rt.calendar))
        return engine

    # -- moving cases ------------------------------------------------------------------

    def report(self, by: str = "safety", **overrides: Any) -> int:
        data = self.with_uploads(register_form(**overrides), by)
        result = cases.report_hazard(self.rt, self.actor(by), data)
        case_id = int(result["case"].case_id)
        assert result["hazard"] is not None, "the ledger row is created with the case"
        self.check(case_id)
        return case_id

    def complete(self, case_id: int, element: str, by: str, data: Mapping[str, Any],
                 engine: Engine | None = None) -> StepResult:
        engine = engine or self.engine
        task_id = self.task_id(case_id, element)
        rt = replace(self.rt, engine=getattr(engine, "wrapped", engine))
        filled = self.with_uploads(data, by)
        return self._step(case_id, engine,
                          lambda: tasks.complete(rt, self.actor(by), task_id, filled))

    def message(self, case_id: int, name: str, payload: Mapping[str, Any],
                by: str) -> StepResult:
        return self._step(case_id, self.engine, lambda: self.engine.send_message(
            case_id, name, payload, self.actor(by)))

    def _step(self, case_id: int, engine: Engine, call: Any) -> StepResult:
        """Run one step and check the case; a refused step must leave it as it was."""
        before = self.case(case_id)
        try:
            result = call()
        except EngineError:
            after = self.case(case_id)
            if after.status != "incident":
                assert (after.revision, after.state) == (before.revision, before.state), \
                    "a refused step changed the case"
            self.check_stored(case_id, engine)
            raise
        self.check(case_id, engine)
        return result

    def fire(self, case_id: int, at: datetime | None = None,
             engine: Engine | None = None) -> int:
        """Move the clock to ``at`` (if given), fire every due timer, and say whether the
        sweep acted on ``case_id`` (1: it fired, or failed into an incident) or not (0); other
        processes' start timers (the monthly report round) fire too but are not counted."""
        engine = engine or self.engine
        if at is not None:
            self.clock.set(at)
        before = self._audit_count(case_id, engine)
        engine.fire_due_timers(self.clock.now())
        fired = 1 if self._audit_count(case_id, engine) > before else 0
        if fired:
            self.check(case_id, engine)
        else:
            self.check_stored(case_id, engine)
        return fired

    @staticmethod
    def _audit_count(case_id: int, engine: Engine) -> int:
        with engine.db.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(audit_event).where(
                audit_event.c.case_id == case_id)).scalar_one())

    def retry(self, case_id: int, incident_id: int, by: str = "admin") -> StepResult:
        try:
            return self.engine.retry_incident(incident_id, self.actor(by))
        finally:
            self.check(case_id)

    # -- reading -----------------------------------------------------------------------

    def open_tasks(self, case_id: int) -> list[Any]:
        with self.db.connect() as conn:
            return list(conn.execute(sa.select(human_task).where(
                human_task.c.case_id == case_id, human_task.c.state == "open")
                .order_by(human_task.c.id)))

    def open_elements(self, case_id: int) -> list[str]:
        return sorted(t.element_id for t in self.open_tasks(case_id))

    def task(self, case_id: int, element: str) -> Any:
        found = [t for t in self.open_tasks(case_id) if t.element_id == element]
        assert len(found) == 1, (element, self.open_elements(case_id))
        return found[0]

    def task_id(self, case_id: int, element: str) -> int:
        return int(self.task(case_id, element).id)

    def tasks(self, case_id: int, element: str | None = None) -> list[Any]:
        with self.db.connect() as conn:
            query = sa.select(human_task).where(human_task.c.case_id == case_id)
            if element:
                query = query.where(human_task.c.element_id == element)
            return list(conn.execute(query.order_by(human_task.c.id)))

    def candidates(self, task_id: int) -> set[tuple[str, str | None]]:
        with self.db.connect() as conn:
            return {(r.role, r.unit) for r in conn.execute(
                sa.select(task_candidate.c.role, task_candidate.c.unit)
                .where(task_candidate.c.human_task_id == task_id))}

    def case(self, case_id: int) -> Any:
        with self.db.connect() as conn:
            return conn.execute(sa.select(process_case).where(
                process_case.c.id == case_id)).one()

    def hazard(self, case_id: int) -> dict[str, Any]:
        with self.db.connect() as conn:
            row = hazard_for_case(conn, case_id)
        assert row is not None
        return row

    def data(self, case_id: int) -> dict[str, Any]:
        """The case variables (a fresh load): those of the open user task, else the end's."""
        workflow = self._fresh(case_id, self.engine)
        ready = ready_user_tasks(workflow)
        if ready:
            return dict(ready[0].data)
        return dict(workflow.data or {})

    def services(self, case_id: int, topic: str | None = None) -> list[dict[str, Any]]:
        """What service tasks set, from the audit log: [{element, topic, set}, ...]."""
        out: list[dict[str, Any]] = []
        for record in self.history(case_id):
            out += [s for s in record["payload"].get("services", [])
                    if topic is None or s["topic"] == topic]
        return out

    def add_user(self, username: str, *grants: str) -> None:
        """A user holding ``role@UNIT`` grants (for people with two hats)."""
        from hazardflow.workflows.demo import DEMO_PASSWORD
        from hazardflow.workflows.users import create_user

        pairs = [(g.partition("@")[0], g.partition("@")[2] or None) for g in grants]
        with self.db.begin() as conn:
            create_user(conn, username, DEMO_PASSWORD, username, pairs, now=self.now())

    def notes(self, case_id: int, kind: str | None = None) -> list[Note]:
        query = (sa.select(notification, unit.c.code.label("unit_code"),
                           app_user.c.username)
                 .select_from(notification.outerjoin(unit, unit.c.id == notification.c.unit_id)
                              .outerjoin(app_user, app_user.c.id == notification.c.user_id))
                 .where(notification.c.case_id == case_id)
                 .order_by(notification.c.id))
        if kind is not None:
            query = query.where(notification.c.kind == kind)
        else:  # what the process sent; task notices (new, due, overdue) have their own tests
            query = query.where(notification.c.kind.not_in(TASK_KINDS))
        with self.db.connect() as conn:
            rows = list(conn.execute(query))
        return [Note(r.kind, r.username if r.user_id is not None else f"{r.role}@{r.unit_code}",
                     r.title, r.body, r.created_at) for r in rows]

    def note_summary(self, case_id: int) -> list[tuple[str, str]]:
        return [(n.kind, n.to) for n in self.notes(case_id)]

    def timers(self, case_id: int, pending: bool | None = None) -> list[Any]:
        query = sa.select(timer).where(timer.c.case_id == case_id)
        if pending is True:
            query = query.where(timer.c.fired_at.is_(None))
        elif pending is False:
            query = query.where(timer.c.fired_at.is_not(None))
        with self.db.connect() as conn:
            return list(conn.execute(query.order_by(timer.c.due_at, timer.c.id)))

    def pending_timers(self, case_id: int) -> dict[str, datetime]:
        return {t.element_id: t.due_at for t in self.timers(case_id, pending=True)}

    def incidents(self, case_id: int, open_only: bool = True) -> list[Any]:
        query = sa.select(incident).where(incident.c.case_id == case_id)
        if open_only:
            query = query.where(incident.c.resolved_at.is_(None))
        with self.db.connect() as conn:
            return list(conn.execute(query.order_by(incident.c.id)))

    def history(self, case_id: int) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            return audit.history(conn, case_id)

    def actions(self, case_id: int) -> list[str]:
        with self.db.connect() as conn:
            return [r.action for r in conn.execute(
                sa.select(audit_event.c.action).where(audit_event.c.case_id == case_id)
                .order_by(audit_event.c.seq))]

    def ran(self, case_id: int) -> list[str]:
        """Every element the engine ran automatically, in order, from the audit log."""
        out: list[str] = []
        for record in self.history(case_id):
            out += record["payload"].get("ran", [])
        return out

    # -- the checks after every step --------------------------------------------------

    def _fresh(self, case_id: int, engine: Engine) -> Any:
        row = self.case(case_id)
        with self.db.connect() as conn:
            definition = engine.definitions.get(conn, row.definition_id)
            blob = conn.execute(sa.select(process_case.c.state).where(
                process_case.c.id == case_id)).scalar_one()
        return engine.store.serializer.loads(blob, definition.spec,
                                             definition.subprocess_specs,
                                             engine.store.script_engine)

    def check(self, case_id: int, engine: Engine | None = None) -> None:
        """After a step: live == fresh, mirrors == fresh, audit chain intact."""
        engine = engine or self.engine
        row = self.case(case_id)
        cached = engine.store.live.take(case_id, row.revision)
        assert cached is not None, "the live workflow should be cached after each step"
        try:
            fresh = self._fresh(case_id, engine)
            assert snapshot(cached) == snapshot(fresh), \
                "the live workflow and a fresh deserialization differ"
        finally:
            engine.store.live.put(case_id, row.revision, cached)
        self._check_mirrors(case_id, fresh, row.status)
        self.check_audit(case_id)

    def check_stored(self, case_id: int, engine: Engine | None = None) -> None:
        """When nothing moved: the stored state still agrees with the mirrors and the log."""
        engine = engine or self.engine
        row = self.case(case_id)
        self._check_mirrors(case_id, self._fresh(case_id, engine), row.status)
        self.check_audit(case_id)

    def _check_mirrors(self, case_id: int, fresh: Any, status: str) -> None:
        ready = {str(t.id) for t in ready_user_tasks(fresh)}
        open_rows = {t.spiff_task_id for t in self.open_tasks(case_id)}
        if status != "incident":  # an incident leaves new rows for the retry to open
            assert open_rows == ready, (open_rows, ready)
        else:
            assert open_rows <= ready, (open_rows, ready)
        waiting = {sid: due for sid, (_, due) in waiting_timers(fresh).items()}
        stored = {t.spiff_task_id: t.due_at for t in self.timers(case_id, pending=True)}
        if status != "incident":
            assert stored == waiting, (stored, waiting)
        if status == "completed":
            assert not [t for t in all_tasks(fresh)
                        if t.state & (TaskState.READY | TaskState.WAITING)]

    def check_audit(self, case_id: int) -> None:
        with self.db.connect() as conn:
            assert list(audit.verify(conn, case_id)) == []


def snapshot(workflow: Any) -> list[tuple[str, str, int, str, str]]:
    """Every task of the case and its sub-processes: id, spec, state, data, internal data."""
    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)
    return sorted((str(t.id), t.task_spec.name, int(t.state), dump(t.data),
                   dump(t.internal_data)) for t in all_tasks(workflow))


def with_documents(db: sa.Engine) -> Lifecycle:
    """A driver whose demo also holds the documents' configuration (legal texts, 执法证号)."""
    from hazardflow.workflows.demo_documents import seed_document_demo

    found = Lifecycle(db)
    with db.begin() as conn:
        seed_document_demo(conn, found.now())
    return found
