"""Units as they really are: 乡镇卫生院 with their 村卫生室, 社区卫生服务中心, 民营医院, 诊所,
疾控中心, and the 卫生监督所 that acts for its commission."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import InvalidInput
from hazardflow.workflows import admin, policy
from hazardflow.workflows.resolver import OrgResolver
from hazardflow.workflows.roles import PARENT_KINDS, UNIT_KINDS
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.units import (
    ancestors,
    county_of,
    create_unit,
    get_unit_by_code,
    issuing_body,
)
from hazardflow.workflows.users import actor_for, create_user, get_user, grants_of

from .conftest import HazardFactory, actor

resolver = OrgResolver()


def test_every_kind_of_unit_has_an_official_name_and_a_place_in_the_tree() -> None:
    assert set(PARENT_KINDS) == set(UNIT_KINDS)
    assert {UNIT_KINDS[k] for k in ("township_hospital", "village_clinic",
                                     "community_health_center", "private_hospital", "clinic",
                                     "cdc", "supervision_institute")} == {
        "乡镇卫生院", "村卫生室", "社区卫生服务中心", "民营医院", "诊所", "疾病预防控制中心",
        "卫生监督所"}


def test_the_demo_county_has_a_township_hospital_with_a_village_clinic_and_more(
        conn: Connection) -> None:
    kinds = {code: (u.kind, u.county_code) for code in (
        "LA-JA-T01", "LA-JA-T01-V01", "LA-JA-C01", "LA-JA-P01", "LA-JA-WJ")
        if (u := get_unit_by_code(conn, code))}
    assert kinds == {"LA-JA-T01": ("township_hospital", "LA-JA"),
                     "LA-JA-T01-V01": ("village_clinic", "LA-JA"),
                     "LA-JA-C01": ("community_health_center", "LA-JA"),
                     "LA-JA-P01": ("private_hospital", "LA-JA"),
                     "LA-JA-WJ": ("supervision_institute", "LA-JA")}


def test_a_village_clinic_under_a_township_hospital_is_supervised_by_its_county(
        conn: Connection, make_hazard: HazardFactory) -> None:
    village = "LA-JA-T01-V01"
    assert [u.code for u in ancestors(conn, village)] == ["LA-JA-T01", "LA-JA", "LA"]
    assert county_of(conn, village).code == "LA-JA"
    data = {"unit_code": village}
    assert resolver.resolve("county_supervisor@county", data, conn) == [
        ("county_supervisor", "LA-JA")]
    assert resolver.resolve("safety_officer@unit", data, conn) == [
        ("safety_officer", village)]
    case_id, _ = make_hazard(conn, village)
    assert conn.execute(sa.select(hazard.c.county_code).where(
        hazard.c.case_id == case_id)).scalar_one() == "LA-JA"
    county = actor("county_supervisor@LA-JA")
    township = actor("safety_officer@LA-JA-T01")
    other_county = actor("county_supervisor@LA-YA")
    assert village in policy.units_in_scope(conn, county)
    assert village in policy.units_in_scope(conn, township)
    assert policy.counties_overseen(conn, county) == {"LA-JA"}
    seen = {who: conn.execute(sa.select(hazard.c.case_id).where(
        hazard.c.case_id == case_id, policy.visible_hazards(a))).first() is not None
        for who, a in (("county", county), ("township", township), ("other", other_county))}
    assert seen == {"county": True, "township": True, "other": False}


@pytest.mark.parametrize(("kind", "parent", "message"), [
    ("village_clinic", "LA-JA", "村卫生室的上级单位须为乡镇卫生院"),
    ("village_clinic", "LA-JA-H01", "不能是医疗卫生机构"),
    ("township_hospital", "LA", "乡镇卫生院的上级单位须为县区卫健委、开发区卫健办"),
    ("township_hospital", "LA-JA-T01", "不能是乡镇卫生院"),
    ("clinic", "LA-ZS-01", "诊所的上级单位"),
    ("supervision_institute", "LA-JA-H01", "卫生监督所的上级单位须为市卫健委、县区卫健委"),
    ("community_health_center", None, "须有上级单位"),
])
def test_each_kind_sits_only_where_it_belongs(conn: Connection, kind: str,
                                              parent: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_unit(conn, "LA-X", "某单位", kind, parent)


def test_a_clinic_and_a_city_supervision_institute_take_their_supervisors(
        conn: Connection) -> None:
    create_unit(conn, "LA-JA-Z01", "金安区某诊所", "clinic", "LA-JA")
    create_unit(conn, "LA-WJ", "六安市卫生监督所", "supervision_institute", "LA")
    create_unit(conn, "LA-YA-T01", "裕安区某镇卫生院", "township_hospital", "LA-YA")
    assert county_of(conn, "LA-JA-Z01").code == "LA-JA"
    assert county_of(conn, "LA-WJ").code == "LA"
    assert issuing_body(conn, "LA-WJ").code == "LA"


def test_a_village_clinic_moves_only_to_another_township_hospital_and_takes_its_county(
        conn: Connection, now: datetime, make_hazard: HazardFactory) -> None:
    create_unit(conn, "LA-YA-T01", "裕安区某镇卫生院", "township_hospital", "LA-YA")
    case_id, _ = make_hazard(conn, "LA-JA-T01-V01")
    boss = get_user(conn, "root") or create_user(conn, "root", "rootpass1", "管理员",
                                                 [("admin", None)], now=now)
    with pytest.raises(InvalidInput, match="村卫生室的上级单位须为乡镇卫生院"):
        admin.move_unit(conn, boss, "LA-JA-T01-V01", "LA-JA-H01", now)
    moved = admin.move_unit(conn, boss, "LA-JA-T01-V01", "LA-YA-T01", now)
    assert moved.county_code == "LA-YA"
    assert conn.execute(sa.select(hazard.c.county_code).where(
        hazard.c.case_id == case_id)).scalar_one() == "LA-YA"
    with pytest.raises(InvalidInput, match="直属市卫健委"):
        admin.move_unit(conn, boss, "LA-JA", "LA-YA", now)


def test_a_supervision_institute_inspects_for_its_commission(conn: Connection,
                                                             now: datetime) -> None:
    user = create_user(conn, "wj", "wjpass123", "监督员",
                       [("inspector", "LA-JA-WJ"), ("safety_officer", "LA-JA-WJ")], now=now)
    assert grants_of(conn, user.id) == [("inspector", "LA-JA"), ("inspector", "LA-JA-WJ"),
                                        ("safety_officer", "LA-JA-WJ")]
    inspector = actor_for(conn, "wj")
    # candidate resolution: a task for 金安区's inspectors is the institute's inspectors' too
    [candidate] = resolver.resolve("inspector@county", {"unit_code": "LA-JA-T01-V01"}, conn)
    assert inspector.holds(*candidate)
    # scope: the whole county, as the commission's own inspectors
    assert {"LA-JA-H01", "LA-JA-T01-V01", "LA-JA-P01"} <= policy.units_in_scope(conn, inspector)
    assert "LA-YA-H01" not in policy.units_in_scope(conn, inspector)
    assert policy.acting_body(conn, inspector, "LA-JA-H01") == ("county", "LA-JA")
    # documents go out in the commission's name
    assert issuing_body(conn, "LA-JA-WJ").code == "LA-JA"
    assert issuing_body(conn, "LA-JA-H01").code == "LA-JA-H01"


def test_only_inspectors_and_supervisors_of_a_supervision_institute_act_for_it(
        conn: Connection, now: datetime) -> None:
    user = create_user(conn, "wjsafe", "wjpass123", "监督所安全员",
                       [("safety_officer", "LA-JA-WJ")], now=now)
    assert grants_of(conn, user.id) == [("safety_officer", "LA-JA-WJ")]
    chief = create_user(conn, "wjchief", "wjpass123", "监督所所长",
                        [("county_supervisor", "LA-JA-WJ")], now=now)
    assert ("county_supervisor", "LA-JA") in grants_of(conn, chief.id)
    with pytest.raises(ValueError, match="can only be held at"):
        create_user(conn, "wjboss", "wjpass123", "x", [("county_supervisor", "LA-JA-H01")],
                    now=now)
