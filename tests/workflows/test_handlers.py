from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from hazardflow.engine.services import SYSTEM, HandlerRegistry, ServiceCall
from hazardflow.workflows.calendar import DEFAULT_CALENDAR
from hazardflow.workflows.handlers import register_handlers
from hazardflow.workflows.ledger import hazard_for_case
from hazardflow.workflows.notifications import notifications_for
from hazardflow.workflows.users import actor_for, create_user, get_user

from .conftest import HazardFactory


@pytest.fixture
def registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    register_handlers(registry, DEFAULT_CALENDAR)
    return registry


@pytest.fixture
def run(conn: Connection, registry: HandlerRegistry, now: datetime) -> Any:
    def run(topic: str, case_id: int, data: Mapping[str, Any] | None = None,
            params: Mapping[str, Any] | None = None, at: datetime | None = None) -> Any:
        row = hazard_for_case(conn, case_id)
        case_data = {"unit_code": row["unit_code"]} if row else {}
        case_data.update(data or {})
        call = ServiceCall(conn=conn, case_id=case_id, element_id="task", topic=topic,
                           params=params or {}, data=case_data, now=at or now, actor=SYSTEM)
        result = registry.handlers[topic](call)
        assert set(result or {}) <= registry.outputs[topic]
        return result
    return run


def inbox(conn: Connection, username: str) -> list[dict[str, Any]]:
    user = get_user(conn, username)
    assert user is not None
    return notifications_for(conn, user.id, actor_for(conn, username), [])  # no task notices


def test_every_topic_is_registered_with_its_outputs(registry: HandlerRegistry) -> None:
    assert registry.outputs == {
        "hazard.number_notice": frozenset({"notice_no"}),
        "notify": frozenset(),
        "hazard.supervision_letter": frozenset({"letter_no"}),
        "hazard.publish_notice": frozenset(),
        "hazard.reclassify": frozenset({"level"}),
        "hazard.close": frozenset({"outcome"}),
        "hazard.void": frozenset({"outcome"}),
        "hazard.record_finding": frozenset({"found_by_level", "found_by_body",
                                            "found_by_user"}),
        "hazard.record_order": frozenset({"ordered_by_level", "ordered_by_body",
                                          "ordered_by_user", "order_kind", "ordered_on"}),
        "hazard.list_supervision": frozenset(),
        "hazard.delist": frozenset(),
    }


def test_notices_are_numbered_per_county_per_year(conn: Connection, run: Any,
                                                  make_hazard: HazardFactory) -> None:
    ja1, _ = make_hazard(conn, "LA-JA-H01")
    ja2, _ = make_hazard(conn, "LA-JA-H02")
    ya, _ = make_hazard(conn, "LA-YA-H01")
    assert run("hazard.number_notice", ja1) == {"notice_no": "金安卫健整改〔2026〕1号"}
    assert run("hazard.number_notice", ja2) == {"notice_no": "金安卫健整改〔2026〕2号"}
    assert run("hazard.number_notice", ya) == {"notice_no": "裕安卫健整改〔2026〕1号"}
    assert hazard_for_case(conn, ja2)["notice_no"] == "金安卫健整改〔2026〕2号"  # type: ignore[index]


def test_a_city_direct_unit_gets_its_notice_from_the_city(conn: Connection, run: Any,
                                                          make_hazard: HazardFactory) -> None:
    case_id, _ = make_hazard(conn, "LA-ZS-01")
    assert run("hazard.number_notice", case_id) == {"notice_no": "六卫健整改〔2026〕1号"}


def test_the_notice_year_is_the_year_in_china(conn: Connection, run: Any,
                                              make_hazard: HazardFactory) -> None:
    case_id, _ = make_hazard(conn, "LA-JA-H01")
    new_year_in_lu_an = datetime(2026, 12, 31, 16, 5, tzinfo=UTC)
    assert run("hazard.number_notice", case_id, at=new_year_in_lu_an) == {
        "notice_no": "金安卫健整改〔2027〕1号"}


def test_notify_reaches_role_groups_and_the_assignee(conn: Connection, run: Any, now: datetime,
                                                     make_hazard: HazardFactory) -> None:
    create_user(conn, "principal", "s3cret-pass", "院长", [("principal", "LA-JA-H01")], now=now)
    create_user(conn, "jinan", "s3cret-pass", "监管", [("county_supervisor", "LA-JA")], now=now)
    create_user(conn, "rectifier", "s3cret-pass", "整改", [("rectifier", "LA-JA-H01")], now=now)
    create_user(conn, "yuan", "s3cret-pass", "裕安", [("county_supervisor", "LA-YA")], now=now)
    case_id, code = make_hazard(conn, "LA-JA-H01", deadline="2026-11-20")
    assert run("notify", case_id, params={
        "recipients": "principal@unit, county_supervisor@county", "kind": "overdue"}) is None
    run("notify", case_id, data={"responsible_user": "rectifier"},
        params={"recipients": "assignee", "kind": "remind"})
    [overdue] = inbox(conn, "jinan")
    assert overdue["kind"] == "overdue" and code in overdue["title"] and "超期" in overdue["title"]
    assert "金安区人民医院" in overdue["body"] and "2026-11-20" in overdue["body"]
    assert "消防" in overdue["body"] and "一般隐患" in overdue["body"]
    assert [n["kind"] for n in inbox(conn, "principal")] == ["overdue"]
    assert [n["kind"] for n in inbox(conn, "rectifier")] == ["remind"]
    assert inbox(conn, "yuan") == []


