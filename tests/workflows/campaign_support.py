"""Helpers for the campaign tests: the application engine on a fixed clock (the hazard
lifecycle driver), reports by unit, business-time instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hazardflow.engine.schema import human_task
from hazardflow.workflows import campaigns, report_chain, reports
from hazardflow.workflows.schema import unit
from hazardflow.workflows.schema_campaigns import unit_report
from hazardflow.workflows.usecases.inspections import record as record_inspection
from hazardflow.workflows.users import create_user

from .lifecycle import SHANGHAI, Lifecycle


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given in China Standard Time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def reporting_units(lc: Lifecycle, *, bodies: bool = True) -> set[str]:
    """The codes of the units that report their 月报 (with the county-level bodies)."""
    with lc.db.connect() as conn:
        return {r.code for r in report_chain.reporters(conn, bodies=bodies)}


def reporters_to(lc: Lifecycle, body: str) -> list[report_chain.Reporter]:
    with lc.db.connect() as conn:
        return report_chain.reporting_to(conn, body)


def unit_id(lc: Lifecycle, code: str) -> int:
    with lc.db.connect() as conn:
        return int(conn.execute(sa.select(unit.c.id).where(unit.c.code == code)).scalar_one())


def report_of(lc: Lifecycle, kind: str, period: str, unit_code: str) -> dict[str, Any]:
    with lc.db.connect() as conn:
        report_id = conn.execute(
            sa.select(unit_report.c.id).join(unit, unit.c.id == unit_report.c.unit_id)
            .where(unit_report.c.kind == kind, unit_report.c.period == period,
                   unit.c.code == unit_code)).scalar_one()
        row = reports.report_row(conn, report_id=report_id)
    assert row is not None
    return row


def reports_of(lc: Lifecycle, kind: str, period: str) -> dict[str, dict[str, Any]]:
    with lc.db.connect() as conn:
        ids = conn.execute(sa.select(unit_report.c.id).where(
            unit_report.c.kind == kind, unit_report.c.period == period)).scalars().all()
        rows = [reports.report_row(conn, report_id=i) for i in ids]
    return {r["unit_code"]: r for r in rows if r is not None}


def open_round(lc: Lifecycle, key: str, by: str = "city") -> None:
    """The city opens a round by hand (the same process the timer starts)."""
    lc.engine.start_case(key, {}, lc.actor(by))


def fill(lc: Lifecycle, case_id: int, by: str = "safety", **extra: Any) -> None:
    lc.complete(case_id, "Task_Fill", by, {"narrative": "本月完成自查，整改隐患若干", **extra})


def sign(lc: Lifecycle, case_id: int, by: str = "principal") -> None:
    """The unit's principal signs the report: it is submitted (late after its due day)."""
    lc.complete(case_id, "Task_Sign", by, {"sign_result": "approved"})


def submit(lc: Lifecycle, kind: str, period: str, unit_code: str, filler: str,
           signer: str) -> dict[str, Any]:
    """Fill and sign a unit's report now; the report as submitted."""
    case_id = report_of(lc, kind, period, unit_code)["case_id"]
    fill(lc, case_id, by=filler)
    sign(lc, case_id, by=signer)
    return report_of(lc, kind, period, unit_code)


def open_task_elements(lc: Lifecycle, case_id: int) -> list[str]:
    with lc.db.connect() as conn:
        return sorted(conn.execute(sa.select(human_task.c.element_id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")).scalars())


def staff(lc: Lifecycle, unit_code: str) -> tuple[str, str]:
    """A safety officer and a principal for a unit the demo has none at: their usernames."""
    names = (f"so-{unit_code}", f"head-{unit_code}")
    with lc.db.begin() as conn:
        for name, role in zip(names, ("safety_officer", "principal"), strict=True):
            create_user(conn, name, "demo12345", name, [(role, unit_code)], now=lc.now())
    return names


def inspect(lc: Lifecycle, by: str, kind: str, unit_code: str, failed: dict[int, str],
            checklist: str = "hospital_fire",
            repeats: dict[int, str] | None = None) -> dict[str, Any]:
    """Record an inspection now: every item passed but ``failed`` (position → note), each
    failure with a photo of ``by``'s; ``repeats`` (position → hazard code) finds a closed
    hazard again."""
    with lc.db.connect() as conn:
        items = campaigns.get_checklist(conn, checklist)["items"]
    results = [{"item": i["position"], "result": "fail" if i["position"] in failed else "pass",
                "note": failed.get(i["position"], ""), "location": "门诊楼",
                "photos": lc.with_uploads({"p": ["ev-insp-1"]}, by)["p"]
                if i["position"] in failed else [],
                "repeat_of": (repeats or {}).get(i["position"])} for i in items]
    return record_inspection(lc.rt, lc.actor(by), unit_code=unit_code, kind=kind,
                             checklist_code=checklist, results=results,
                             campaign_code="2026-YDQ", location="门诊楼")


def findings(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The failed results of a recorded inspection (case_id, hazard_code)."""
    return [r for r in found["results"] if r["result"] == "fail"]
