"""Who holds a task: claim, give back, assign, and the checks every task operation makes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit
from .clock import Clock
from .errors import Conflict, Detail, Forbidden, InvalidInput, NotFound
from .schema import human_task, task_candidate
from .services import Actor
from .store import CaseRow, CaseStore
from .validation import split_list

_B = sa.bindparam
TASK = sa.select(human_task).where(human_task.c.id == _B("task_id"))
CANDIDATES = (sa.select(task_candidate.c.role, task_candidate.c.unit)
              .where(task_candidate.c.human_task_id == _B("task_id")))
ASSIGNEE = sa.select(human_task.c.assignee).where(human_task.c.id == _B("task_id"))


class TaskOwnership:
    store: CaseStore
    clock: Clock

    def claim(self, conn: Connection, task_id: int, actor: Actor) -> None:
        row, task_row = self._lock_task(conn, task_id)
        self._check_open(task_row)
        self._check_entitled(conn, task_row, actor)
        if task_row.assignee == actor.id:
            return
        self._set_assignee(conn, row, task_row, actor.id, actor, "claim")

    def unclaim(self, conn: Connection, task_id: int, actor: Actor) -> None:
        row, task_row = self._lock_task(conn, task_id)
        self._check_open(task_row)
        if task_row.assignee != actor.id and not actor.admin:
            raise Forbidden("only the assignee can give the task back", task_id=task_id)
        self._set_assignee(conn, row, task_row, None, actor, "unclaim")

    def assign(self, conn: Connection, task_id: int, actor: Actor, assignee: Actor) -> None:
        """Give an open task to ``assignee``, who must be one of its candidates.

        A candidate may hand an unclaimed task (or their own) to a co-candidate; a task
        someone else holds is theirs to give away: taking it over is a supervisor's repair
        (``reassign_task``, with a reason), never an assignment."""
        row, task_row = self._lock_task(conn, task_id)
        self._check_open(task_row)
        if not actor.admin:
            if task_row.assignee and task_row.assignee != actor.id:
                raise Forbidden(f"the task is held by {task_row.assignee}; only they, or a "
                                "supervisor with a reason, may reassign it",
                                case_id=task_row.case_id, task_id=task_id)
            self._check_entitled(conn, task_row, actor)
        if not self._is_candidate(conn, task_row.id, assignee):
            raise InvalidInput(f"{assignee.id} is not a candidate for this task",
                               [Detail("not a candidate", field="assignee")],
                               task_id=task_id)
        self._set_assignee(conn, row, task_row, assignee.id, actor, "assign")

    # -- checks --------------------------------------------------------------------------

    def _lock_task(self, conn: Connection, task_id: int) -> tuple[CaseRow, Any]:
        row = self.store.lock_of_task(conn, task_id)
        if row is None:
            raise NotFound(f"task {task_id} does not exist", task_id=task_id)
        if row.status == "suspended":
            raise Conflict(f"case {row.id} is suspended; a supervisor must resume it first",
                           case_id=row.id, task_id=task_id, code="suspended")
        # then read the task, under the case's lock
        task_row = conn.execute(TASK, {"task_id": task_id}).one()
        return row, task_row

    @staticmethod
    def _check_open(task_row: Any) -> None:
        if task_row.state != "open":
            who = f" by {task_row.completed_by}" if task_row.completed_by else ""
            raise Conflict(f"the task was already {task_row.state}{who}",
                           case_id=task_row.case_id, task_id=task_row.id)

    def _is_candidate(self, conn: Connection, task_id: int, actor: Actor) -> bool:
        rows = conn.execute(CANDIDATES, {"task_id": task_id}).all()
        for role, unit in rows:
            if role.startswith("user:") and role[5:] == actor.id:
                return True
            if actor.holds(role, unit):
                return True
        assignee = conn.execute(ASSIGNEE, {"task_id": task_id}).scalar()
        return bool(not rows and assignee == actor.id)

    def _check_entitled(self, conn: Connection, task_row: Any, actor: Actor,
                        claimed_ok: bool = False) -> None:
        if task_row.assignee == actor.id:
            return
        candidate = self._is_candidate(conn, task_row.id, actor)
        if task_row.assignee and not claimed_ok:
            if candidate:
                raise Conflict(f"the task is already claimed by {task_row.assignee}",
                               case_id=task_row.case_id, task_id=task_row.id,
                               code="claimed_by_other")
            raise Forbidden("the task is assigned to someone else",
                            case_id=task_row.case_id, task_id=task_row.id)
        if not candidate:
            raise Forbidden("you are not a candidate for this task",
                            case_id=task_row.case_id, task_id=task_row.id)

    def _check_excluded(self, conn: Connection, case_id: int, task_row: Any,
                        ext: Mapping[str, Any], actor: Actor) -> None:
        excluded = split_list((ext.get("properties") or {}).get("excludePerformersOf"))
        if not excluded:
            return
        did = conn.execute(sa.select(human_task.c.element_id).where(
            human_task.c.case_id == case_id, human_task.c.element_id.in_(excluded),
            human_task.c.completed_by == actor.id, human_task.c.state == "completed")).first()
        if did is not None:
            raise Forbidden(f"you completed {did.element_id} in this case, so you may not "
                            f"complete {task_row.element_id} (separation of duties)",
                            case_id=case_id, task_id=task_row.id)

    def _set_assignee(self, conn: Connection, row: CaseRow, task_row: Any,
                      assignee: str | None, actor: Actor, action: str) -> None:
        now = self.clock.now()
        conn.execute(sa.update(human_task).where(human_task.c.id == task_row.id).values(
            assignee=assignee, claimed_at=now if assignee else None))
        audit.append(conn, row.id, actor.id, action,
                     {"task": task_row.id, "assignee": assignee}, now, task_row.element_id)
