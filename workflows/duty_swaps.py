"""Duty swaps (换班/替班): a person on duty asks a colleague of the same unit to take their
duty on a day (替班), or to exchange it for a day the colleague is on duty (换班, same post);
the colleague accepts or declines; the roster's keeper approves or rejects. Only an approved
swap changes the roster, and it is checked again then (a roster edited in between refuses
it with a 409).

A small state machine rather than a BPMN process: three steps in a fixed order, no timers,
no branches a designer would change, and each step names one person or the unit's keepers,
which the roster (not a diagram lane) knows. Each step notifies the next party in-app
(``duty_swap``); the use-cases journal every step.

``requested`` → ``accepted`` (colleague) → ``approved`` (keeper);
``requested`` → ``declined`` (colleague); ``accepted`` → ``rejected`` (keeper).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Conflict, Forbidden, NotFound

from . import policy
from .duty import POSTS, invalid, month_days, move_duty, on_duty, unit_people
from .duty_levels import new_id
from .notifications import add_notification
from .phrases import phrase
from .schema import app_user, unit
from .schema_duty import duty_roster, duty_swap

STATUSES: dict[str, str] = {"requested": "待同事确认", "accepted": "待审批",
                            "approved": "已批准", "declined": "同事已婉拒",
                            "rejected": "未批准"}
OPEN = ("requested", "accepted")


@dataclass(frozen=True)
class Swap:
    id: int
    roster_id: int
    unit_code: str
    unit_name: str
    unit_kind: str
    month: str
    day: str
    post: str
    requester_id: int
    requester: str  # username
    colleague_id: int
    colleague: str
    other_day: str | None
    reason: str
    status: str
    requested_at: datetime
    answered_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None

    @property
    def status_name(self) -> str:
        return STATUSES[self.status]

    @property
    def post_name(self) -> str:
        return POSTS[self.post]


def _query() -> sa.Select[Any]:
    requester, colleague = app_user.alias("swap_requester"), app_user.alias("swap_colleague")
    return (sa.select(duty_swap, unit.c.code.label("unit_code"),
                      unit.c.name.label("unit_name"), unit.c.kind.label("unit_kind"),
                      duty_roster.c.month, requester.c.username.label("requester"),
                      colleague.c.username.label("colleague"))
            .join(duty_roster, duty_roster.c.id == duty_swap.c.roster_id)
            .join(unit, unit.c.id == duty_roster.c.unit_id)
            .join(requester, requester.c.id == duty_swap.c.requester_id)
            .join(colleague, colleague.c.id == duty_swap.c.colleague_id))


def _swap(row: Any) -> Swap:
    m = row._mapping
    return Swap(**{name: m[name] for name in Swap.__dataclass_fields__})


def get_swap(conn: Connection, swap_id: int) -> Swap:
    row = conn.execute(_query().where(duty_swap.c.id == swap_id)).first()
    if row is None:
        raise NotFound(f"换班申请 {swap_id} 不存在 (swap {swap_id} does not exist)")
    return _swap(row)


def swaps_of(conn: Connection, roster_id: int) -> list[Swap]:
    """The roster's swaps, open ones first, newest first."""
    rows = conn.execute(_query().where(duty_swap.c.roster_id == roster_id).order_by(
        duty_swap.c.status.not_in(OPEN), duty_swap.c.requested_at.desc(),
        duty_swap.c.id.desc()))
    return [_swap(r) for r in rows]


def request(conn: Connection, *, roster: Any, unit_code: str, requester_id: int,
            colleague: str, day: str, other_day: str | None, reason: str, today: date,
            now: datetime) -> Swap:
    """Ask ``colleague`` (a username of the unit) to take the requester's duty on ``day``
    (and, with ``other_day``, give the requester theirs that day)."""
    days = {d.isoformat() for d in month_days(str(roster.month))}
    for name, value in (("day", day), ("other_day", other_day)):
        if value is not None and value not in days:
            raise invalid(f"日期 {value} 不在 {roster.month} 内 (not in the month)", name)
        if value is not None and value < today.isoformat():
            raise invalid(f"不能为已过去的日期换班：{value} (that day has passed)", name)
    if not reason.strip():
        raise invalid("请填写换班理由 (a reason is required)", "reason")
    post = on_duty(conn, int(roster.id), day, requester_id)
    if post is None:
        raise invalid(f"您在 {day} 没有值班，无需换班 (you are not on duty that day)", "day")
    people = {p.username: p.user_id for p in unit_people(conn, int(roster.unit_id))}
    colleague_id = people.get(colleague)
    if colleague_id is None or colleague_id == requester_id:
        raise invalid(f"请选择本单位的另一位同事 (choose a colleague of {unit_code})",
                      "colleague")
    if on_duty(conn, int(roster.id), day, colleague_id) is not None:
        raise invalid(f"该同事 {day} 已在值班 (the colleague is on duty that day)", "colleague")
    if other_day is not None and (on_duty(conn, int(roster.id), other_day, colleague_id) != post
                                  or on_duty(conn, int(roster.id), other_day, requester_id)):
        raise invalid(f"换班须换同事在 {other_day} 的同一岗位，且您当天未值班 (the colleague "
                      f"must hold the same post that day and you none)", "other_day")
    if conn.execute(sa.select(duty_swap.c.id).where(
            duty_swap.c.roster_id == roster.id, duty_swap.c.day == day,
            duty_swap.c.requester_id == requester_id,
            duty_swap.c.status.in_(OPEN))).first():
        raise Conflict(f"{day} 已有未办结的换班申请 (a swap for that day is already open)")
    swap_id = new_id(conn.execute(duty_swap.insert().values(
        roster_id=roster.id, day=day, post=post, requester_id=requester_id,
        colleague_id=colleague_id, other_day=other_day, reason=reason.strip(),
        status="requested", requested_at=now)))
    swap = get_swap(conn, swap_id)
    t = SWAP_TEXTS
    add_notification(conn, kind="duty_swap", now=now, user_id=colleague_id,
                     title=phrase(t["asked"], words=("post",), day=str(day),
                                  post=swap.post_name),
                     body=phrase(t["ask_swap" if other_day else "ask"], words=("post",),
                                 unit=swap.unit_name, day=str(day), post=swap.post_name,
                                 other=str(other_day or ""), reason=swap.reason))
    return swap


