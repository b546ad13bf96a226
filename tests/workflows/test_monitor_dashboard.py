"""The dashboard: weekly figures and rates from the rollup, overdue from the ledger, scope;
read through its use-case, which brings the rollup up to date first."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hazardflow.engine import Actor, FixedClock, Forbidden
from hazardflow.workflows import dashboard, jobs
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_monitor import hazard_stat_state
from hazardflow.workflows.usecases import monitor
from tests.factories import make_runtime

from .conftest import T0, HazardFactory, actor

CITY = actor("city_supervisor@LA")
JINAN = actor("county_supervisor@LA-JA")


def figures(db: sa.Engine, who: Actor, now: datetime, weeks: int) -> dict[str, Any]:
    return monitor.dashboard(make_runtime(db, FixedClock(now)), who, weeks)


def _close(db: sa.Engine, code: str, at: datetime) -> None:
    with db.begin() as conn:
        conn.execute(sa.update(hazard).where(hazard.c.code == code).values(
            status="closed", closed_at=at, updated_at=at))


def test_dashboard_counts_rates_overdue_and_ranking_within_scope(
        org: sa.Engine, make_hazard: HazardFactory) -> None:
    with org.begin() as conn:
        _, on_time = make_hazard(conn, "LA-JA-H01", deadline="2026-11-05")
        _, late = make_hazard(conn, "LA-JA-H01", deadline="2026-11-03")
        _, overdue = make_hazard(conn, "LA-JA-H02", deadline="2026-11-06", category="electrical")
        make_hazard(conn, "LA-YA-H01", level="major", deadline="2026-12-30")
    _close(org, on_time, T0 + timedelta(days=2))
    _close(org, late, T0 + timedelta(days=4))
    now = T0 + timedelta(days=8)  # Tuesday of the next week

    data = figures(org, CITY, now, weeks=2)
    assert data["weeks"]["labels"] == ["2026-11-02", "2026-11-09"]
    assert data["weeks"]["found"] == [4, 0] and data["weeks"]["closed"] == [2, 0]
    assert data["weeks"]["avg_days_to_close"] == 3.0
    general, major = data["rates"]["general"], data["rates"]["major"]
    assert (general["found"], general["closed"], general["on_time"]) == (3, 2, 1)
    assert (general["rate"], general["on_time_rate"]) == (66.7, 33.3)
    assert (major["found"], major["rate"]) == (1, 0.0)
    assert data["overdue"]["total"] == 1
    assert data["overdue"]["by_county"][0]["code"] == "LA-JA"
    assert data["overdue"]["by_category"] == [{"code": "electrical", "name": "电气/配电",
                                               "count": 1}]
    ranking = {u["code"]: u for u in data["units"]}
    assert ranking["LA-JA-H01"]["rank"] == 1 and ranking["LA-JA-H01"]["rate"] == 100.0
    assert ranking["LA-JA-H02"]["overdue"] == 1

    mine = figures(org, JINAN, now, weeks=2)
    assert mine["weeks"]["found"] == [3, 0] and mine["rates"]["major"]["found"] == 0
    assert {u["code"] for u in mine["units"]} == {"LA-JA-H01", "LA-JA-H02"}

    book = load_workbook(io.BytesIO(dashboard.to_xlsx(data, DEFAULT_CALENDAR)))
    assert "单位排名" in book.sheetnames and book["每周发现与销号"]["B2"].value == 4
    with pytest.raises(Forbidden):
        figures(org, actor("safety_officer@LA-JA-H01"), now, weeks=2)


def test_the_rollup_follows_changes_to_the_ledger(org: sa.Engine,
                                                   make_hazard: HazardFactory) -> None:
    with org.begin() as conn:
        _, first = make_hazard(conn, "LA-JA-H01", deadline="2026-11-05")
        _, second = make_hazard(conn, "LA-JA-H01", deadline="2026-11-04")
    now = T0 + timedelta(days=5)
    assert figures(org, CITY, now, weeks=1)["overdue"]["total"] == 2
    assert monitor.refresh_rollup(make_runtime(org)) == 0  # nothing changed since
    _close(org, first, T0 + timedelta(days=3))
    with org.begin() as conn:
        conn.execute(sa.update(hazard).where(hazard.c.code == second).values(
            status="voided", updated_at=T0 + timedelta(days=3)))
    job = jobs.job("refresh_dashboard")  # what both drivers run
    assert job.run(make_runtime(org), now) == 2
    data = figures(org, CITY, now, weeks=1)
    assert data["weeks"]["found"] == [1] and data["weeks"]["closed"] == [1]
    assert data["rates"]["general"]["on_time_rate"] == 100.0
    assert data["overdue"]["total"] == 0
    with org.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(hazard_stat_state)).scalar() == 1
