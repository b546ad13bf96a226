"""The drivers' entry points: fire due timers, drain the outbox, retry incidents.

The embedded scheduler and Celery workers call the same functions (through the domain's job
list). Each takes the caller's connection and ids, locks the case, and is safe to run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.engine import Connection

from . import audit
from .clock import Clock, FixedClock, bound_clock
from .definitions import DefinitionCache
from .errors import Conflict, Detail, InvalidInput, NotFound
from .schema import incident, outbox, process_case, timer
from .services import SYSTEM, Actor
from .start_timers import next_occurrence
from .steps import Stepper, StepResult
from .store import CaseRow, CaseStore
from .sync import mirrored


@dataclass(frozen=True)
class DueWork:
    start_timers: list[int]  # timer ids of due timer start events
    timer_cases: list[int]  # cases with a due timer
    outbox_cases: list[int]  # cases with automatic steps left by a request


class Drivers:
    store: CaseStore
    clock: Clock
    definitions: DefinitionCache
    stepper: Stepper
    driver_budget: int

    _begin: Callable[..., tuple[StepResult, CaseRow, BpmnWorkflow]]  # Engine's
    remember_after_commit: Callable[[Connection, CaseRow, BpmnWorkflow], None]

    def due_work(self, conn: Connection, now: datetime | None = None,
                 limit: int = 500) -> DueWork:
        """What a sweep at ``now`` has to do, found by indexed queries."""
        now = now or self.clock.now()
        starts = [r[0] for r in conn.execute(
            sa.select(timer.c.id).where(timer.c.case_id.is_(None),
                                        timer.c.fired_at.is_(None), timer.c.due_at <= now)
            .order_by(timer.c.due_at).limit(limit))]
        case_ids = [r[0] for r in conn.execute(
            sa.select(timer.c.case_id).join(process_case, process_case.c.id == timer.c.case_id)
            .where(timer.c.fired_at.is_(None), timer.c.due_at <= now,
                   process_case.c.status == "active")
            .group_by(timer.c.case_id).order_by(sa.func.min(timer.c.due_at)).limit(limit))]
        pending = [r[0] for r in conn.execute(
            sa.select(outbox.c.case_id)
            .join(process_case, process_case.c.id == outbox.c.case_id)
            .where(outbox.c.done_at.is_(None), process_case.c.status != "suspended")
            .order_by(outbox.c.created_at).limit(limit))]
        return DueWork(starts, case_ids, list(dict.fromkeys(pending)))

    def fire_start_timer(self, conn: Connection, timer_id: int, now: datetime) -> bool:
        """Start the case a timer start event asks for; schedule the cycle's next start."""
        row = conn.execute(sa.select(timer).where(
            timer.c.id == timer_id, timer.c.fired_at.is_(None)).with_for_update()).first()
        if row is None or row.due_at > now:
            return False  # another worker started it first
        conn.execute(sa.update(timer).where(timer.c.id == timer_id).values(fired_at=now))
        if row.expression and row.expression.startswith("R"):
            upcoming = next_occurrence(row.expression, row.due_at)
            if upcoming is not None:
                conn.execute(sa.insert(timer).values(
                    process_key=row.process_key, element_id=row.element_id,
                    expression=upcoming[1], due_at=upcoming[0], created_at=now))
        definition = self.definitions.resolve(conn, row.process_key)
        _, case_row, workflow = self._begin(conn, definition, {}, SYSTEM, None,
                                            clock=FixedClock(now))
        self.remember_after_commit(conn, case_row, workflow)
        return True

    def reschedule_timer(self, conn: Connection, case_id: int, timer_id: int,
                         due_at: datetime, actor: Actor) -> None:
        """Move a waiting timer (a deadline extension); the case's data is left as it is."""
        if due_at.tzinfo is None:
            raise InvalidInput("新的时间须带时区 (the new time needs a time zone)",
                               [Detail("缺少时区 (naive date-time)", field="due_at")])
        row = self.store.lock(conn, case_id)
        found = conn.execute(sa.select(timer).where(
            timer.c.id == timer_id, timer.c.case_id == case_id)).first()
        if found is None:
            raise NotFound(f"案件 {case_id} 没有定时器 {timer_id} (timer {timer_id} of case "
                           f"{case_id} does not exist)",
                           case_id=case_id)
        if found.fired_at is not None:
            raise Conflict(f"该定时器已经触发 (timer {timer_id} has already fired)",
                           case_id=case_id)
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load(conn, row, definition)
        task = workflow.get_task_from_id(UUID(found.spiff_task_id))
        task.internal_data["event_value"] = due_at.astimezone(UTC).isoformat()
        now = self.clock.now()
        conn.execute(sa.update(timer).where(timer.c.id == timer_id).values(due_at=due_at))
        known = mirrored(workflow).timers
        if known is not None and found.spiff_task_id in known:
            known[found.spiff_task_id] = (timer_id, due_at)
        self.store.save(conn, row, workflow, row.status, now)
        audit.append(conn, case_id, actor.id, "reschedule_timer",
                     {"timer": timer_id, "from": found.due_at.isoformat(),
                      "to": due_at.isoformat()}, now, found.element_id)
        self.remember_after_commit(conn, row, workflow)

    def fire_case_timers(self, conn: Connection, case_id: int, now: datetime) -> bool:
        # SpiffWorkflow fires a timer once its due time is strictly in the past; a sweep at
        # the very instant a timer is due must fire it, so SpiffWorkflow sees a hair later
        clock = FixedClock(now + timedelta(microseconds=1))
        row = self.store.lock(conn, case_id)
        due = conn.execute(sa.select(timer.c.id).where(
            timer.c.case_id == case_id, timer.c.fired_at.is_(None),
            timer.c.due_at <= now)).first()
        if due is None or row.status != "active":
            return False  # another worker fired it first
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load(conn, row, definition)
        with bound_clock(clock):
            workflow.refresh_timers()
        _, workflow = self.stepper.advance(
            conn, row, definition, workflow, SYSTEM, action="timer", origin="timer",
            reapply=None, payload={"now": now.isoformat()}, now=now, clock=clock,
            budget=self.driver_budget)
        self.remember_after_commit(conn, row, workflow)
        return True

    def continue_case(self, conn: Connection, case_id: int) -> bool:
        """Finish the automatic steps a request left in the outbox."""
        row = self.store.lock(conn, case_id)
        if row.status == "suspended":
            return False  # kept for when the case is resumed
        now = self.clock.now()
        taken = conn.execute(sa.update(outbox).where(outbox.c.case_id == case_id,
                                                     outbox.c.done_at.is_(None))
                             .values(done_at=now, attempts=outbox.c.attempts + 1)).rowcount
        if not taken or row.status != "active":
            return False  # delivered twice, or already finished: nothing to do
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load(conn, row, definition)
        _, workflow = self.stepper.advance(
            conn, row, definition, workflow, SYSTEM, action="continue", origin="outbox",
            reapply=None, payload={}, budget=self.driver_budget)
        self.remember_after_commit(conn, row, workflow)
        return True

    def retry_incident(self, conn: Connection, incident_id: int, actor: Actor) -> StepResult:
        """Run the failed step again. The result says honestly whether it failed again."""
        case_id = conn.execute(sa.select(incident.c.case_id).where(
            incident.c.id == incident_id)).scalar()
        if case_id is None:
            raise NotFound(f"故障 {incident_id} 不存在 (incident {incident_id} does not exist)")
        row = self.store.lock(conn, case_id)
        if row.status == "suspended":
            raise Conflict(f"案件 {case_id} 已挂起，请先恢复再重试 (case {case_id} is suspended; "
                           "resume it before retrying)",
                           case_id=case_id, code="suspended")
        still_open = conn.execute(sa.select(incident.c.resolved_at).where(
            incident.c.id == incident_id)).scalar_one() is None
        if not still_open:
            raise Conflict(f"故障 {incident_id} 已经解决 (incident {incident_id} is already "
                           "resolved)", case_id=case_id)
        definition = self.definitions.get(conn, row.definition_id)
        workflow = self.store.load_fresh(conn, row, definition)
        with bound_clock(self.clock):
            workflow.refresh_timers()
        result, workflow = self.stepper.advance(
            conn, row, definition, workflow, actor, action="retry", origin="retry",
            reapply=None, payload={"incident": incident_id}, budget=self.driver_budget)
        if result.status != "incident":
            conn.execute(sa.update(outbox).where(outbox.c.case_id == case_id,
                                                 outbox.c.done_at.is_(None),
                                                 sa.literal(not result.pending))
                         .values(done_at=self.clock.now()))
        self.remember_after_commit(conn, row, workflow)
        return result
