"""举报办结率 and average handling time (public reports received in a period and closed /
received; days from filing to closure of those closed in it) on the dashboard and in a
county-level body's 月报, counted over the reports the reader may read: a county its own
units', the city all; nothing for a reader who does not handle reports, nor in a unit's own
report."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa

from hazardflow.workflows import report_chain, report_document, report_handlers
from hazardflow.workflows.calendar import BusinessCalendar
from hazardflow.workflows.dashboard import public_report_figures
from hazardflow.workflows.demo import seed_units
from hazardflow.workflows.schema import unit
from hazardflow.workflows.schema_reports import public_report
from hazardflow.workflows.users import actor_for, create_user

CAL = BusinessCalendar.named()
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
CODES = itertools.count(1)
PEOPLE = [("city", "city_supervisor", "LA"), ("jinan", "county_supervisor", "LA-JA"),
          ("leader", "city_leader", "LA")]


def at(month: int, day: int) -> datetime:
    """09:00 in Lu'an on that day of 2026."""
    return datetime(2026, month, day, 1, 0, tzinfo=UTC)


def filed(conn: sa.Connection, unit_code: str, created: datetime,
          closed: datetime | None) -> None:
    unit_id = conn.execute(sa.select(unit.c.id).where(unit.c.code == unit_code)).scalar()
    conn.execute(sa.insert(public_report).values(
        code=f"JB{next(CODES):08d}", pin_hash="x", unit_id=unit_id,
        county_code=unit_code[:5], place="门诊楼", description="消防通道堵塞",
        anonymous=True, reporter_known=False, status="closed" if closed else "verifying",
        closed_at=closed, created_at=created, updated_at=closed or created))


def test_report_handling_counts_what_each_reader_may_read_on_the_dashboard_and_in_the_month(
        db: sa.Engine) -> None:
    with db.begin() as conn:
        seed_units(conn)
        for name, role, code in PEOPLE:
            create_user(conn, name, "password1234", name, [(role, code)], now=NOW)
        filed(conn, "LA-JA-H01", at(11, 3), at(11, 13))   # 10 days, closed in November
        filed(conn, "LA-JA-H01", at(11, 10), None)        # still open
        filed(conn, "LA-JA-H02", at(10, 20), at(11, 5))   # filed in October, 16 days
        filed(conn, "LA-JA-H01", at(11, 28), at(12, 2))   # closed after the month
        filed(conn, "LA-YA-H01", at(11, 4), at(11, 6))    # another county's: 2 days
    with db.connect() as conn:
        def board(who: str) -> dict[str, Any] | None:
            return public_report_figures(conn, actor_for(conn, who), date(2026, 11, 1),
                                         date(2026, 11, 30), CAL)

        assert board("jinan") == {"received": 3, "closed": 1, "rate": 33.3,
                                  "avg_days": 13.0, "closed_in_period": 2}
        assert board("city") == {"received": 4, "closed": 2, "rate": 50.0,
                                 "avg_days": 9.3, "closed_in_period": 3}
        assert board("leader") is None  # reads the dashboard, not the reports

        def month(code: str) -> dict[str, Any]:
            call = cast(Any, SimpleNamespace(conn=conn, now=NOW))
            out: dict[str, Any] = report_handlers._contents(call, code, "monthly", "2026-11",
                                                            CAL)
            return out

        assert report_chain.reporter(conn, "LA-JA-H01") is not None
        body = month("LA-JA")["public_report_handling"]
        assert (body["received"], body["closed"], body["rate"], body["avg_days"]) == \
            (3, 1, 33.3, 13.0)  # as the month ended: closing on 2 December is December's
        assert "public_report_handling" not in month("LA-JA-H01")
        html = report_document.render_html(
            {"figures": month("LA-JA"), "window": ("2026-11-01", "2026-12-01"),
             "attachments": [], "period": "2026-11", "unit_name": "金安区卫健委",
             "kind_name": "月报", "backfill": False, "due_on": "2026-12-23", "late": False,
             "filled_by_name": "", "signed_by_name": "", "signed_at": None, "narrative": "",
             "reports_to_name": "市卫健委", "status": "open", "status_name": "待报送",
             "submitted_at": None}, CAL)
        assert "本期收到 3 件，已办结 1 件，举报办结率 33.3%" in html
        assert "平均办理 13.0 天" in html
