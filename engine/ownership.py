"""Who holds a task: claim, give back, assign, and the checks every task operation makes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit
from .clock import Clock
from .errors import Conflict, Detail, Forbidden, InvalidInput, NotFound
from .schema import human_task, process_case, process_definition, task_candidate
from .services import Actor
from .store import CaseRow, CaseStore
from .validation import split_list

if TYPE_CHECKING:
    from .definitions import DefinitionCache

_B = sa.bindparam
# a task's row with its candidates: one statement (a row per candidate, or one without)
TASK_AND_CANDIDATES = (
    sa.select(human_task, task_candidate.c.role.label("cand_role"),
              task_candidate.c.unit.label("cand_unit"))
    .outerjoin(task_candidate, task_candidate.c.human_task_id == human_task.c.id)
    .where(human_task.c.id == _B("task_id")))
NOT_CANDIDATE = "所选人员不是该任务的办理人选 (the person chosen is not a candidate for this task)"
NOT_CANDIDATE_FIELD = "不是办理人选 (not a candidate)"


@dataclass(frozen=True)
class Refusal:
    """Why an actor may not complete a task now: ``closed`` (no longer open),
    ``held_by_other`` (claimed by someone else; ``candidate``: the actor is a co-candidate),
    ``not_candidate``, or ``excluded`` (they completed ``element`` of this case: separation
    of duties)."""

    reason: str
    holder: str | None = None
    element: str | None = None
    candidate: bool = False


class TaskRow:
    """A human task's row (its columns as attributes) with its candidates (role, unit)."""

    def __init__(self, row: Any, candidates: tuple[tuple[str, str | None], ...]) -> None:
        self._row = row
        self.candidates = candidates

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def read_task(conn: Connection, task_id: int) -> TaskRow | None:
    """The task's row and its candidates in one statement; None if there is no such task."""
    rows = conn.execute(TASK_AND_CANDIDATES, {"task_id": task_id}).all()
    if not rows:
        return None
    return TaskRow(rows[0], tuple((r.cand_role, r.cand_unit) for r in rows
                                  if r.cand_role is not None))


@dataclass(frozen=True)
class Exclusion:
    """A user task ``element`` that whoever completed one of ``excluded`` in the same case may
    not do (``excludePerformersOf``), in the process versions ``definitions``."""

    element: str
    excluded: tuple[str, ...]
    definitions: tuple[int, ...]


def excluded_elements(ext: Mapping[str, Any]) -> list[str]:
    """The elements a user task's ``excludePerformersOf`` names."""
    return split_list((ext.get("properties") or {}).get("excludePerformersOf"))


def performed(case_id: Any, excluded: Sequence[str], actor_id: str) -> sa.Select[Any]:
    """The completed tasks of ``excluded`` the actor performed in case ``case_id`` (a value,
    or a column to correlate with): separation of duties, written once."""
    done = human_task.alias("performed")
    return sa.select(done.c.element_id).where(
        done.c.case_id == case_id, done.c.element_id.in_(excluded),
        done.c.completed_by == actor_id, done.c.state == "completed")


def excluded_clause(exclusions: Sequence[Exclusion],
                    actor_id: str) -> sa.ColumnElement[bool] | None:
    """True for a ``human_task`` row the actor may not do by separation of duties (the
    completion's own check, as a query condition); None when no process has such a rule."""
    if not exclusions:
        return None
    conditions = []
    for rule in exclusions:
        case_definition = (sa.select(process_case.c.definition_id)
                           .where(process_case.c.id == human_task.c.case_id).scalar_subquery())
        conditions.append(sa.and_(human_task.c.element_id == rule.element,
                                  case_definition.in_(rule.definitions),
                                  performed(human_task.c.case_id, rule.excluded,
                                            actor_id).exists()))
    return sa.or_(*conditions)


def excluded_from_task(task_id: sa.ColumnElement[Any], exclusions: Sequence[Exclusion],
                       actor_id: str) -> sa.ColumnElement[bool] | None:
    """True where ``task_id`` (a column naming a ``human_task``, e.g. a notification's) is a
    task the actor may not do by separation of duties: :func:`excluded_clause` for rows that
    refer to a task. None when no process has such a rule."""
    excluded = excluded_clause(exclusions, actor_id)
    if excluded is None:
        return None
    return sa.exists(sa.select(human_task.c.id).where(human_task.c.id == task_id, excluded))


