from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection

from hazardflow.workflows.units import (
    ancestors,
    city_unit,
    county_of,
    create_unit,
    descendant_ids,
    get_unit_by_code,
    list_units,
)

from ..statements import recorded


def codes(conn: Connection, ids: set[int]) -> set[str]:
    return {u.code for _, u in list_units(conn) if u.id in ids}


def test_demo_tree_has_city_counties_dev_zone_and_city_direct_units(conn: Connection) -> None:
    city = city_unit(conn)
    assert (city.code, city.kind, city.parent_id, city.county_code) == (
        "LA", "city_commission", None, None)
    ja = get_unit_by_code(conn, "LA-JA")
    assert ja is not None and ja.name == "金安区卫生健康委员会" and ja.parent_id == city.id
    kf = get_unit_by_code(conn, "LA-KF")
    assert kf is not None and kf.kind == "dev_zone_office"
    zs = get_unit_by_code(conn, "LA-ZS-01")
    assert zs is not None and zs.kind == "city_direct" and zs.parent_id == city.id


def test_county_code_is_the_supervising_body(conn: Connection) -> None:
    def county_code(code: str) -> str | None:
        found = get_unit_by_code(conn, code)
        assert found is not None
        return found.county_code

    assert county_code("LA-JA-H01") == "LA-JA"
    assert county_code("LA-JA") == "LA-JA"
    assert county_code("LA-KF-H01") == "LA-KF"
    assert county_code("LA-ZS-01") == "LA"
    assert county_code("LA") is None


def test_ancestors_are_listed_nearest_first(conn: Connection) -> None:
    assert [u.code for u in ancestors(conn, "LA-JA-H01")] == ["LA-JA", "LA"]
    assert [u.code for u in ancestors(conn, "LA-ZS-02")] == ["LA"]
    assert ancestors(conn, "LA") == []


def test_descendant_ids_include_the_unit_itself(conn: Connection) -> None:
    assert codes(conn, descendant_ids(conn, "LA-JA")) == {
        "LA-JA", "LA-JA-H01", "LA-JA-H02", "LA-JA-H03", "LA-JA-T01", "LA-JA-T01-V01",
        "LA-JA-C01", "LA-JA-P01", "LA-JA-WJ"}
    assert codes(conn, descendant_ids(conn, "LA-JA-T01")) == {"LA-JA-T01", "LA-JA-T01-V01"}
    assert codes(conn, descendant_ids(conn, "LA-JA-H01")) == {"LA-JA-H01"}
    assert len(descendant_ids(conn, "LA")) == len(list_units(conn))


def test_county_of_an_institution_is_its_county_commission(conn: Connection) -> None:
    assert county_of(conn, "LA-YA-H02").code == "LA-YA"
    assert county_of(conn, "LA-YA").code == "LA-YA"


def test_county_of_a_city_direct_unit_or_the_city_is_the_city(conn: Connection) -> None:
    assert county_of(conn, "LA-ZS-03").code == "LA"
    assert county_of(conn, "LA").code == "LA"


def test_county_of_a_dev_zone_institution_is_the_dev_zone_office(conn: Connection) -> None:
    assert county_of(conn, "LA-KF-H01").code == "LA-KF"


def test_list_units_puts_parents_before_their_children(conn: Connection) -> None:
    listed = [(depth, u.code) for depth, u in list_units(conn)]
    assert listed[0] == (0, "LA")
    position = {code: i for i, (_, code) in enumerate(listed)}
    assert position["LA-JA"] < position["LA-JA-H01"] < position["LA-JA-H02"] < position["LA-KF"]
    assert dict((code, depth) for depth, code in listed)["LA-JA-H03"] == 2


def test_a_unit_under_an_institution_inherits_its_county(conn: Connection) -> None:
    create_unit(conn, "LA-JA-H01-D1", "金安区人民医院东院区", "institution", "LA-JA-H01")
    assert county_of(conn, "LA-JA-H01-D1").code == "LA-JA"
    assert [u.code for u in ancestors(conn, "LA-JA-H01-D1")] == ["LA-JA-H01", "LA-JA", "LA"]


@pytest.mark.parametrize(("code", "kind", "parent", "message"), [
    ("LA-X", "hospital", "LA", "unknown unit kind"),
    ("LA-JA", "county_commission", "LA", "already in use"),
    ("LA-X", "institution", "NOPE", "unknown unit code"),
    ("LA-X", "county_commission", "LA-JA", "must sit under city_commission"),
    ("LA-X", "institution", None, "needs a parent"),
    ("LB", "city_commission", "LA", "no parent"),
])
def test_create_unit_rejects_impossible_units(conn: Connection, code: str, kind: str,
                                              parent: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_unit(conn, code, "名称", kind, parent)


def test_a_unit_read_twice_in_a_transaction_is_read_once_and_afresh_after_a_write(
        conn: Connection) -> None:
    from datetime import UTC, datetime

    from hazardflow.workflows import admin
    from hazardflow.workflows.users import User

    with recorded(conn.engine) as statements:
        first = get_unit_by_code(conn, "LA-JA-H01")
        again = get_unit_by_code(conn, "LA-JA-H01")
        assert first is again and len(statements) == 1  # the second came from the first
        by = User(0, "admin", "管理员", True)
        admin.rename_unit(conn, by, "LA-JA-H01", "金安区人民医院（新址）",
                          datetime(2026, 11, 2, tzinfo=UTC))
        renamed = get_unit_by_code(conn, "LA-JA-H01")
        assert renamed is not None and renamed.name == "金安区人民医院（新址）"
        with pytest.raises(RuntimeError), conn.begin_nested():
            admin.rename_unit(conn, by, "LA-JA-H01", "不会留下的名字",
                              datetime(2026, 11, 2, tzinfo=UTC))
            assert get_unit_by_code(conn, "LA-JA-H01").name == "不会留下的名字"  # type: ignore[union-attr]
            raise RuntimeError("the savepoint rolls back")
        back = get_unit_by_code(conn, "LA-JA-H01")
        assert back is not None and back.name == "金安区人民医院（新址）"