# what the people of a swap are told (workflows/phrases.py)
SWAP_TEXTS: dict[str, str] = {
    "asked": "换班申请：%(day)s %(post)s",
    "ask": "%(unit)s：同事请您代其 %(day)s 的%(post)s。理由：%(reason)s。请在值班表页面确认。",
    "ask_swap": "%(unit)s：同事请您代其 %(day)s 的%(post)s，并与您 %(other)s 的值班互换。"
                "理由：%(reason)s。请在值班表页面确认。",
    "accepted": "换班待审批：%(day)s %(post)s",
    "declined": "换班被婉拒：%(day)s %(post)s",
    "to_decide": "%(unit)s：%(day)s 的换班已获同事同意，请在值班表页面审批。",
    "declined_body": "%(unit)s：同事未同意 %(day)s 的换班。",
    "approved": "换班已批准：%(day)s %(post)s",
    "rejected": "换班未批准：%(day)s %(post)s",
    "approved_body": "%(unit)s：%(day)s 的换班已批准，值班表已更新。%(note)s",
    "rejected_body": "%(unit)s：%(day)s 的换班未获批准。%(note)s",
}


def _set(conn: Connection, swap: Swap, expected: str, **values: Any) -> None:
    changed = conn.execute(duty_swap.update().where(
        duty_swap.c.id == swap.id, duty_swap.c.status == expected).values(**values))
    if changed.rowcount != 1:
        raise Conflict("换班申请状态已变化，请刷新后再试 (the swap changed meanwhile)")


def answer(conn: Connection, swap: Swap, user_id: int, accept: bool, now: datetime) -> Swap:
    """The colleague's answer: accepted (it goes to the keepers) or declined."""
    if swap.colleague_id != user_id:
        raise Forbidden("只有被请求的同事可以确认换班 (only the colleague asked may answer)")
    if swap.status != "requested":
        raise Conflict(f"该换班申请{swap.status_name}，不能再确认 (the swap is {swap.status})")
    status = "accepted" if accept else "declined"
    _set(conn, swap, "requested", status=status, answered_at=now)
    t = SWAP_TEXTS
    title = phrase(t["accepted" if accept else "declined"], words=("post",),
                   day=str(swap.day), post=swap.post_name)
    if accept:
        for role in sorted(policy.roster_keepers(swap.unit_kind)):
            add_notification(conn, kind="duty_swap", now=now, grant=(role, swap.unit_code),
                             title=title, body=phrase(t["to_decide"], unit=swap.unit_name,
                                                      day=str(swap.day)))
    else:
        add_notification(conn, kind="duty_swap", now=now, user_id=swap.requester_id,
                         title=title, body=phrase(t["declined_body"], unit=swap.unit_name,
                                                  day=str(swap.day)))
    return get_swap(conn, swap.id)


def decide(conn: Connection, swap: Swap, by: str, approve: bool, note: str,
           now: datetime) -> Swap:
    """The keeper's decision; an approval moves the duty (and, for 换班, the other day's)."""
    if swap.status != "accepted":
        raise Conflict(f"该换班申请{swap.status_name}，不能审批 (the swap is {swap.status}; "
                       f"the colleague accepts first)")
    if approve:
        holds = on_duty(conn, swap.roster_id, swap.day, swap.requester_id) == swap.post \
            and on_duty(conn, swap.roster_id, swap.day, swap.colleague_id) is None
        if swap.other_day is not None:
            holds = holds and on_duty(conn, swap.roster_id, swap.other_day,
                                      swap.colleague_id) == swap.post \
                and on_duty(conn, swap.roster_id, swap.other_day, swap.requester_id) is None
        if not holds:
            raise Conflict("值班表已变化，该换班不再适用 (the roster changed since the request)")
        move_duty(conn, swap.roster_id, swap.day, swap.requester_id, swap.colleague_id)
        if swap.other_day is not None:
            move_duty(conn, swap.roster_id, swap.other_day, swap.colleague_id,
                      swap.requester_id)
    _set(conn, swap, "accepted", status="approved" if approve else "rejected",
         decided_at=now, decided_by=by, decision_note=note.strip() or None)
    for user_id in (swap.requester_id, swap.colleague_id):
        t = SWAP_TEXTS
        add_notification(conn, kind="duty_swap", now=now, user_id=user_id,
                         title=phrase(t["approved" if approve else "rejected"],
                                      words=("post",), day=str(swap.day), post=swap.post_name),
                         body=phrase(t["approved_body" if approve else "rejected_body"],
                                     unit=swap.unit_name, day=str(swap.day),
                                     note=note.strip()))
    return get_swap(conn, swap.id)