class TaskOwnership:
    store: CaseStore
    clock: Clock
    definitions: DefinitionCache

    def refusal(self, conn: Connection, task_id: int, actor: Actor) -> Refusal | None:
        """Whether ``actor`` may complete the task now, by the checks a completion makes
        (read without the case's lock: a page's answer, which the completion checks again).
        None: they may."""
        task_row = read_task(conn, task_id)
        if task_row is None:
            raise NotFound(f"任务 {task_id} 不存在 (task {task_id} does not exist)",
                           task_id=task_id)
        if task_row.state != "open":
            return Refusal("closed", holder=task_row.completed_by)
        found = self._entitlement(conn, task_row, actor)
        if found is not None:
            return found
        definition_id = conn.execute(sa.select(process_case.c.definition_id).where(
            process_case.c.id == task_row.case_id)).scalar_one()
        ext = self.definitions.get(conn, definition_id).user_task_ext(task_row.element_id)
        did = self._excluded_by(conn, task_row.case_id, ext, actor)
        return Refusal("excluded", element=did) if did else None

    def exclusions(self, conn: Connection) -> list[Exclusion]:
        """Every deployed user task with ``excludePerformersOf``, for queries that must leave
        out what an actor may not do (:func:`excluded_clause`). A stored definition that
        cannot be parsed runs no case, and has no rule."""
        found: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        ids = conn.execute(sa.select(process_definition.c.id)
                           .order_by(process_definition.c.id)).scalars()
        for definition_id in ids:
            try:
                definition = self.definitions.get(conn, definition_id)
            except Exception:  # noqa: S112  (a broken definition has no task to exclude)
                continue
            specs = [definition.spec, *definition.subprocess_specs.values()]
            for element in sorted({e for s in specs for e in s.task_specs}):
                excluded = excluded_elements(definition.user_task_ext(element))
                if excluded:
                    found.setdefault((element, tuple(excluded)), []).append(definition_id)
        return [Exclusion(e, x, tuple(d)) for (e, x), d in found.items()]

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
            raise Forbidden("只有认领人可以退回该任务 (only the assignee can give the task back)",
                            task_id=task_id)
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
                raise Forbidden("该任务已由他人认领，只有认领人本人或说明理由的监管人员可以改派 "
                                "(the task is held by someone else; only they, or a "
                                "supervisor with a reason, may reassign it)",
                                case_id=task_row.case_id, task_id=task_id)
            self._check_entitled(conn, task_row, actor)
        if not self._is_candidate(task_row, assignee):
            raise InvalidInput(NOT_CANDIDATE, [Detail(NOT_CANDIDATE_FIELD, field="assignee")],
                               task_id=task_id)
        self._set_assignee(conn, row, task_row, assignee.id, actor, "assign")

    # -- checks --------------------------------------------------------------------------

    def _lock_task(self, conn: Connection, task_id: int) -> tuple[CaseRow, TaskRow]:
        row = self.store.lock_of_task(conn, task_id)
        if row is None:
            raise NotFound(f"任务 {task_id} 不存在 (task {task_id} does not exist)",
                           task_id=task_id)
        if row.status == "suspended":
            raise Conflict("本案已挂起，须由监管人员恢复后才能办理 (the case is suspended; a "
                           "supervisor must resume it first)",
                           case_id=row.id, task_id=task_id, code="suspended")
        # then read the task and its candidates, under the case's lock
        task_row = read_task(conn, task_id)
        assert task_row is not None  # the lock found the case through this task
        return row, task_row

    @staticmethod
    def _check_open(task_row: Any) -> None:
        if task_row.state != "open":
            raise Conflict(f"该任务已办结 (the task was already {task_row.state})",
                           case_id=task_row.case_id, task_id=task_row.id)

    @staticmethod
    def _is_candidate(task_row: TaskRow, actor: Actor) -> bool:
        """Whether ``actor`` is among the task's candidates (a task without any belongs to
        its assignee)."""
        for role, unit in task_row.candidates:
            if role.startswith("user:") and role[5:] == actor.id:
                return True
            if actor.holds(role, unit):
                return True
        return not task_row.candidates and task_row.assignee == actor.id

    def _entitlement(self, conn: Connection, task_row: TaskRow, actor: Actor,
                     claimed_ok: bool = False) -> Refusal | None:
        if task_row.assignee == actor.id:
            return None
        candidate = self._is_candidate(task_row, actor)
        if task_row.assignee and not claimed_ok:
            return Refusal("held_by_other", holder=task_row.assignee, candidate=candidate)
        return None if candidate else Refusal("not_candidate")

    def _check_entitled(self, conn: Connection, task_row: TaskRow, actor: Actor,
                        claimed_ok: bool = False) -> None:
        found = self._entitlement(conn, task_row, actor, claimed_ok)
        if found is None:
            return
        if found.reason == "held_by_other" and found.candidate:
            raise Conflict("该任务已由他人认领 (the task is already claimed by someone else)",
                           case_id=task_row.case_id,
                           task_id=task_row.id, code="claimed_by_other")
        if found.reason == "held_by_other":
            raise Forbidden("该任务已指派给他人 (the task is assigned to someone else)",
                            case_id=task_row.case_id, task_id=task_row.id)
        raise Forbidden("您不是该任务的办理人选 (you are not a candidate for this task)",
                        case_id=task_row.case_id, task_id=task_row.id)

    @staticmethod
    def _excluded_by(conn: Connection, case_id: int, ext: Mapping[str, Any],
                     actor: Actor) -> str | None:
        """The element of ``excludePerformersOf`` the actor completed in this case."""
        excluded = excluded_elements(ext)
        if not excluded:
            return None
        did = conn.execute(performed(case_id, excluded, actor.id)).first()
        return None if did is None else str(did.element_id)

    def _check_excluded(self, conn: Connection, case_id: int, task_row: Any,
                        ext: Mapping[str, Any], actor: Actor) -> None:
        did = self._excluded_by(conn, case_id, ext, actor)
        if did is not None:
            raise Forbidden("您已办理本案中须回避的前序步骤，不能再办理本步骤（职责分离），"
                            "请由他人办理 "
                            "(you completed a step of this case that this step must not be "
                            "done by the same person (separation of duties))",
                            case_id=case_id, task_id=task_row.id)

    def _set_assignee(self, conn: Connection, row: CaseRow, task_row: Any,
                      assignee: str | None, actor: Actor, action: str) -> None:
        now = self.clock.now()
        conn.execute(sa.update(human_task).where(human_task.c.id == task_row.id).values(
            assignee=assignee, claimed_at=now if assignee else None))
        audit.append(conn, row.id, actor.id, action,
                     {"task": task_row.id, "assignee": assignee}, now, task_row.element_id)
