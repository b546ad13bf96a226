"""Working on tasks: complete, claim, give back, hand on, comment; and the task as read.

A task someone may not see does not exist for them (404 before any other check). A
completion checks the named people and the form's evidence, completes the task through the
engine and attaches the evidence, all in one transaction (a deadline the form sets is
checked first, :mod:`~hazardflow.workflows.deadlines`): a completion that is refused, or
that loses a race for a photo, leaves the case and every file as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hazardflow.engine import Actor, Detail, EngineError, InvalidInput, StepResult
from hazardflow.engine.inspect import case_data

from .. import (
    case_record,
    cases,
    deadlines,
    evidence,
    inbox,
    policy,
    public_reports_view,
    task_holders,
)
from ..ledger import hazard_for_case
from ..runtime import Runtime
from ..uow import reading, unit_of_work
from ..users import actor_for, get_user

MAX_BULK = 200


def complete(rt: Runtime, actor: Actor, task_id: int, data: Mapping[str, Any], *,
             expected_revision: int | None = None) -> StepResult:
    """Complete ``task_id`` with form ``data``; ``expected_revision`` refuses a completion
    made stale by someone else's (Conflict)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("表单数据必须是对象 (form data must be a JSON object)",
                           task_id=task_id)
    with unit_of_work(rt) as conn:
        detail = cases.task_detail(conn, rt.engine, actor, task_id)  # visible, or NotFound
        case_id, form = int(detail["case_id"]), detail["form"]
        deadlines.check_form_deadlines(form, data, rt.calendar, rt.now(),
                                       rt.settings.max_deadline_days)
        cases.check_people(conn, case_id, data)
        evidence.check_form(conn, form, data, actor.id, case_id)
        result = rt.engine.complete_task(conn, task_id, actor, data,
                                         expected_revision=expected_revision)
        evidence.attach_form(conn, form, data, case_id, actor.id, task_id)
    return result


def claim(rt: Runtime, actor: Actor, task_id: int) -> None:
    with unit_of_work(rt) as conn:
        policy.require_visible_task(conn, actor, task_id)
        rt.engine.claim(conn, task_id, actor)


def unclaim(rt: Runtime, actor: Actor, task_id: int) -> None:
    with unit_of_work(rt) as conn:
        policy.require_visible_task(conn, actor, task_id)
        rt.engine.unclaim(conn, task_id, actor)


def assign(rt: Runtime, actor: Actor, task_id: int, username: Any) -> None:
    """Hand a task to a co-candidate named by username (a task someone else holds is not
    the actor's to hand on: that is a supervisor's repair, with a reason)."""
    with unit_of_work(rt) as conn:
        policy.require_visible_task(conn, actor, task_id)
        assignee = _active_person(conn, username, "assignee")
        rt.engine.assign(conn, task_id, actor, assignee)


def _active_person(conn: Any, username: Any, field: str) -> Actor:
    user = get_user(conn, username) if isinstance(username, str) and username else None
    if user is None or not user.active:
        raise InvalidInput("unknown person", [Detail(
            f"没有这个可用的用户 (no active user {username!r})", field=field)])
    return actor_for(conn, user.id)


@dataclass(frozen=True)
class BulkOutcome:
    done: int
    refused: list[tuple[int, str]]  # task id, why


def bulk(rt: Runtime, actor: Actor, action: str, task_ids: list[int],
         assignee: str | None = None) -> BulkOutcome:
    """Claim, or hand to one person, each task on its own: one refusal (taken by someone
    else meanwhile) does not stop the rest."""
    if action not in ("claim", "assign"):
        raise InvalidInput("unknown action", [Detail("claim 或 assign", field="action")])
    if not task_ids or len(task_ids) > MAX_BULK:
        raise InvalidInput("select tasks", [Detail(f"请勾选 1 至 {MAX_BULK} 个任务",
                                                   field="task")])
    if action == "assign":
        with reading(rt) as conn:
            _active_person(conn, assignee, "assignee")
    done, refused = 0, []
    for task_id in task_ids:
        try:
            if action == "assign":
                assign(rt, actor, task_id, assignee)
            else:
                claim(rt, actor, task_id)
            done += 1
        except EngineError as exc:
            refused.append((task_id, exc.message))
    return BulkOutcome(done, refused)


def comment(rt: Runtime, actor: Actor, task_id: int, body: str) -> None:
    with unit_of_work(rt) as conn:
        case_id = policy.require_visible_task(conn, actor, task_id)
        inbox.add_comment(conn, case_id, task_id, actor.id, body, rt.now())


# -- reading -------------------------------------------------------------------------------

def task(rt: Runtime, actor: Actor, task_id: int) -> dict[str, Any]:
    """One task with its form and the case revision it was read at."""
    with reading(rt) as conn:
        return cases.task_detail(conn, rt.engine, actor, task_id)


def task_page(rt: Runtime, actor: Actor, task_id: int) -> dict[str, Any]:
    """What the task page shows: the task, its hazard, the case's variables, the people who
    may be named in it, the record the decision rests on (every step completed before it),
    the comments, and, when the actor may not act on it, why and who may (``refusal``)."""
    with reading(rt) as conn:
        detail = cases.task_detail(conn, rt.engine, actor, task_id)
        case_id = detail["case_id"]
        hazard = hazard_for_case(conn, case_id)
        steps = case_record.case_record(conn, rt.engine, actor, case_id, rt.calendar)
        done_at = next((s.seq for s in steps if s.task_id == task_id), None)
        return {"task": detail, "hazard": hazard, "values": case_data(conn, rt.engine, case_id),
                "record": [s for s in steps if done_at is None or s.seq < done_at],
                "people": inbox.people_at(conn, (hazard or {}).get("unit_code")),
                "comments": inbox.comments_for(conn, case_id),
                "report": public_reports_view.report_panel(conn, actor, case_id),
                "refusal": task_holders.refusal(conn, rt.engine, actor, task_id)
                if detail["state"] == "open" else None}


def list_tasks(rt: Runtime, actor: Actor, query: inbox.TaskQuery) -> dict[str, Any]:
    with reading(rt) as conn:
        return inbox.list_tasks(conn, actor, query, rt.now(), rt.engine.exclusions(conn))
