from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection

from hazardflow.workflows.resolver import OrgResolver, split_candidates

resolver = OrgResolver()


@pytest.mark.parametrize("expression", [
    "city_supervisor", "safety_officer@unit", " principal@unit ", "county_supervisor@county",
    "city_supervisor@city", "inspector@unit:LA-JA", "designer", "admin",
])
def test_check_accepts_every_documented_form(expression: str) -> None:
    assert resolver.check(expression) is None


@pytest.mark.parametrize(("expression", "message"), [
    ("", "empty"),
    ("janitor@unit", "unknown role 'janitor'"),
    ("safety_officer@province", "unknown scope 'province'"),
    ("safety_officer@", "is not ROLE"),
    ("safety_officer@unit@city", "is not ROLE"),
    ("Safety_Officer@unit", "is not ROLE"),
    ("safety_officer@county:LA-JA", "only the unit scope takes a code"),
    ("designer@unit", "not held at a unit"),
    ("principal@unit, verifier@unit", "one candidate per item"),
])
def test_check_explains_what_is_wrong(expression: str, message: str) -> None:
    problem = resolver.check(expression)
    assert problem is not None and message in problem


def test_a_bare_role_means_that_role_at_any_unit(conn: Connection) -> None:
    assert resolver.resolve("city_supervisor", {}, conn) == [("city_supervisor", None)]


def test_unit_scope_is_the_case_unit(conn: Connection) -> None:
    data = {"unit_code": "LA-JA-H01"}
    assert resolver.resolve("principal@unit", data, conn) == [("principal", "LA-JA-H01")]


def test_county_scope_is_the_county_commission_above_the_case_unit(conn: Connection) -> None:
    data = {"unit_code": "LA-YA-H02"}
    assert resolver.resolve("county_supervisor@county", data, conn) == [
        ("county_supervisor", "LA-YA")]


def test_county_scope_of_a_city_direct_unit_is_the_city(conn: Connection) -> None:
    data = {"unit_code": "LA-ZS-01"}
    assert resolver.resolve("county_supervisor@county", data, conn) == [
        ("county_supervisor", "LA")]
    assert resolver.resolve("city_supervisor@county", data, conn) == [("city_supervisor", "LA")]


def test_county_scope_in_the_dev_zone_is_the_dev_zone_office(conn: Connection) -> None:
    data = {"unit_code": "LA-KF-H01"}
    assert resolver.resolve("county_supervisor@county", data, conn) == [
        ("county_supervisor", "LA-KF")]


def test_city_scope_is_the_city_commission_whatever_the_case(conn: Connection) -> None:
    assert resolver.resolve("city_supervisor@city", {"unit_code": "LA-JA-H01"}, conn) == [
        ("city_supervisor", "LA")]
    assert resolver.resolve("city_leader@city", {}, conn) == [("city_leader", "LA")]


def test_fixed_unit_scope_names_the_unit(conn: Connection) -> None:
    assert resolver.resolve("inspector@unit:LA-JA", {"unit_code": "LA-YA-H01"}, conn) == [
        ("inspector", "LA-JA")]


def test_fixed_unit_scope_with_an_unknown_unit_fails(conn: Connection) -> None:
    with pytest.raises(ValueError, match="unknown unit code 'LA-XX'"):
        resolver.resolve("inspector@unit:LA-XX", {}, conn)


def test_unit_scope_without_a_unit_in_the_case_data_fails_clearly(conn: Connection) -> None:
    with pytest.raises(ValueError, match="has no unit_code"):
        resolver.resolve("principal@unit", {}, conn)


def test_unit_scope_with_an_unknown_case_unit_fails_clearly(conn: Connection) -> None:
    with pytest.raises(ValueError, match="'LA-NOPE' is not a known unit"):
        resolver.resolve("county_supervisor@county", {"unit_code": "LA-NOPE"}, conn)


def test_resolve_rejects_a_bad_expression(conn: Connection) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        resolver.resolve("boss@unit", {"unit_code": "LA-JA-H01"}, conn)


def test_split_candidates_drops_blanks() -> None:
    assert split_candidates(" principal@unit, ,verifier@unit ") == [
        "principal@unit", "verifier@unit"]
