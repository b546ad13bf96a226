"""Who holds an open task, by name and role, and why someone else may not act on it.

Whether an actor may act is the engine's own answer (``Engine.refusal``: the checks a
completion makes: open, candidate, claimed by someone else, separation of duties); this
module only names the people: the holder (display name, role and unit), or the candidate
groups (role at unit, with the names of the active people who hold it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Engine
from hazardflow.engine.schema import human_task, task_candidate

from .roles import role_name
from .schema import app_user, unit, user_role
from .users import grants_of


@dataclass(frozen=True)
class Group:
    """A candidate group: a role (at a unit) and the names of the people holding it."""

    role: str
    unit: str = ""
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Holders:
    """Who holds an open task: its assignee, else its candidate groups."""

    task_id: int
    task: str
    assignee: str | None = None
    assignee_role: str = ""  # the role's label (a catalogue word)
    assignee_unit: str = ""  # the unit's name the assignee holds it at
    groups: list[Group] = field(default_factory=list)


@dataclass(frozen=True)
class Refusal:
    """Why the actor may not act: ``not_candidate``, ``held_by_other`` (``holders`` says who),
    ``excluded`` (they did ``done``, which this step must not be done by)."""

    reason: str
    holders: Holders
    done: str = ""


def _name(conn: Connection, username: str) -> str:
    found = conn.execute(sa.select(app_user.c.display_name).where(
        app_user.c.username == username)).scalar()
    return str(found) if found else username


def _role_of(conn: Connection, username: str,
             groups: list[tuple[str, str | None]]) -> tuple[str, str]:
    """(role label, unit name) of the grant ``username`` holds the task by."""
    rows = conn.execute(sa.select(user_role.c.role, unit.c.code, unit.c.name)
                        .select_from(user_role.join(app_user, app_user.c.id == user_role.c.user_id)
                                     .outerjoin(unit, unit.c.id == user_role.c.unit_id))
                        .where(app_user.c.username == username)
                        .order_by(user_role.c.role)).all()
    held = [r for r in rows if r.role != "admin"] or rows
    chosen = next((r for r in held if (r.role, r.code) in groups or (r.role, None) in groups),
                  held[0] if held else None)
    if chosen is None:
        return ("", "")
    return (role_name(chosen.role), str(chosen.name or ""))


def _holding(conn: Connection, role: str, code: str | None) -> tuple[str, ...]:
    """The names of the active people who hold ``role`` at ``code`` as the engine counts it
    (their grants, with a 卫生监督所's delegation: ``users.grants_of``)."""
    rows = conn.execute(sa.select(app_user.c.id, app_user.c.display_name).distinct()
                        .select_from(app_user.join(user_role,
                                                   user_role.c.user_id == app_user.c.id))
                        .where(user_role.c.role == role, app_user.c.active.is_(True))
                        .order_by(app_user.c.display_name)).all()
    return tuple(str(r.display_name) for r in rows
                 if any(g == role and (code is None or c == code)
                        for g, c in grants_of(conn, r.id)))


def holders(conn: Connection, task_id: int) -> Holders:
    """Who holds the open task ``task_id``, by name and role."""
    task = conn.execute(sa.select(human_task.c.name, human_task.c.assignee).where(
        human_task.c.id == task_id)).one()
    wanted = [(r.role, r.unit) for r in conn.execute(
        sa.select(task_candidate.c.role, task_candidate.c.unit)
        .where(task_candidate.c.human_task_id == task_id).order_by(task_candidate.c.id))]
    if task.assignee:
        role, where = _role_of(conn, task.assignee, wanted)
        return Holders(task_id, task.name, _name(conn, task.assignee), role, where)
    groups = []
    for role, code in wanted:
        if role.startswith("user:"):
            person = role[5:]
            role, where = _role_of(conn, person, wanted)
            groups.append(Group(role, where, names=(_name(conn, person),)))
            continue
        unit_name = conn.execute(sa.select(unit.c.name).where(unit.c.code == code)).scalar() \
            if code else None
        groups.append(Group(role_name(role), str(unit_name or ""),
                            _holding(conn, role, code)))
    staffed = [g for g in groups if g.names]  # a group nobody holds says nothing
    return Holders(task_id, task.name, groups=staffed or groups)


def open_holders(conn: Connection, case_id: int) -> list[Holders]:
    """Who holds each open task of the case (what happens next, and whose it is)."""
    ids = conn.execute(sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id, human_task.c.state == "open")
        .order_by(human_task.c.id)).scalars()
    return [holders(conn, int(i)) for i in ids]


def refusal(conn: Connection, engine: Engine, actor: Actor, task_id: int) -> Refusal | None:
    """Why ``actor`` may not act on the open task (None: they may, or it is closed)."""
    found = engine.refusal(conn, task_id, actor)
    if found is None or found.reason == "closed":
        return None
    done = ""
    if found.reason == "excluded" and found.element:
        case_id = conn.execute(sa.select(human_task.c.case_id).where(
            human_task.c.id == task_id)).scalar_one()
        done = str(conn.execute(sa.select(human_task.c.name).where(
            human_task.c.case_id == case_id, human_task.c.element_id == found.element)
            .limit(1)).scalar() or found.element)
    return Refusal(found.reason, holders(conn, task_id), done)
