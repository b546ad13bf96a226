"""Drills (应急演练) of emergency plans: the record (date, scenario, participants,
evaluation), the problems found with their rectification, and the hazard case a problem
may open (linked both ways: the problem names its case, :func:`drill_of_case` finds a
case's drill). A drill that found problems starts its plan's revision
(:mod:`~hazardflow.workflows.emergency_plans`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Conflict, Detail, InvalidInput, NotFound
from hazardflow.engine.db import new_id

from .schema_plans import drill_problem, emergency_plan, plan_drill

MAX_TEXT = 4000
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class DrillRecord:
    held_on: date
    scenario: str
    participants: str
    evaluation: str
    problems: tuple[str, ...]

    @classmethod
    def from_form(cls, data: Mapping[str, Any], today: date | None = None) -> DrillRecord:
        """The drill of a form (the task's or the page's); InvalidInput names each field."""
        problems: list[Detail] = []

        def text(name: str, label: str) -> str:
            value = str(data.get(name) or "").strip()
            if not value or len(value) > MAX_TEXT:
                problems.append(Detail(f"请填写{label}（不超过{MAX_TEXT}字）", field=name))
            return value

        try:
            held_on = date.fromisoformat(str(data.get("held_on") or ""))
        except ValueError:
            problems.append(Detail("演练日期须为 YYYY-MM-DD", field="held_on"))
            held_on = date.min
        if today is not None and held_on > today:
            problems.append(Detail("演练日期不能晚于今天", field="held_on"))
        raw = data.get("problems") or []
        items = raw.splitlines() if isinstance(raw, str) else list(raw)
        found = tuple(str(p).strip()[:1000] for p in items if str(p).strip())
        if len(found) > MAX_PROBLEMS:
            problems.append(Detail(f"问题最多 {MAX_PROBLEMS} 条", field="problems"))
        record = cls(held_on, text("scenario", "演练情景"), text("participants", "参演人员"),
                     text("evaluation", "演练评估"), found)
        if problems:
            raise InvalidInput("演练记录填写有误 (the drill record has problems)", problems)
        return record

    def form(self) -> dict[str, Any]:
        """As the drill task's form carries it."""
        return {"held_on": self.held_on.isoformat(), "scenario": self.scenario,
                "participants": self.participants, "evaluation": self.evaluation,
                "problems": list(self.problems)}


def insert_drill(conn: Connection, plan_id: int, record: DrillRecord, by: str,
                 now: datetime) -> int:
    drill_id = new_id(conn.execute(sa.insert(plan_drill).values(
        plan_id=plan_id, held_on=record.held_on, scenario=record.scenario,
        participants=record.participants, evaluation=record.evaluation, recorded_by=by,
        recorded_at=now)))
    for text in record.problems:
        conn.execute(sa.insert(drill_problem).values(drill_id=drill_id, description=text))
    return drill_id


def drills_of(conn: Connection, plan_id: int) -> list[dict[str, Any]]:
    """The plan's drills, newest first, each with its problems."""
    drills = [dict(r._mapping) for r in conn.execute(
        sa.select(plan_drill).where(plan_drill.c.plan_id == plan_id)
        .order_by(plan_drill.c.held_on.desc(), plan_drill.c.id.desc()))]
    found: dict[int, list[dict[str, Any]]] = {d["id"]: [] for d in drills}
    if found:
        for row in conn.execute(sa.select(drill_problem).where(
                drill_problem.c.drill_id.in_(sorted(found))).order_by(drill_problem.c.id)):
            found[row.drill_id].append(dict(row._mapping))
    return [{**d, "problems": found[d["id"]]} for d in drills]


def problem_row(conn: Connection, problem_id: int) -> Any:
    """The problem with its drill's plan and date (NotFound)."""
    row = conn.execute(
        sa.select(drill_problem, plan_drill.c.plan_id, plan_drill.c.held_on,
                  plan_drill.c.scenario, emergency_plan.c.title, emergency_plan.c.unit_id)
        .join(plan_drill, plan_drill.c.id == drill_problem.c.drill_id)
        .join(emergency_plan, emergency_plan.c.id == plan_drill.c.plan_id)
        .where(drill_problem.c.id == problem_id)).first()
    if row is None:
        raise NotFound(f"演练问题 {problem_id} 不存在 (drill problem {problem_id} does not "
                       f"exist)")
    return row


def link_hazard(conn: Connection, problem_id: int, case_id: int) -> None:
    """The problem opened hazard case ``case_id`` (once)."""
    done = conn.execute(sa.update(drill_problem).where(
        drill_problem.c.id == problem_id, drill_problem.c.hazard_case_id.is_(None))
        .values(hazard_case_id=case_id)).rowcount
    if not done:
        raise Conflict(f"演练问题 {problem_id} 已登记为隐患 (drill problem {problem_id} "
                       f"already opened a hazard case)")


def set_rectification(conn: Connection, problem_id: int, text: str) -> None:
    conn.execute(sa.update(drill_problem).where(drill_problem.c.id == problem_id)
                 .values(rectification=text))


def drill_of_case(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """The drill problem that opened hazard case ``case_id`` (the other way of the link)."""
    row = conn.execute(
        sa.select(drill_problem.c.id.label("problem_id"), drill_problem.c.description,
                  plan_drill.c.id.label("drill_id"), plan_drill.c.held_on,
                  plan_drill.c.plan_id, emergency_plan.c.title)
        .join(plan_drill, plan_drill.c.id == drill_problem.c.drill_id)
        .join(emergency_plan, emergency_plan.c.id == plan_drill.c.plan_id)
        .where(drill_problem.c.hazard_case_id == case_id)).first()
    return dict(row._mapping) if row else None
