"""The business calendar is the domain's only time zone: every day-boundary rule follows
``HAZARDFLOW_BUSINESS_TZ`` the way the timers do.

One hazard's life and the city's oversight run twice over the same instants, once with the
default zone (Asia/Shanghai, UTC+8) and once with ``HAZARDFLOW_BUSINESS_TZ=UTC``; each
instant is chosen where the two zones are on different days, so every rule gives a
different answer in each, and the answer of the zone that was set.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hazardflow.workflows import reports
from hazardflow.workflows.calendar import DEFAULT_CALENDAR, BusinessCalendar
from hazardflow.workflows.ledger import LedgerFilter
from hazardflow.workflows.usecases import ledger, monitor

from .campaign_support import open_round
from .lifecycle import Lifecycle
from .lifecycle_forms import order_form

NEW_YEARS_EVE = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # already 2027 in Lu'an
DEADLINE = date(2027, 1, 10)
AFTER_DEADLINE = datetime(2027, 1, 10, 17, 0, tzinfo=UTC)  # the 11th in Lu'an
MONTH_END = datetime(2027, 1, 31, 17, 0, tzinfo=UTC)  # 1 February in Lu'an
SUNDAY_NIGHT = datetime(2027, 2, 7, 17, 0, tzinfo=UTC)  # Monday 8 February in Lu'an

EXPECTED: dict[str, dict[str, object]] = {
    "Asia/Shanghai": {
        "hazard_code": "YH-2027-000001", "notice_no": "金安卫健整改〔2027〕1号",
        "due_at": datetime(2027, 1, 10, 16, 0, tzinfo=UTC), "overdue": 1,
        "export": ("hazard-ledger-2027-01-11.xlsx", datetime(2027, 1, 1, 1, 0), "是"),
        "period": "2027-01", "week": "2027-02-08",
    },
    "UTC": {
        "hazard_code": "YH-2026-000001", "notice_no": "金安卫健整改〔2026〕1号",
        "due_at": datetime(2027, 1, 11, 0, 0, tzinfo=UTC), "overdue": 0,
        "export": ("hazard-ledger-2027-01-10.xlsx", datetime(2026, 12, 31, 17, 0), "否"),
        "period": "2026-12", "week": "2027-02-01",
    },
}


@pytest.fixture(params=sorted(EXPECTED))
def zone(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def lc(db: sa.Engine, zone: str) -> Iterator[Lifecycle]:
    yield Lifecycle(db, start=NEW_YEARS_EVE, business_tz=zone)


def _export(lc: Lifecycle) -> tuple[str, object, object]:
    found = ledger.export(lc.rt, lc.actor("city"), LedgerFilter())
    sheet = load_workbook(io.BytesIO(found.body)).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    return found.filename, row[header.index("登记时间")], row[header.index("是否超期")]


def test_every_date_rule_follows_the_business_time_zone_setting(lc: Lifecycle,
                                                                 zone: str) -> None:
    expected = EXPECTED[zone]
    assert lc.rt.calendar == BusinessCalendar.named(zone)
    assert lc.rt.engine.business_tz == lc.rt.calendar.tz  # the timers' zone is the same

    # a number's year at New Year's Eve: the ledger's code and the notice's (a handler's)
    case_id = lc.report()
    assert lc.hazard(case_id)["code"] == expected["hazard_code"]
    lc.complete(case_id, "Task_Triage", "safety", order_form(DEADLINE))
    assert lc.hazard(case_id)["notice_no"] == expected["notice_no"]

    # a date deadline: due at the end of its business day, overdue on the day after
    rectify = lc.task(case_id, "Task_Rectify")
    assert rectify.due_at == expected["due_at"]
    assert lc.rt.calendar.due_date(rectify.due_at) == DEADLINE
    lc.set_time(AFTER_DEADLINE)
    overdue = ledger.ledger_page(lc.rt, lc.actor("city"), LedgerFilter(), overdue=True)
    assert overdue.result.total == expected["overdue"]

    # an export: the file's date, the times in it and 是否超期
    assert _export(lc) == expected["export"]

    # a report period at the month's boundary: the round opens the business month that ended
    lc.set_time(MONTH_END)
    open_round(lc, "monthly_report_round")
    with lc.db.connect() as conn:
        assert reports.periods(conn, "monthly")[0] == expected["period"]

    # the dashboard's week: the business week that has begun
    lc.set_time(SUNDAY_NIGHT)
    assert monitor.dashboard(lc.rt, lc.actor("city"), weeks=1)["from"] == expected["week"]


def test_the_default_calendar_is_china_standard_time() -> None:
    assert DEFAULT_CALENDAR.name == "Asia/Shanghai"
    assert DEFAULT_CALENDAR.year_of(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == 2027
    assert DEFAULT_CALENDAR.year_of(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == 2026
    assert BusinessCalendar.named("UTC").name == "UTC"


def test_a_date_deadline_reads_as_its_own_day() -> None:
    cal = DEFAULT_CALENDAR
    due = cal.end_of(date(2026, 1, 5))  # 2026-01-05 16:00 UTC, 2026-01-06 00:00 in Lu'an
    assert cal.due_text(due) == "2026-01-05"
    assert cal.due_text(datetime(2026, 1, 5, 9, 30, tzinfo=UTC)) == "2026-01-05 17:30"
    assert cal.due_text(datetime(2026, 1, 5, 9, 30)) == "2026-01-05 17:30"  # naive is UTC
