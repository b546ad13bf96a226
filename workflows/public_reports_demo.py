"""The demo's public reports (举报投诉), filed and triaged through the same use-cases as the
pages: an anonymous report about 金安区人民医院 waiting for the county's triage desk to
accept it, and a named one about 东桥镇卫生院, accepted and waiting for an inspector's
on-site verification. No photos, no hazards (the demo's hazards are counted elsewhere)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hazardflow.engine.db import read_transaction

from .schema_reports import public_report
from .usecases import public_reports as usecase

if TYPE_CHECKING:
    from .demo_cases import DemoCases

ANONYMOUS = {"unit_code": "LA-JA-H01", "place": "住院部地下车库东北角",
             "description": "车库角落堆放着十几桶油漆和稀释剂，旁边常有人抽烟，没有灭火器。"}
NAMED = {"unit_code": "LA-JA-T01", "place": "东桥镇卫生院后院锅炉房", "anonymous": False,
         "description": "锅炉房门口堆满纸箱和木柴，锅炉工说压力表坏了好几个月没人修。",
         "name": "李女士", "phone": "13800000000"}


def seed_demo_reports(demo: DemoCases) -> int:
    """File the demo's reports once (none when any report exists); how many were filed."""
    with read_transaction(demo.db) as conn:
        if conn.execute(sa.select(public_report.c.id).limit(1)).first() is not None:
            return 0
    demo.clock.set(demo.now - timedelta(days=6))
    named = usecase.file_report(demo.rt, NAMED, [], address="demo")
    assert named.report_id is not None
    with read_transaction(demo.db) as conn:
        case_id = conn.execute(sa.select(public_report.c.case_id).where(
            public_report.c.id == named.report_id)).scalar_one()
    demo.complete(case_id, "Task_Accept", "jubao",
                  {"accept_result": "accept", "accept_reason": "转金安区检查员现场核查"},
                  demo.now - timedelta(days=5))
    demo.clock.set(demo.now - timedelta(days=2))
    usecase.file_report(demo.rt, ANONYMOUS, [], address="demo")
    return 2
