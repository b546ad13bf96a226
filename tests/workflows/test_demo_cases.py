"""The demo hazards: every state a first look should show, made by the real engine, once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows import demo
from hazardflow.workflows.demo_cases import SCENARIOS, seed_demo_cases
from hazardflow.workflows.runtime import seed_definitions
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_classification import hazard_classification
from hazardflow.workflows.schema_files import evidence
from hazardflow.workflows.schema_supervision import supervision_listing
from tests.factories import make_runtime

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def test_demo_cases_cover_every_state_once(db: sa.Engine, tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    rt = make_runtime(db, clock, tmp_path)
    seed_definitions(rt.engine)
    with write_transaction(db) as conn:
        demo.seed_demo(conn, NOW)
    assert seed_demo_cases(rt, clock, NOW) == len(SCENARIOS)
    assert seed_demo_cases(rt, clock, NOW) == 0  # once: hazards exist now
    with db.connect() as conn:
        rows = conn.execute(sa.select(hazard.c.status, hazard.c.stage, hazard.c.deadline,
                                      hazard.c.level)).all()
        register_rows = conn.execute(sa.select(sa.func.count()).select_from(
            supervision_listing)).scalar_one()
        attached = conn.execute(sa.select(sa.func.count()).select_from(evidence).where(
            evidence.c.case_id.is_not(None))).scalar_one()
        classified = {(r.item_code, r.level, bool(r.reason)) for r in conn.execute(
            sa.select(hazard_classification))}
    statuses = Counter(r.status for r in rows)
    assert statuses == {"open": 10, "closed": 3}
    today = NOW.date().isoformat()
    overdue = [r for r in rows if r.status == "open" and r.deadline and r.deadline < today]
    assert len(overdue) == 3  # two never rectified, one sent back by the verifier
    majors = {r.stage for r in rows if r.level == "major"}
    # ordered to stop using it, on the 挂牌督办 register, hidden with the regulators
    assert majors == {"管控与停止使用", "重大隐患整改", "责令立即整改/停止使用"}
    assert register_rows == 1
    # the canteen's gas alarm is 重大 by item 四; the elevator's certificate is kept 一般 under
    # item 二（二） with its recorded reason
    assert classified == {("4", "major", False), ("2.2", "general", True)}
    assert attached == len(SCENARIOS) + 4  # a before photo each, an after photo per rectification
