"""In-app notifications (站内通知): to one user, or to everyone holding a role at a unit.

A group notification is one row; reading it marks it read for the whole group.

Besides the notices the BPMN sends (service task ``notify``), three kinds follow the human
tasks of every process: ``task_new`` when a task is opened (:class:`TaskNotifier`, an engine
listener), ``task_due_soon`` (due within :data:`DUE_SOON`) and ``task_overdue``
(:func:`notify_due_tasks`, run periodically by both drivers). Each goes to the task's
assignee, or when it has none to its candidates: a ``user:`` candidate as that user, a
(role, unit) candidate as a group row. Each exists once per task, kind and recipient. Like
the task itself, its notices are not for someone excluded from it by separation of duties
(``excludePerformersOf``: the verification must not be done by the rectifier): a group row
is shared, so the reader is left out when it is read or delivered
(``policy.visible_notifications`` with the engine's ``exclusions``, the inbox's rule).

**Who reads them.** A notification about a case is listed, counted and marked read only for
a reader who may see that case (``policy.visible_cases``, the rule every read path about
cases follows). Rows are made for every recipient the process names, even while the case is
hidden from some of them (an unannounced-visit finding, before it is published, is hidden
from its unit's staff although they are candidates of its first task); a group row is shared
by readers who may see different things, and once the finding is published its notices
appear unread. Whatever else delivers notifications (e-mail, SMS) must apply the same
predicate for each person at the moment it delivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.engine import Connection

from hazardflow.engine.db import write_transaction
from hazardflow.engine.ownership import Exclusion
from hazardflow.engine.schema import human_task, task_candidate
from hazardflow.engine.services import Actor, CaseView, Grant

from .calendar import BusinessCalendar
from .delivery_plan import plan_deliveries, plan_for_once_keys
from .phrases import Phrase, phrase, stored
from .policy import visible_notifications
from .schema import app_user, hazard, notification, unit

KINDS: dict[str, str] = {
    "remind": "整改期限临近提醒",
    "due": "整改期限已到",
    "overdue": "隐患整改超期",
    "escalate": "隐患超期升级",
    "report_up": "重大隐患上报",
    "major_registered": "重大隐患登记",
    "listed_supervision": "重大隐患挂牌督办",
    "supervision_letter": "督办函",
    "publish": "隐患通报",
    "duty_level": "提级值班人员不足",
    "duty_swap": "值班换班",
    "supply_expiry": "应急物资临期或过期",
    "event_report": "突发事件信息报告",
    "event_overdue": "信息报告超时",
    "consultation_overdue": "会商事项逾期未落实",
    "consultation_due": "会商待召开",
    "task_new": "新待办",
    "task_due_soon": "待办即将到期",
    "task_overdue": "待办已超期",
}
TASK_KINDS = ("task_new", "task_due_soon", "task_overdue")
DUE_SOON = timedelta(days=3)
DUE_SWEEP_SECONDS = 60.0  # how often both drivers look for tasks due soon or overdue
BATCH = 500


def kind_name(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return KINDS[kind]


def _unit_id(conn: Connection, code: str | None) -> int | None:
    if code is None:
        return None
    found = conn.execute(select(unit.c.id).where(unit.c.code == code)).scalar()
    if found is None:
        raise ValueError(f"unknown unit code {code!r}")
    return int(found)


def add_notification(conn: Connection, *, kind: str, title: Phrase, body: Phrase,
                     now: datetime, user_id: int | None = None, grant: Grant | None = None,
                     case_id: int | None = None, task_id: int | None = None) -> int:
    """Store one notification for ``user_id`` or for the (role, unit code) ``grant``: its
    text in Chinese, as it is sent, and its parts (``workflows/phrases.py``)."""
    kind_name(kind)
    if (user_id is None) == (grant is None):
        raise ValueError("a notification goes to a user or to a (role, unit) group, not both")
    role, unit_id = (grant[0], _unit_id(conn, grant[1])) if grant else (None, None)
    result = conn.execute(notification.insert().values(
        user_id=user_id, role=role, unit_id=unit_id, case_id=case_id, task_id=task_id,
        kind=kind, title=title.text, body=body.text, said=stored(title, body),
        created_at=now))
    made = int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0
    plan_deliveries(conn, [made], now)  # e-mail, SMS…: in the same transaction
    return made


# -- whose notifications (policy.visible_notifications) ---------------------------------

def notifications_for(conn: Connection, user_id: int, actor: Actor,
                      exclusions: Sequence[Exclusion], unread_only: bool = False,
                      limit: int = 50, offset: int = 0,
                      unread_first: bool = False) -> list[dict[str, Any]]:
    """Newest first (unread ones first with ``unread_first``): the user's own notifications
    and those of the groups they belong to, about cases they may see and no task they are
    excluded from (``actor`` is the user's; ``exclusions`` the engine's)."""
    order: list[Any] = [notification.c.read_at.is_not(None)] if unread_first else []
    query = (select(notification, unit.c.code.label("unit_code"))
             .select_from(notification.outerjoin(unit, unit.c.id == notification.c.unit_id))
             .where(visible_notifications(user_id, actor, exclusions))
             .order_by(*order, notification.c.created_at.desc(), notification.c.id.desc())
             .limit(limit).offset(offset))
    if unread_only:
        query = query.where(notification.c.read_at.is_(None))
    return [dict(row._mapping) for row in conn.execute(query)]


def count_for(conn: Connection, user_id: int, actor: Actor, exclusions: Sequence[Exclusion],
              unread_only: bool = False) -> int:
    query = select(sa.func.count()).select_from(notification).where(
        visible_notifications(user_id, actor, exclusions))
    if unread_only:
        query = query.where(notification.c.read_at.is_(None))
    return int(conn.execute(query).scalar_one())


def unread_count(conn: Connection, user_id: int, actor: Actor,
                 exclusions: Sequence[Exclusion]) -> int:
    """How many unread notifications the user sees (their own and their groups')."""
    return count_for(conn, user_id, actor, exclusions, unread_only=True)


def mark_read(conn: Connection, notification_id: int, now: datetime) -> None:
    conn.execute(update(notification).where(notification.c.id == notification_id,
                                            notification.c.read_at.is_(None))
                 .values(read_at=now))


def notification_of(conn: Connection, notification_id: int, user_id: int, actor: Actor,
                    exclusions: Sequence[Exclusion]) -> dict[str, Any] | None:
    """One notification if the user sees it (addressed to them or their groups, about a
    case they may see and no task they are excluded from), else None."""
    row = conn.execute(select(notification).where(
        notification.c.id == notification_id,
        visible_notifications(user_id, actor, exclusions))).first()
    return dict(row._mapping) if row else None


def mark_read_for(conn: Connection, notification_id: int, user_id: int, actor: Actor,
                  exclusions: Sequence[Exclusion], now: datetime) -> bool:
    """Mark one of the notifications the user sees read; False when they do not see it."""
    if notification_of(conn, notification_id, user_id, actor, exclusions) is None:
        return False
    mark_read(conn, notification_id, now)
    return True


def mark_all_read(conn: Connection, user_id: int, actor: Actor,
                  exclusions: Sequence[Exclusion], now: datetime) -> int:
    """Mark every unread notification the user sees as read; returns how many."""
    # the ids first: the visibility rule's recursive CTE would open the UPDATE with WITH,
    # for which SQLite's driver reports no row count
    ids = list(conn.execute(select(notification.c.id).where(
        notification.c.read_at.is_(None),
        visible_notifications(user_id, actor, exclusions))).scalars())
    marked = 0
    for start in range(0, len(ids), BATCH):
        marked += conn.execute(update(notification).where(
            notification.c.id.in_(ids[start:start + BATCH]),
            notification.c.read_at.is_(None)).values(read_at=now)).rowcount or 0
    return marked


# -- task notifications -----------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    user_id: int | None = None
    role: str | None = None
    unit_id: int | None = None

    @property
    def key(self) -> str:
        if self.user_id is not None:
            return f"u{self.user_id}"
        return f"g{self.role}@{self.unit_id if self.unit_id is not None else '*'}"


def task_recipients(conn: Connection, rows: Sequence[Any]) -> dict[int, list[Recipient]]:
    """Who hears about each task (``rows`` of :func:`_task_rows`): its assignee, else its
    candidate users and groups."""
    out: dict[int, list[Recipient]] = {int(r.id): [] for r in rows}
    for row in rows:
        if row.assignee_id is not None:
            out[int(row.id)].append(Recipient(user_id=int(row.assignee_id)))
    groups = [int(r.id) for r in rows if r.assignee_id is None]
    if not groups:
        return out
    found_rows = conn.execute(
        select(task_candidate.c.human_task_id, task_candidate.c.role, task_candidate.c.unit,
               unit.c.id.label("unit_id"), app_user.c.id.label("user_id"))
        .select_from(task_candidate
                     .outerjoin(unit, unit.c.code == task_candidate.c.unit)
                     .outerjoin(app_user, sa.and_(
                         task_candidate.c.role.startswith("user:"),
                         app_user.c.username == sa.func.substr(task_candidate.c.role, 6))))
        .where(task_candidate.c.human_task_id.in_(groups))
        .order_by(task_candidate.c.id))
    for row in found_rows:
        if row.role.startswith("user:"):
            found = Recipient(user_id=int(row.user_id)) if row.user_id is not None else None
        elif row.unit is None or row.unit_id is not None:
            found = Recipient(role=row.role, unit_id=row.unit_id)
        else:
            found = None  # a unit code that no longer exists
        if found is not None and found not in out[row.human_task_id]:
            out[row.human_task_id].append(found)
    return out


_ASSIGNEE = app_user.alias("assignee_user")


def _task_rows(conn: Connection, task_ids: Sequence[int]) -> list[Any]:
    """The tasks with what their notice says, and the user id of their assignee (None for
    a task not assigned, or assigned to a username no user has)."""
    return list(conn.execute(
        select(human_task.c.id, human_task.c.case_id, human_task.c.name, human_task.c.due_at,
               hazard.c.code.label("hazard_code"), hazard.c.location,
               unit.c.name.label("unit_name"), _ASSIGNEE.c.id.label("assignee_id"))
        .select_from(human_task.outerjoin(hazard, hazard.c.case_id == human_task.c.case_id)
                     .outerjoin(unit, unit.c.id == hazard.c.unit_id)
                     .outerjoin(_ASSIGNEE, _ASSIGNEE.c.username == human_task.c.assignee))
        .where(human_task.c.id.in_(list(task_ids))).order_by(human_task.c.id)))


# what a task's notice says (workflows/phrases.py)
TASK_TEXTS: dict[str, str] = {
    "title": "【%(kind)s】%(task)s",
    "hazard": "隐患 %(code)s",
    "case": "案件 %(case)s",
    "where": "%(unit)s，%(location)s",
    "body_where_due": "%(about)s（%(where)s）：%(task)s，截止 %(due)s。",
    "body_where": "%(about)s（%(where)s）：%(task)s。",
    "body_due": "%(about)s：%(task)s，截止 %(due)s。",
    "body": "%(about)s：%(task)s。",
}


def _texts(kind: str, row: Any, calendar: BusinessCalendar) -> tuple[Phrase, Phrase]:
    t = TASK_TEXTS
    about = phrase(t["hazard"], code=row.hazard_code) if row.hazard_code \
        else phrase(t["case"], case=str(row.case_id))
    named = [p for p in (row.unit_name, row.location) if p]
    where: Phrase | str = phrase(t["where"], unit=named[0], location=named[1]) \
        if len(named) == 2 else "".join(named)
    due = calendar.due_text(row.due_at) if row.due_at is not None else ""
    form = "body" + ("_where" if where else "") + ("_due" if due else "")
    values: dict[str, Phrase | str] = {"about": about, "task": row.name or ""}
    if where:
        values["where"] = where
    if due:
        values["due"] = due
    return (phrase(t["title"], words=("kind", "task"), kind=kind_name(kind), task=row.name or ""),
            phrase(t[form], words=("task",), **values))


def _notify_tasks(conn: Connection, kind: str, task_ids: Sequence[int], now: datetime,
                  calendar: BusinessCalendar, fresh_tasks: bool = False) -> int:
    """One notification per recipient of each task, unless that one exists already
    (``fresh_tasks``: the tasks were opened just now, so none can exist); due times are
    written in ``calendar``'s business time."""
    count = 0
    for start in range(0, len(task_ids), BATCH):
        chunk = list(task_ids[start:start + BATCH])
        rows = _task_rows(conn, chunk)
        recipients = task_recipients(conn, rows)
        values = []
        for row in rows:
            title, body = _texts(kind, row, calendar)
            said = stored(title, body)
            for who in recipients.get(int(row.id), []):
                values.append({"user_id": who.user_id, "role": who.role,
                               "unit_id": who.unit_id, "case_id": row.case_id,
                               "task_id": row.id, "kind": kind, "title": title.text,
                               "body": body.text, "said": said,
                               "created_at": now, "read_at": None,
                               "once_key": f"{kind}:{row.id}:{who.key}"})
        if not values:
            continue
        keys = [v["once_key"] for v in values]
        seen = set() if fresh_tasks else set(conn.execute(
            select(notification.c.once_key).where(notification.c.once_key.in_(keys))).scalars())
        fresh = [v for v in values if v["once_key"] not in seen]
        if fresh:
            conn.execute(notification.insert(), fresh)
            plan_for_once_keys(conn, [v["once_key"] for v in fresh], now)
            count += len(fresh)
    return count


def notify_new_tasks(conn: Connection, task_ids: Sequence[int], now: datetime,
                     calendar: BusinessCalendar) -> int:
    """``task_new`` notifications for freshly opened human tasks; returns how many rows."""
    return _notify_tasks(conn, "task_new", list(task_ids), now, calendar, fresh_tasks=True)


class TaskNotifier:
    """A CaseListener: every human task a step opens notifies its assignee or candidates."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar

    def case_changed(self, conn: Connection, view: CaseView) -> None:
        if view.opened:
            notify_new_tasks(conn, view.opened, view.now, self.calendar)


def _due_without(conn: Connection, kind: str, condition: ColumnElement[bool]) -> list[int]:
    already = select(notification.c.id).where(notification.c.task_id == human_task.c.id,
                                              notification.c.kind == kind)
    return [int(i) for i in conn.execute(
        select(human_task.c.id).where(human_task.c.state == "open", condition,
                                      ~already.exists()).order_by(human_task.c.id)).scalars()]


def notify_due_tasks_in(conn: Connection, now: datetime,
                        calendar: BusinessCalendar) -> dict[str, int]:
    """In the caller's transaction: notify open tasks that became due soon or overdue."""
    overdue = _due_without(conn, "task_overdue", human_task.c.due_at < now)
    soon = _due_without(conn, "task_due_soon", and_(human_task.c.due_at >= now,
                                                    human_task.c.due_at < now + DUE_SOON))
    return {"task_overdue": _notify_tasks(conn, "task_overdue", overdue, now, calendar),
            "task_due_soon": _notify_tasks(conn, "task_due_soon", soon, now, calendar)}


def notify_due_tasks(target: sa.Engine | Connection, now: datetime,
                     calendar: BusinessCalendar) -> dict[str, int]:
    """The periodic job of both drivers: a ``task_due_soon`` notification for each open task
    due within three days and a ``task_overdue`` one for each task past due, each once per
    task and recipient. Given an engine it runs in its own write transaction; returns the
    number of rows made per kind."""
    if isinstance(target, Connection):
        return notify_due_tasks_in(target, now, calendar)
    with write_transaction(target) as conn:
        return notify_due_tasks_in(conn, now, calendar)