@pytest.mark.parametrize(("params", "data", "message"), [
    ({"recipients": "principal@unit", "kind": "party"}, {}, "unknown notification kind"),
    ({"kind": "remind"}, {}, "recipients"),
    ({"recipients": "assignee", "kind": "remind"}, {}, "responsible_user"),
    ({"recipients": "assignee", "kind": "remind"}, {"responsible_user": "zz"}, "not a known"),
    ({"recipients": "boss@unit", "kind": "remind"}, {}, "unknown role"),
])
def test_notify_refuses_bad_parameters(conn: Connection, run: Any, make_hazard: HazardFactory,
                                       params: dict[str, str], data: dict[str, str],
                                       message: str) -> None:
    case_id, _ = make_hazard(conn)
    with pytest.raises(ValueError, match=message):
        run("notify", case_id, data=data, params=params)


def test_a_supervision_letter_is_numbered_by_the_city_and_announced(
        conn: Connection, run: Any, now: datetime, make_hazard: HazardFactory) -> None:
    create_user(conn, "city", "s3cret-pass", "综合监督科", [("city_supervisor", "LA")], now=now)
    create_user(conn, "principal", "s3cret-pass", "院长", [("principal", "LA-JA-H01")], now=now)
    first, _ = make_hazard(conn, "LA-JA-H01")
    second, _ = make_hazard(conn, "LA-YA-H01")
    assert run("hazard.supervision_letter", first) == {"letter_no": "六卫健督办〔2026〕1号"}
    assert run("hazard.supervision_letter", second) == {"letter_no": "六卫健督办〔2026〕2号"}
    assert [n["kind"] for n in inbox(conn, "city")] == ["supervision_letter"] * 2
    [letter] = inbox(conn, "principal")
    assert "六卫健督办〔2026〕1号" in letter["body"]


def test_publishing_makes_a_hidden_finding_visible_and_tells_the_unit(
        conn: Connection, run: Any, now: datetime, make_hazard: HazardFactory) -> None:
    create_user(conn, "principal", "s3cret-pass", "院长", [("principal", "LA-JA-H01")], now=now)
    case_id, _ = make_hazard(conn, "LA-JA-H01", source="unannounced")
    assert hazard_for_case(conn, case_id)["visible_to_unit"] is False  # type: ignore[index]
    run("hazard.publish_notice", case_id)
    row = hazard_for_case(conn, case_id)
    assert row is not None and row["visible_to_unit"] is True and row["published_at"] == now
    assert [n["kind"] for n in inbox(conn, "principal")] == ["publish"]


def test_reclassify_changes_the_level_in_case_and_ledger(conn: Connection, run: Any,
                                                         make_hazard: HazardFactory) -> None:
    case_id, _ = make_hazard(conn, level="general")
    change = {"reclassify": {"level": "major", "reason": "涉及液氧站，需停用整改"}}
    assert run("hazard.reclassify", case_id, data=change) == {"level": "major"}
    assert hazard_for_case(conn, case_id)["level"] == "major"  # type: ignore[index]


@pytest.mark.parametrize(("change", "message"), [
    (None, "needs data"),
    ({"level": "critical", "reason": "x"}, "unknown hazard level"),
    ({"level": "major", "reason": "  "}, "reason is required"),
    ({"level": "major"}, "reason is required"),
])
def test_reclassify_needs_a_known_level_and_a_reason(conn: Connection, run: Any,
                                                     make_hazard: HazardFactory,
                                                     change: Any, message: str) -> None:
    case_id, _ = make_hazard(conn)
    with pytest.raises(ValueError, match=message):
        run("hazard.reclassify", case_id, data={"reclassify": change})
    assert hazard_for_case(conn, case_id)["level"] == "general"  # type: ignore[index]


def test_close_and_void_set_the_outcome(conn: Connection, run: Any,
                                        make_hazard: HazardFactory) -> None:
    case_id, _ = make_hazard(conn)
    assert run("hazard.close", case_id) == {"outcome": "closed"}
    assert run("hazard.void", case_id) == {"outcome": "voided"}
