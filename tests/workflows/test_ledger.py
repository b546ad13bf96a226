from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from hazardflow.engine.services import SYSTEM, CaseView, ServiceCall
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.handlers import publish_notice
from hazardflow.workflows.ledger import (
    HazardLedger,
    LedgerFilter,
    create_hazard_row,
    hazard_for_case,
    list_hazards,
)

from ..statements import recorded
from .conftest import CaseFactory, HazardFactory, actor


def view(case_id: int, now: datetime, status: str = "active",
         active: tuple[tuple[str, str], ...] = (), key: str = "hazard_lifecycle",
         **data: Any) -> CaseView:
    return CaseView(case_id=case_id, process_key=key, version=1, status=status,
                    data={"unit_code": "LA-JA-H01", "level": "general", **data},
                    active=active, started_by="safety", now=now)


def row(conn: Connection, case_id: int) -> dict[str, Any]:
    found = hazard_for_case(conn, case_id)
    assert found is not None
    return found


def test_a_reported_hazard_gets_a_yearly_code_and_starts_open(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    case_id, code = make_hazard(conn, "LA-JA-H01", campaign="2026秋季专项行动")
    _, second = make_hazard(conn, "LA-YA-H01")
    assert (code, second) == ("YH-2026-000001", "YH-2026-000002")
    stored = row(conn, case_id)
    assert stored["status"] == "open" and stored["county_code"] == "LA-JA"
    assert stored["unit_name"] == "金安区人民医院" and stored["reported_at"] == now
    assert stored["visible_to_unit"] is True and stored["campaign"] == "2026秋季专项行动"


def test_reporting_needs_a_known_unit_and_level(conn: Connection, make_case: CaseFactory,
                                                now: datetime) -> None:
    with pytest.raises(ValueError, match="unknown unit code"):
        create_hazard_row(conn, make_case(conn), {"unit_code": "LA-X", "level": "general"},
                          "safety", now, DEFAULT_CALENDAR)
    with pytest.raises(ValueError, match="unknown hazard level"):
        create_hazard_row(conn, make_case(conn), {"unit_code": "LA-JA", "level": "big"},
                          "safety", now, DEFAULT_CALENDAR)


def test_the_ledger_follows_the_open_tasks_and_case_data(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    case_id, _ = make_hazard(conn)
    later = now + timedelta(hours=2)
    HazardLedger(DEFAULT_CALENDAR).case_changed(conn, view(
        case_id, later, active=(("rectify", "整改"), ("control", "管控措施"), ("r2", "整改")),
        level="major", deadline="2026-11-30", responsible_user="rectifier",
        notice_no="金安卫健整改〔2026〕1号", location="液氧站"))
    stored = row(conn, case_id)
    assert stored["stage"] == "整改、管控措施" and stored["status"] == "open"
    assert (stored["level"], stored["deadline"], stored["responsible_user"]) == (
        "major", "2026-11-30", "rectifier")
    assert stored["notice_no"] == "金安卫健整改〔2026〕1号" and stored["location"] == "液氧站"
    assert stored["updated_at"] == later


def test_a_completed_case_with_outcome_closed_closes_the_hazard_once(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    case_id, _ = make_hazard(conn)
    ledger = HazardLedger(DEFAULT_CALENDAR)
    ledger.case_changed(conn, view(case_id, now, active=(("verify", "验收"),)))
    closed_at = now + timedelta(days=3)
    ledger.case_changed(conn, view(case_id, closed_at, status="completed", outcome="closed"))
    stored = row(conn, case_id)
    assert (stored["status"], stored["stage"], stored["closed_at"]) == ("closed", None, closed_at)
    ledger.case_changed(conn, view(case_id, closed_at + timedelta(days=1), status="completed",
                                   outcome="closed"))
    assert row(conn, case_id)["closed_at"] == closed_at


def test_outcome_closed_on_a_running_case_keeps_the_hazard_open(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    case_id, _ = make_hazard(conn)
    HazardLedger(DEFAULT_CALENDAR).case_changed(conn, view(case_id, now, outcome="closed",
                                           active=(("resume", "复产核销"),)))
    assert row(conn, case_id)["status"] == "open"


def test_outcome_voided_voids_the_hazard(conn: Connection, make_hazard: HazardFactory,
                                         now: datetime) -> None:
    case_id, _ = make_hazard(conn)
    HazardLedger(DEFAULT_CALENDAR).case_changed(
        conn, view(case_id, now, status="completed", outcome="voided"))
    stored = row(conn, case_id)
    assert (stored["status"], stored["closed_at"]) == ("voided", None)


def test_other_processes_and_cases_without_a_hazard_are_ignored(
        conn: Connection, make_hazard: HazardFactory, make_case: CaseFactory,
        now: datetime) -> None:
    case_id, _ = make_hazard(conn)
    HazardLedger(DEFAULT_CALENDAR).case_changed(conn, view(case_id, now, key="monthly_report",
                                           status="completed", outcome="closed"))
    assert row(conn, case_id)["status"] == "open"
    HazardLedger(DEFAULT_CALENDAR).case_changed(conn, view(make_case(conn), now, outcome="voided"))
    ledger = HazardLedger(DEFAULT_CALENDAR, process_keys={"hazard_lifecycle", "public_report"})
    ledger.case_changed(conn, view(case_id, now, key="public_report", outcome="voided"))
    assert row(conn, case_id)["status"] == "voided"


def test_an_unknown_level_in_the_case_data_is_refused(
        conn: Connection, make_hazard: HazardFactory, now: datetime) -> None:
    case_id, _ = make_hazard(conn)
    with pytest.raises(ValueError, match="unknown hazard level"):
        HazardLedger(DEFAULT_CALENDAR).case_changed(conn, view(case_id, now, level="huge"))


def codes(conn: Connection, who: Any, **filters: Any) -> set[str]:
    page = list_hazards(conn, who, DEFAULT_CALENDAR, LedgerFilter(**filters), per_page=500)
    assert page.total == len(page.rows)
    return {r["code"] for r in page.rows}


@pytest.fixture
def spread(conn: Connection, make_hazard: HazardFactory) -> dict[str, str]:
    """One hazard at each of several units; the 暗访 finding at LA-JA-H01 is hidden."""
    made = {}
    for key, unit_code, extra in [
        ("ja_h01", "LA-JA-H01", {}),
        ("ja_h01_secret", "LA-JA-H01", {"source": "unannounced"}),
        ("ja_h02", "LA-JA-H02", {}),
        ("ja_office", "LA-JA", {}),
        ("ya_h01", "LA-YA-H01", {}),
        ("zs_01", "LA-ZS-01", {}),
    ]:
        made[key] = make_hazard(conn, unit_code, **extra)[1]
    return made


def test_county_supervisor_never_sees_another_county(conn: Connection,
                                                     spread: dict[str, str]) -> None:
    seen = codes(conn, actor("county_supervisor@LA-JA"))
    assert seen == {spread[k] for k in ("ja_h01", "ja_h01_secret", "ja_h02", "ja_office")}
    assert spread["ya_h01"] not in seen
    assert codes(conn, actor("county_supervisor@LA-JA"), county_code="LA-YA") == set()
    assert codes(conn, actor("county_supervisor@LA-JA"), unit_code="LA-YA") == set()


def test_city_roles_and_admins_see_every_hazard(conn: Connection,
                                                spread: dict[str, str]) -> None:
    everything = set(spread.values())
    assert codes(conn, actor("city_supervisor@LA")) == everything
    assert codes(conn, actor("city_leader@LA")) == everything
    assert codes(conn, actor(admin=True)) == everything


def test_unit_staff_see_only_their_own_unit(conn: Connection, spread: dict[str, str]) -> None:
    assert codes(conn, actor("rectifier@LA-JA-H02")) == {spread["ja_h02"]}
    assert codes(conn, actor("designer")) == set()


def test_an_unannounced_finding_is_hidden_from_its_unit_until_published(
        conn: Connection, spread: dict[str, str], now: datetime) -> None:
    principal = actor("principal@LA-JA-H01")
    assert codes(conn, principal) == {spread["ja_h01"]}
    assert spread["ja_h01_secret"] in codes(conn, actor("inspector@LA-JA"))
    assert spread["ja_h01_secret"] in codes(conn, actor("principal@LA-JA-H01", "city_leader@LA"))
    [secret] = list_hazards(conn, actor(admin=True), DEFAULT_CALENDAR,
                            LedgerFilter(text=spread["ja_h01_secret"])).rows
    publish_notice(ServiceCall(conn=conn, case_id=secret["case_id"], element_id="publish",
                               topic="hazard.publish_notice", params={},
                               data={"unit_code": "LA-JA-H01"}, now=now, actor=SYSTEM))
    assert codes(conn, principal) == {spread["ja_h01"], spread["ja_h01_secret"]}


def test_a_hidden_finding_is_seen_by_unit_roles_held_above_its_unit(
        conn: Connection, spread: dict[str, str]) -> None:
    assert spread["ja_h01_secret"] in codes(conn, actor("safety_officer@LA-JA"))


def test_ledger_filters_narrow_the_rows(conn: Connection, make_hazard: HazardFactory,
                                       now: datetime) -> None:
    city = actor("city_supervisor@LA")
    fire = make_hazard(conn, "LA-JA-H01", category="fire", level="major",
                       description="消防水泵无法启动", location="住院楼地下室",
                       deadline="2026-11-05")[1]
    gas = make_hazard(conn, "LA-JA-H02", category="gas_canteen", campaign="秋季专项",
                      description="燃气报警器未安装 100%", location="食堂",
                      at=now + timedelta(days=2))[1]
    ya = make_hazard(conn, "LA-YA-H01", category="fire", location="门诊楼",
                     at=now + timedelta(days=5))[1]
    assert codes(conn, city, level="major") == {fire}
    assert codes(conn, city, category="fire") == {fire, ya}
    assert codes(conn, city, county_code="LA-JA") == {fire, gas}
    assert codes(conn, city, unit_code="LA-JA-H02") == {gas}
    assert codes(conn, city, campaign="秋季专项") == {gas}
    assert codes(conn, city, status="closed") == set()
    assert codes(conn, city, text="水泵") == {fire}
    assert codes(conn, city, text="食堂") == {gas}
    assert codes(conn, city, text=ya.lower()) == {ya}
    assert codes(conn, city, text="100%") == {gas}
    assert codes(conn, city, text="%") == {gas}
    day = now.date()
    assert codes(conn, city, reported_from=day + timedelta(days=1),
                 reported_to=day + timedelta(days=2)) == {gas}
    assert codes(conn, city, reported_to=day) == {fire}
    assert codes(conn, city, overdue_on=date(2026, 11, 6)) == {fire}
    assert codes(conn, city, overdue_on=date(2026, 11, 5)) == set()


def test_the_ledger_pages_newest_first(conn: Connection, make_hazard: HazardFactory,
                                       now: datetime) -> None:
    made = [make_hazard(conn, "LA-JA-H01", at=now + timedelta(minutes=i))[1] for i in range(5)]
    county = actor("county_supervisor@LA-JA")
    first = list_hazards(conn, county, DEFAULT_CALENDAR, page=1, per_page=2)
    last = list_hazards(conn, county, DEFAULT_CALENDAR, page=3, per_page=2)
    assert (first.total, first.pages) == (5, 3)
    assert [r["code"] for r in first.rows] == [made[4], made[3]]
    assert [r["code"] for r in last.rows] == [made[0]]


def test_the_ledger_use_cases_read_what_the_actor_sees_as_of_the_business_day(
        db: Any) -> None:
    import io

    from openpyxl import load_workbook

    from hazardflow.engine import NotFound
    from hazardflow.workflows.usecases import ledger as usecase

    from .lifecycle import Lifecycle
    from .lifecycle_forms import order_form

    lc = Lifecycle(db)
    late = lc.report()
    lc.complete(late, "Task_Triage", "safety", order_form(date(2026, 11, 5)))
    lc.report(location="住院部一楼配电房")
    # 16:30 UTC on the 5th is already the 6th in Lu'an: the deadline has passed there
    lc.set_time(datetime(2026, 11, 5, 16, 30, tzinfo=lc.now().tzinfo))
    safety = lc.actor("safety")
    view = usecase.ledger_page(lc.rt, safety, LedgerFilter(), overdue=True)
    assert view.today == date(2026, 11, 6) and view.units == ["LA-JA-H01"]
    assert [r["case_id"] for r in view.result.rows] == [late]
    assert usecase.ledger_page(lc.rt, safety, LedgerFilter()).result.total == 2
    found = usecase.export(lc.rt, safety, LedgerFilter(), overdue=True)
    assert found.filename == "hazard-ledger-2026-11-06.xlsx"
    sheet = load_workbook(io.BytesIO(found.body))["隐患台账"]
    assert [(r[0].value, r[15].value) for r in sheet.iter_rows(min_row=2)] == \
        [(lc.hazard(late)["code"], "是")]
    code = lc.hazard(late)["code"]
    assert usecase.hazard(lc.rt, safety, code)["case_id"] == late
    with pytest.raises(NotFound):
        usecase.hazard(lc.rt, lc.actor("yuan"), code)  # another county's


def test_a_hazard_row_is_read_once_per_transaction_and_afresh_after_a_write(
        conn: Connection, make_hazard: HazardFactory) -> None:
    import sqlalchemy as sa

    from hazardflow.workflows.schema import hazard

    case_id, _ = make_hazard(conn, "LA-JA-H01")
    with recorded(conn.engine) as statements:
        first = row(conn, case_id)
        first["description"] = "a caller's change stays the caller's"
        again = row(conn, case_id)
        assert len(statements) == 1 and again["description"] == "疏散通道堆放杂物"
        conn.execute(sa.update(hazard).where(hazard.c.case_id == case_id)
                     .values(description="已更新"))
        assert row(conn, case_id)["description"] == "已更新"
        assert len(statements) == 3  # the write, and the read after it
