"""A case's record (办理记录): what each step submitted, step by step, from the audit log.

Each completed step is its diagram's name, the person who did it (display name, the role
they acted in and its unit), when (business time), and what they submitted: each field under
its form's title, a choice by its label, a person by name, evidence as attachments. The
task pages show it above the form (the record a decision rests on), the case page and the
隐患档案 PDF the whole of it. Who may read it is the case's visibility (``policy``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Engine, audit
from hazardflow.engine.schema import human_task, process_case, task_candidate

from . import formfields
from .calendar import BusinessCalendar
from .evidence import Evidence, get_evidence, may_view, parse_ref
from .policy import require_visible_case
from .roles import role_name
from .schema import app_user, unit
from .users import grants_of

STEP_ACTIONS = ("start", "complete")
YES, NO = "是", "否"


@dataclass(frozen=True)
class Entry:
    """One submitted field: its form title, its text, whether the text is a label (a
    choice, yes/no: translated on the pages), and its attachments."""

    title: str
    text: str = ""
    label: bool = False
    files: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Step:
    seq: int
    element_id: str
    name: str
    who: str
    role: str  # "role（unit）" as the dossier prints it; its parts below, for a page to translate
    at: datetime
    when: str
    entries: list[Entry] = field(default_factory=list)
    task_id: int | None = None
    role_name: str = ""  # the role's label (a catalogue word), or 系统 for the system
    role_unit: str = ""  # the unit's name, as the database holds it


def case_record(conn: Connection, engine: Engine, actor: Actor, case_id: int,
                calendar: BusinessCalendar) -> list[Step]:
    """The case's completed steps in order (the registration first); NotFound unless the
    actor may see the case."""
    require_visible_case(conn, actor, case_id)
    definition_id = conn.execute(sa.select(process_case.c.definition_id).where(
        process_case.c.id == case_id)).scalar_one()
    definition = engine.definitions.get(conn, definition_id)
    events = [e for e in audit.history(conn, case_id) if e["action"] in STEP_ACTIONS]
    task_ids = [int(e["payload"]["task"]) for e in events
                if e["action"] == "complete" and isinstance(e["payload"].get("task"), int)]
    tasks = {r.id: r for r in conn.execute(sa.select(
        human_task.c.id, human_task.c.name, human_task.c.form_key, human_task.c.element_id)
        .where(human_task.c.id.in_(task_ids or [0])))}
    people = _People(conn, task_ids)
    steps = []
    for event in events:
        payload = event["payload"] or {}
        at = datetime.fromisoformat(event["at"])
        if event["action"] == "start":
            form_key, name = definition.start_form, _start_name(definition)
            element, task_id = definition.start_form or "start", None
        else:
            row = tasks.get(payload.get("task"))
            if row is None:
                continue
            form_key, name, element, task_id = row.form_key, row.name, row.element_id, row.id
        schema = definition.forms.get(form_key or "") or {}
        who, role_name, role_unit = people.describe(event["actor"], task_id)
        role = f"{role_name}（{role_unit}）" if role_unit else role_name
        steps.append(Step(
            seq=event["seq"], element_id=element, name=name or element, who=who, role=role,
            role_name=role_name, role_unit=role_unit,
            at=at, when=calendar.local(at).strftime("%Y-%m-%d %H:%M"),
            entries=_entries(conn, actor, schema, payload.get("data") or {}, people, calendar),
            task_id=task_id))
    return steps


def _start_name(definition: Any) -> str:
    form = definition.forms.get(definition.start_form or "") or {}
    return str(form.get("title") or definition.name or "发起")


def _entries(conn: Connection, actor: Actor, schema: Mapping[str, Any],
             data: Mapping[str, Any], people: _People,
             calendar: BusinessCalendar) -> list[Entry]:
    out = []
    for name, spec in formfields.properties(schema):
        value = data.get(name)
        if value is None or value == "" or value == []:
            continue
        title = str(spec.get("title") or name)
        kind = formfields.widget(name, spec)
        if kind == "evidence":
            refs = value if isinstance(value, list) else [value]
            found = [e for e in (_evidence(conn, r) for r in refs) if e is not None]
            out.append(Entry(title, files=tuple(e for e in found if may_view(conn, actor, e))))
        elif kind == "checkbox":
            out.append(Entry(title, YES if value else NO, label=True))
        elif kind in ("radio", "select", "multi"):
            labels = dict(formfields.choices(spec if kind != "multi" else spec["items"]))
            items = value if isinstance(value, list) else [value]
            out.append(Entry(title, "、".join(str(labels.get(v, v)) for v in items),
                             label=all(v in labels for v in items)))
        elif kind == "user":
            out.append(Entry(title, people.name(str(value))))
        elif name == "unit_code":
            out.append(Entry(title, _unit_name(conn, str(value))))
        elif kind == "datetime" and isinstance(value, str):
            try:
                out.append(Entry(title, calendar.local(datetime.fromisoformat(value))
                                 .strftime("%Y-%m-%d %H:%M")))
            except ValueError:
                out.append(Entry(title, value))
        elif isinstance(value, list):
            out.append(Entry(title, "；".join(str(v) for v in value)))
        else:
            out.append(Entry(title, str(value)))
    return out


def _evidence(conn: Connection, value: Any) -> Evidence | None:
    number = parse_ref(value)
    return get_evidence(conn, number) if number is not None else None


def _unit_name(conn: Connection, code: str) -> str:
    name = conn.execute(sa.select(unit.c.name).where(unit.c.code == code)).scalar()
    return str(name) if name else code


class _People:
    """Display names and the role each person acted in (a role the task's candidates name,
    else their first), read once per person."""

    def __init__(self, conn: Connection, task_ids: list[int]) -> None:
        self.conn = conn
        self.users: dict[str, Any] = {}
        self.candidates: dict[int, set[tuple[str, str | None]]] = {}
        for row in conn.execute(sa.select(task_candidate.c.human_task_id, task_candidate.c.role,
                                          task_candidate.c.unit)
                                .where(task_candidate.c.human_task_id.in_(task_ids or [0]))):
            self.candidates.setdefault(row.human_task_id, set()).add((row.role, row.unit))
        self.units = dict(conn.execute(sa.select(unit.c.code, unit.c.name)).all())

    def _user(self, username: str) -> Any:
        if username not in self.users:
            self.users[username] = self.conn.execute(sa.select(
                app_user.c.id, app_user.c.display_name).where(
                app_user.c.username == username)).first()
        return self.users[username]

    def name(self, username: str) -> str:
        user = self._user(username)
        return str(user.display_name) if user is not None else username

    def describe(self, username: str, task_id: int | None) -> tuple[str, str, str]:
        """(display name, role label, unit name) of who acted on ``task_id`` (or started the
        case); the system acts as 系统, without a unit."""
        user = self._user(username)
        if user is None:
            return (username, "系统" if username == "system" else "", "")
        grants = [g for g in grants_of(self.conn, user.id) if g[0] != "admin"] or \
            grants_of(self.conn, user.id)
        wanted = self.candidates.get(task_id or 0, set())
        chosen = next((g for g in grants if g in wanted or (g[0], None) in wanted),
                      grants[0] if grants else None)
        if chosen is None:
            return (str(user.display_name), "", "")
        role, code = chosen
        return (str(user.display_name), role_name(role), self.units.get(code, code) if code else "")
