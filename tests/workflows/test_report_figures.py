"""A round's figures: asked for every reporter in one transaction, the ledger is read for the
first report's units, then once for all units, and each report sums its own from that; the
figures are the same as each report's read alone, and a write to the ledger in the
transaction is seen by the next report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.workflows import report_chain, reports
from hazardflow.workflows.calendar import DEFAULT_CALENDAR, BusinessCalendar
from hazardflow.workflows.schema import hazard

from ..statements import recorded
from .campaign_support import cst, inspect
from .lifecycle import Lifecycle

DEC_1 = cst(2026, 12, 1)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def _november(lc: Lifecycle) -> None:
    """Hazards in two counties' units, one of them found by an inspection."""
    lc.clock.set(cst(2026, 11, 10, 10))
    inspect(lc, "jinan", "supervision", "LA-JA-H02", {1: "通道堆物", 2: "灭火器过期"})
    lc.report(by="safety")
    lc.report(by="safety", level="major", location="液氧站")


def _figures(conn: sa.Connection, who: report_chain.Reporter) -> str:
    covered = report_chain.covered_ids(conn, who)
    return json.dumps(reports.figures(conn, covered, "monthly", "2026-11", DEC_1,
                                      DEFAULT_CALENDAR), ensure_ascii=False)


def _ledger_reads(seen: list[str]) -> int:
    return sum(1 for s in seen if s.startswith("SELECT")
               and (" FROM hazard " in s + " " or " FROM inspection " in s + " "))


def test_a_round_reads_the_ledger_for_one_report_then_once_for_all(lc: Lifecycle) -> None:
    _november(lc)
    with lc.db.connect() as conn:
        everyone = report_chain.reporters(conn)
    alone = {}
    for who in everyone:  # each in a transaction of its own: the units' own reads
        with lc.db.begin() as conn:
            alone[who.code] = _figures(conn, who)
    assert any(json.loads(f)["new"]["total"] for f in alone.values())
    assert any(json.loads(f)["major_open"] for f in alone.values())
    assert any(json.loads(f)["campaign"]["inspections"] for f in alone.values())

    with lc.db.begin() as conn, recorded(lc.db) as seen:
        together = {}
        for n, who in enumerate(everyone):
            together[who.code] = _figures(conn, who)
            if n == 0:
                targeted = _ledger_reads(seen)
            if n == 1:
                both = _ledger_reads(seen)
        assert together == alone
        assert targeted == 4 and both == 8  # the splits, majors, inspections, campaigns
        assert _ledger_reads(seen) == both, seen  # the other reports read nothing more

        # a hazard written in the transaction is counted by the next report
        body = next(r for r in everyone if r.code == "LA-JA")
        before = json.loads(_figures(conn, body))
        conn.execute(sa.update(hazard).values(level="major"))
        after = json.loads(_figures(conn, body))
        assert after["new"]["by_level"]["major"] == after["new"]["total"] \
            > before["new"]["by_level"]["major"]
        conn.rollback()


def test_what_one_report_is_handed_is_its_own_and_each_calendar_has_its_own_counts(
        lc: Lifecycle) -> None:
    """Editing the figures one report got leaves the next report's as read; a hazard on the
    period's edge counts by the calendar asked for, whatever another calendar read before in
    the transaction."""
    lc.clock.set(cst(2026, 11, 1, 3))  # 03:00 on 1 November in Lu'an: 31 October in UTC
    lc.report(by="safety", level="major", location="液氧站")
    running = cst(2026, 11, 20)  # November still running: both calendars count until now
    utc = BusinessCalendar.named("UTC")
    with lc.db.connect() as conn:
        everyone = report_chain.reporters(conn)
    body = next(r for r in everyone if r.code == "LA-JA")
    other = next(r for r in everyone if r.code != "LA-JA")

    def new(conn: sa.Connection, who: report_chain.Reporter,
            calendar: BusinessCalendar) -> dict[str, Any]:
        return reports.figures(conn, report_chain.covered_ids(conn, who), "monthly",
                               "2026-11", running, calendar)

    with lc.db.begin() as conn:
        alone = new(conn, body, utc)["new"]["total"]
    with lc.db.begin() as conn:
        new(conn, other, DEFAULT_CALENDAR)
        first = new(conn, body, DEFAULT_CALENDAR)  # from the read of every unit
        assert first["new"]["total"] == alone + 1 and first["major_open"]
        first["major_open"][0]["stage"] = "edited"
        assert new(conn, body, DEFAULT_CALENDAR)["major_open"][0]["stage"] != "edited"
        assert new(conn, body, utc)["new"]["total"] == alone
