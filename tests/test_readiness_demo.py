"""The demo month of the README's first command (``serve --demo``: ``init-db`` and
``seed-demo --cases``) shows every part of emergency readiness with Lu'an's data: teams,
depots (one item expiring), plans with their drill task and ONE drill, the month's duty
rosters, an information report with a follow-up (续报), a county consultation whose open
action sits in its owner's inbox, and a city-level session arranged ahead. SQLite only: the
seeding is the use-cases', tested on both backends (and the CLI's seeding in test_cli.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner

from hazardflow.cli import main
from hazardflow.engine.db import make_engine
from hazardflow.engine.schema import human_task
from hazardflow.workflows import users
from hazardflow.workflows.schema import unit
from hazardflow.workflows.schema_consultations import consultation, consultation_action
from hazardflow.workflows.schema_duty import duty_assignment, duty_roster
from hazardflow.workflows.schema_emergency import emergency_team, supply_depot, supply_item
from hazardflow.workflows.schema_events import info_event, info_event_report
from hazardflow.workflows.schema_plans import emergency_plan, plan_drill


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_demo_month_shows_each_part_of_readiness(empty_url: str, tmp_path: Path) -> None:
    env = {"HAZARDFLOW_INSTANCE_PATH": str(tmp_path / "instance")}
    for args in (["init-db"], ["seed-demo", "--cases"]):
        result = CliRunner().invoke(main, ["--database-url", empty_url, *args], env=env)
        assert result.exit_code == 0, result.output
    db = make_engine(empty_url)
    soon = (datetime.now(UTC) + timedelta(days=31)).date().isoformat()
    try:
        with db.connect() as conn:
            def count(table: sa.Table, *where: Any) -> int:
                return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                        .where(*where)).scalar_one())

            def names(query: Any) -> set[str]:
                return {str(n) for n in conn.execute(query).scalars()}

            assert count(emergency_team) >= 3 and count(supply_depot) >= 2
            assert count(supply_item, supply_item.c.expires_on <= soon) >= 1  # 临期
            assert "金安区人民医院" in names(sa.select(unit.c.name).join(
                emergency_plan, emergency_plan.c.unit_id == unit.c.id))
            assert count(emergency_plan) == 3 and count(plan_drill) == 1
            assert count(human_task, human_task.c.element_id == "Task_Drill",
                         human_task.c.state == "open") == 1  # a drill due, in the inbox
            assert {"六安市卫生健康委员会", "金安区人民医院"} <= names(
                sa.select(unit.c.name).join(duty_roster, duty_roster.c.unit_id == unit.c.id))
            assert count(duty_assignment) > 100  # a month of posts
            [event_id] = conn.execute(sa.select(info_event.c.id)).scalars()
            kinds = list(conn.execute(sa.select(info_event_report.c.kind).where(
                info_event_report.c.event_id == event_id).order_by(info_event_report.c.seq)
                ).scalars())
            assert kinds == ["first", "followup"]
            sessions = {(r.name, r.status) for r in conn.execute(
                sa.select(unit.c.name, consultation.c.status).join(
                    unit, unit.c.id == consultation.c.body_id))}
            assert sessions == {("金安区卫生健康委员会", "held"),
                                ("六安市卫生健康委员会", "planned")}
            open_actions = conn.execute(
                sa.select(consultation_action.c.owner, human_task.c.assignee,
                          human_task.c.due_at)
                .join(human_task, human_task.c.case_id == consultation_action.c.case_id)
                .where(human_task.c.state == "open")).all()
            assert [(a.owner, a.assignee) for a in open_actions] == [("principal", "principal")]
            assert open_actions[0].due_at is not None
    finally:
        db.dispose()
