"""Seeding for ``hazardflow bench inbox``: open cases bulk-inserted straight into the
tables the inbox reads (``process_case``, ``hazard``, ``human_task``, ``task_candidate``),
shaped like the bundled hazard lifecycle (see :mod:`hazardflow.bench.inbox`).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine.schema import (
    deployment,
    human_task,
    process_case,
    process_definition,
    task_candidate,
)
from hazardflow.workflows.demo import seed_units
from hazardflow.workflows.schema import hazard, unit
from hazardflow.workflows.units import create_unit

USER = "bench"
PASSWORD = "bench-password"  # noqa: S105 -- a throwaway database
USER_UNIT = "LA-JA-H01"
INSTITUTIONS_PER_COUNTY = 25
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
CHUNK = 5000
CATEGORIES = ("fire", "electrical", "gas_canteen", "medical_gas", "special_equipment",
              "hazardous_chemicals", "lab_biosafety", "management")
# stage -> (element, name, form, candidate groups at unit/county/city, assigned?)
STAGES: dict[str, tuple[str, str, str, tuple[str, ...], bool]] = {
    "triage": ("Task_Triage", "下达整改通知/现场处置", "hazard_triage",
               ("safety_officer@unit", "county_supervisor@county", "city_supervisor@county"),
               False),
    "rectify": ("Task_Rectify", "整改", "hazard_rectify", ("rectifier@unit",), True),
    "verify": ("Task_Verify", "验收/复查", "hazard_verify",
               ("verifier@unit", "county_supervisor@county", "city_supervisor@county"), False),
    "controls": ("Task_Controls", "管控与停产整改", "hazard_major_controls",
                 ("principal@unit",), False),
}
HISTORY = {"triage": (), "rectify": ("triage",), "verify": ("triage", "rectify"),
           "controls": ()}
OTHER_MIX = (("triage", 20), ("rectify", 55), ("verify", 20), ("controls", 5))


@dataclass
class Seeder:
    """Bulk rows with ids chosen here, so that cases, tasks and candidates link up."""

    conn: Connection
    now: datetime
    rng: random.Random
    units: dict[str, tuple[int, str]] = field(default_factory=dict)  # code -> (id, county)
    definition_id: int = 0
    next_case: int = 1
    next_task: int = 1
    next_candidate: int = 1
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: sa.Table, row: dict[str, Any]) -> None:
        batch = self.rows.setdefault(table.name, [])
        batch.append(row)
        if len(batch) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table in (process_case, hazard, human_task, task_candidate):  # FK order
            batch = self.rows.pop(table.name, [])
            if batch:
                self.conn.execute(table.insert(), batch)

    def case(self, code: str, stage: str, *, assignee: str | None, due: datetime,
             done_by: dict[str, str], history: tuple[str, ...] | None = None) -> None:
        """One open case at ``stage`` after the completed tasks of ``history``."""
        case_id, self.next_case = self.next_case, self.next_case + 1
        unit_id, county = self.units[code]
        created = due - timedelta(days=self.rng.randint(5, 40))
        self.add(process_case, {
            "id": case_id, "definition_id": self.definition_id, "status": "active",
            "revision": 3, "state": b"\x00" * 600, "business_key": None,
            "started_by": done_by.get("triage", "inspector"), "created_at": created,
            "updated_at": created, "completed_at": None})
        level = "major" if stage == "controls" or self.rng.random() < 0.03 else "general"
        self.add(hazard, {
            "code": f"YH-B-{case_id:07d}", "case_id": case_id, "unit_id": unit_id,
            "county_code": county,
            "location": f"{self.rng.randint(1, 12)}号楼{self.rng.randint(1, 9)}层",
            "category": self.rng.choice(CATEGORIES), "level": level,
            "description": "消防通道堆放杂物，安全出口指示灯损坏", "source": "self_inspection",
            "campaign": None, "status": "open", "stage": STAGES[stage][1],
            "deadline": due.date().isoformat(), "responsible_user": assignee,
            "notice_no": None, "reported_by": "inspector", "reported_at": created,
            "closed_at": None, "updated_at": created, "visible_to_unit": True,
            "published_at": None})
        at = created
        for earlier in HISTORY[stage] if history is None else history:
            at += timedelta(days=1)
            self.task(case_id, code, earlier, state="completed", assignee=done_by.get(earlier),
                      due=at, created=at - timedelta(days=1), completed_by=done_by.get(earlier))
        self.task(case_id, code, stage, state="open", assignee=assignee, due=due, created=at)

    def task(self, case_id: int, code: str, stage: str, *, state: str, assignee: str | None,
             due: datetime, created: datetime, completed_by: str | None = None) -> None:
        element, name, form, groups, _ = STAGES[stage]
        task_id, self.next_task = self.next_task, self.next_task + 1
        self.add(human_task, {
            "id": task_id, "case_id": case_id, "spiff_task_id": str(uuid.uuid4()),
            "element_id": element, "name": name, "form_key": form, "state": state,
            "assignee": assignee, "priority": 90 if stage == "controls" else 50,
            "due_at": due, "created_at": created, "claimed_at": None,
            "completed_at": due - timedelta(hours=3) if state == "completed" else None,
            "completed_by": completed_by})
        _, county = self.units[code]
        for group in groups:
            role, _, scope = group.partition("@")
            where = code if scope == "unit" else county
            self.add(task_candidate, {"id": self.next_candidate, "human_task_id": task_id,
                                      "role": role, "unit": where})
            self.next_candidate += 1


def organisation(conn: Connection) -> dict[str, tuple[int, str]]:
    seed_units(conn)
    counties = [r.code for r in conn.execute(sa.select(unit.c.code).where(
        unit.c.kind.in_(("county_commission", "dev_zone_office"))).order_by(unit.c.code))]
    for county in counties:
        for n in range(1, INSTITUTIONS_PER_COUNTY + 1):
            create_unit(conn, f"{county}-B{n:02d}", f"{county} 第{n}卫生院", "institution",
                        county)
    return {r.code: (int(r.id), r.county_code or r.code)
            for r in conn.execute(sa.select(unit.c.id, unit.c.code, unit.c.county_code))}


def definition(conn: Connection, now: datetime) -> int:
    dep = conn.execute(deployment.insert().values(
        sha256="b" * 64, filename="bench.bpmn", bpmn_xml="<definitions/>", forms="{}",
        deployed_by="bench", deployed_at=now)).inserted_primary_key
    assert dep is not None
    row = conn.execute(process_definition.insert().values(
        key="hazard_lifecycle", version=1, name="隐患排查治理", deployment_id=dep[0],
        starter_groups="", start_form=None, deployed_at=now)).inserted_primary_key
    assert row is not None
    return int(row[0])


def _due(rng: random.Random, now: datetime) -> datetime:
    return now + timedelta(hours=rng.randint(-20 * 24, 30 * 24))


def seed_user_cases(seeder: Seeder, count: int) -> None:
    """``count`` open tasks for the bench user at their unit: 60% assigned, 40% unclaimed."""
    rng = seeder.rng
    for i in range(count):
        done = {"triage": "safety_b", "rectify": USER, "verify": "verifier_b"}
        if i % 5 < 3:  # a third of them a second round after a failed verification
            again = ("triage", "rectify", "verify") if i % 3 == 0 else None
            seeder.case(USER_UNIT, "rectify", assignee=USER, due=_due(rng, seeder.now),
                        done_by=done, history=again)
        else:
            seeder.case(USER_UNIT, "triage", assignee=None, due=_due(rng, seeder.now),
                        done_by=done)
    seeder.flush()


def seed_other_cases(seeder: Seeder, count: int) -> None:
    """Open cases of everyone else, over every other institution: the user's workload (and
    their unit's) stays the same, the tables grow a hundredfold around it."""
    rng = seeder.rng
    institutions = [c for c in seeder.units if c.count("-") == 2 and c != USER_UNIT]
    stages = [s for s, weight in OTHER_MIX for _ in range(weight)]
    for _ in range(count):
        code = rng.choice(institutions)
        stage = rng.choice(stages)
        person = f"r_{code}"
        seeder.case(code, stage, assignee=person if STAGES[stage][4] else None,
                    due=_due(rng, seeder.now),
                    done_by={"triage": f"s_{code}", "rectify": person})
    seeder.flush()


def fix_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in (process_case, human_task, task_candidate, hazard):
        highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar_one()
        conn.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"),
                                              highest)))
