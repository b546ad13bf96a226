"""The demo hazards and the demo's month of work: every state a first look should show, the
inspections, the documents each body issued, the monthly round up to the county's 月报 and
the year's deductions, made by the real engine and use-cases, once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import timer
from hazardflow.workflows import demo
from hazardflow.workflows.demo_cases import HAZARDS, SCENARIOS, seed_demo_cases
from hazardflow.workflows.runtime import seed_definitions
from hazardflow.workflows.schema import hazard, unit
from hazardflow.workflows.schema_campaigns import inspection, inspection_result, unit_report
from hazardflow.workflows.schema_classification import hazard_classification
from hazardflow.workflows.schema_files import document, evidence
from hazardflow.workflows.schema_supervision import supervision_listing
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.users import actor_for
from tests.factories import make_runtime

NOW = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)  # 10:00 on 28 December in 六安


def deductions(assessed: dict[str, Any], code: str) -> dict[str, list[str]]:
    """A unit's rules that deduct points, each with the items it names."""
    rows = [*assessed["rows"], *([assessed["own"]] if assessed["own"] else [])]
    row = next(r for r in rows if r["unit_code"] == code)
    return {line["code"]: [item["ref"] for item in line["items"]]
            for line in row["breakdown"] if line["deduction"]}


def test_demo_cases_cover_every_state_and_a_month_of_work_once(db: sa.Engine,
                                                               tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    rt = make_runtime(db, clock, tmp_path)
    seed_definitions(rt.engine)
    with write_transaction(db) as conn:
        demo.seed_demo(conn, NOW)
    assert seed_demo_cases(rt, clock, NOW) == HAZARDS == len(SCENARIOS) + 2
    assert seed_demo_cases(rt, clock, NOW) == 0  # once: hazards exist now
    assert clock.now() == NOW
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
    # the scenarios' ten open and three closed, the 自查's finding being rectified, the
    # county inspection's closed
    assert statuses == {"open": 11, "closed": 4}
    today = NOW.date().isoformat()
    overdue = [r for r in rows if r.status == "open" and r.deadline and r.deadline < today]
    # two never rectified, one sent back by the verifier, the 自查's past its deadline
    assert len(overdue) == 4
    majors = {r.stage for r in rows if r.level == "major"}
    # ordered to stop using it, on the 挂牌督办 register, hidden with the regulators
    assert majors == {"管控与停止使用", "重大隐患整改", "责令立即整改/停止使用"}
    assert register_rows == 1
    # the canteen's gas alarm is 重大 by item 四; the elevator's certificate is kept 一般 under
    # item 二（二） with its recorded reason
    assert classified == {("4", "major", False), ("2.2", "general", True)}
    # a before photo each, an after photo per rectification
    assert attached == HAZARDS + 5

    issuer = unit.alias("issuer")
    with db.connect() as conn:
        # inspections with checklists: the hospital's 自查 and the county's, each with the
        # hazard its failed item opened, ordered by the body that inspected
        inspections = conn.execute(
            sa.select(inspection.c.kind, unit.c.code, inspection.c.inspector,
                      inspection.c.inspected_on, hazard.c.ordered_by_body,
                      hazard.c.ordered_on, hazard.c.status)
            .join(unit, unit.c.id == inspection.c.unit_id)
            .join(inspection_result, inspection_result.c.inspection_id == inspection.c.id)
            .join(hazard, hazard.c.case_id == inspection_result.c.case_id)
            .order_by(inspection.c.id)).all()
        documents = conn.execute(
            sa.select(document.c.form, issuer.c.code, document.c.issued_by,
                      document.c.number, document.c.dated_on)
            .join(issuer, issuer.c.id == document.c.issuer_unit_id)
            .order_by(document.c.id)).all()
        reports = {(r.code, r.period): r for r in conn.execute(
            sa.select(unit.c.code, unit_report.c.period, unit_report.c.status,
                      unit_report.c.late, unit_report.c.signed_by, unit_report.c.figures)
            .join(unit, unit.c.id == unit_report.c.unit_id)
            .where(unit_report.c.kind == "monthly", unit.c.county_code == "LA-JA"))}
        city, jinan = actor_for(conn, "city"), actor_for(conn, "jinan")
        round_timers = conn.execute(
            sa.select(timer.c.due_at, timer.c.fired_at)
            .where(timer.c.process_key == "monthly_report_round", timer.c.case_id.is_(None))
            .order_by(timer.c.due_at)).all()
    assert [(i.kind, i.code, i.inspector, i.inspected_on, i.ordered_by_body, i.status)
            for i in inspections] == [
        ("self", "LA-JA-H01", "safety", "2026-11-05", "LA-JA-H01", "open"),
        ("supervision", "LA-JA-H01", "inspector", "2026-11-08", "LA-JA", "closed")]
    own_ordered, county_ordered = (i.ordered_on for i in inspections)

    # documents in the name of the body that ordered (re-checked), numbered by it, dated on
    # the order's (re-check's) day although signed later
    forms = {(d.form, d.code, d.issued_by) for d in documents}
    assert forms == {("unit_acceptance", "LA-JA-H01", "principal"),
                     ("unit_notice", "LA-JA-H01", "safety"),
                     ("directive", "LA-JA", "jinan"), ("review", "LA-JA", "jinan")}
    by_form = {d.form: d for d in documents}
    assert (by_form["directive"].number, by_form["directive"].dated_on) == \
        ("金安卫健责改〔2026〕1号", county_ordered)
    assert (by_form["unit_notice"].number, by_form["unit_notice"].dated_on) == \
        ("金安区人民医院隐改〔2026〕001号", own_ordered)
    assert by_form["review"].number == "金安卫健复查〔2026〕1号"
    assert by_form["review"].dated_on > county_ordered

    # November's round, opened by the monthly timer on 1 December (September and October
    # as backfills): the hospitals report to the county, one late, the others missing; the
    # county's consolidated 月报 goes to the city on the 24th, signed by its principal
    assert [(t.due_at.astimezone(UTC), t.fired_at is not None) for t in round_timers][0] == \
        (datetime(2026, 11, 30, 16, tzinfo=UTC), True)  # 1 December 00:00 in 六安
    assert [t.fired_at for t in round_timers[1:]] == [None]  # the next month's, waiting
    assert {p for _, p in reports} == {"2026-09", "2026-10", "2026-11"}
    county = reports[("LA-JA", "2026-11")]
    assert (county.status, county.late, county.signed_by) == ("submitted", False, "jinan_head")
    made = {u["unit_code"]: u for u in json.loads(county.figures)["units"]}
    assert (made["LA-JA-H01"]["status"], made["LA-JA-H01"]["late"]) == ("submitted", False)
    assert (made["LA-JA-P01"]["status"], made["LA-JA-P01"]["late"]) == ("submitted", True)
    assert (made["LA-JA-H02"]["status"], made["LA-JA-H02"]["missing"]) == ("open", True)
    assert reports[("LA-JA-H01", "2026-11")].signed_by == "principal"
    assert reports[("LA-JA", "2026-10")].status == "open"  # a backfill, not counted

    # the year's assessment names what it deducts for
    in_county = deductions(campaign_uc.assessment(rt, jinan, 2026), "LA-JA-H02")
    assert in_county["missing_monthly"] == ["2026-11"]
    assert deductions(campaign_uc.assessment(rt, jinan, 2026), "LA-JA-P01")[
        "late_monthly"] == ["2026-11"]
    area = deductions(campaign_uc.assessment(rt, city, 2026), "LA-JA")
    assert len(area["overdue_open"]) == 3  # its area's hazards past their deadline
    assert "LA-JA-H01" not in area["supervision_coverage"]  # the one it inspected
