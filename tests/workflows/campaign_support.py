"""Helpers for the campaign tests: the application engine on a fixed clock (the hazard
lifecycle driver), reports by unit, business-time instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hazardflow.engine.schema import human_task
from hazardflow.workflows import reports
from hazardflow.workflows.schema import unit
from hazardflow.workflows.schema_campaigns import unit_report

from .lifecycle import SHANGHAI, Lifecycle


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given in China Standard Time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def reporting_units(lc: Lifecycle) -> set[str]:
    with lc.db.connect() as conn:
        return set(conn.execute(sa.select(unit.c.code).where(
            unit.c.kind.in_(("institution", "city_direct")))).scalars())


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


def open_task_elements(lc: Lifecycle, case_id: int) -> list[str]:
    with lc.db.connect() as conn:
        return sorted(conn.execute(sa.select(human_task.c.element_id).where(
            human_task.c.case_id == case_id, human_task.c.state == "open")).scalars())
