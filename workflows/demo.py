"""Demo data: the Lu'an (六安) health-commission tree and one user per role.

The institution names are plausible examples for a demonstration, not an official list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from .campaigns import seed_campaigns
from .demo_documents import seed_document_demo
from .duty_demo import seed_duty_demo
from .emergency_demo import seed_emergency_demo
from .units import create_unit, get_unit_by_code
from .users import create_user, get_user

DEMO_PASSWORD = "demo12345"  # noqa: S105 -- the published demo password

CITY = ("LA", "六安市卫生健康委员会", "六卫健")

# (code, name, short name, kind, [(institution code, name[, kind: default institution])])
COUNTY_LEVEL: list[tuple[str, str, str, str, list[tuple[str, ...]]]] = [
    ("LA-JA", "金安区卫生健康委员会", "金安卫健", "county_commission", [
        ("LA-JA-H01", "金安区人民医院"), ("LA-JA-H02", "金安区妇幼保健院"),
        ("LA-JA-H03", "金安区中医院")]),
    ("LA-YA", "裕安区卫生健康委员会", "裕安卫健", "county_commission", [
        ("LA-YA-H01", "裕安区人民医院"), ("LA-YA-H02", "裕安区中医院"),
        ("LA-YA-H03", "裕安区疾病预防控制中心", "cdc")]),
    ("LA-YJ", "叶集区卫生健康委员会", "叶集卫健", "county_commission", [
        ("LA-YJ-H01", "叶集区人民医院"), ("LA-YJ-H02", "叶集区中医院")]),
    ("LA-HQ", "霍邱县卫生健康委员会", "霍邱卫健", "county_commission", [
        ("LA-HQ-H01", "霍邱县第一人民医院"), ("LA-HQ-H02", "霍邱县中医院"),
        ("LA-HQ-H03", "霍邱县妇幼保健院")]),
    ("LA-SC", "舒城县卫生健康委员会", "舒城卫健", "county_commission", [
        ("LA-SC-H01", "舒城县人民医院"), ("LA-SC-H02", "舒城县中医院")]),
    ("LA-JZ", "金寨县卫生健康委员会", "金寨卫健", "county_commission", [
        ("LA-JZ-H01", "金寨县人民医院"), ("LA-JZ-H02", "金寨县中医院")]),
    ("LA-HS", "霍山县卫生健康委员会", "霍山卫健", "county_commission", [
        ("LA-HS-H01", "霍山县医院"), ("LA-HS-H02", "霍山县中医院")]),
    ("LA-KF", "六安经济技术开发区卫健办", "开发区卫健", "dev_zone_office", [
        ("LA-KF-H01", "开发区社区卫生服务中心", "community_health_center")]),
]

# Units as they really are, in one county (金安区): a 乡镇卫生院 with its 村卫生室 below it, a
# 社区卫生服务中心, a 民营医院, and the 卫生监督所 that inspects for the commission.
# (code, name, kind, parent code)
LOCAL_UNITS: list[tuple[str, str, str, str]] = [
    ("LA-JA-T01", "金安区东桥镇卫生院", "township_hospital", "LA-JA"),
    ("LA-JA-T01-V01", "金安区东桥镇东桥村卫生室", "village_clinic", "LA-JA-T01"),
    ("LA-JA-C01", "金安区三里桥街道社区卫生服务中心", "community_health_center", "LA-JA"),
    ("LA-JA-P01", "六安济民医院（民营）", "private_hospital", "LA-JA"),
    ("LA-JA-WJ", "金安区卫生监督所", "supervision_institute", "LA-JA"),
]

CITY_DIRECT: list[tuple[str, str]] = [
    ("LA-ZS-01", "六安市人民医院"),
    ("LA-ZS-02", "六安市中医院"),
    ("LA-ZS-03", "六安市疾病预防控制中心"),
]

# (username, display name, ["role" or "role@UNIT"])
USERS: list[tuple[str, str, list[str]]] = [
    ("admin", "系统管理员", ["admin"]),
    ("designer", "流程设计人员", ["designer"]),
    ("city", "市卫健委综合监督科", ["city_supervisor@LA"]),
    ("leader", "市卫健委分管领导", ["city_leader@LA"]),
    ("jinan", "金安区卫健委监管员", ["county_supervisor@LA-JA"]),
    ("jinan_head", "金安区卫健委主任", ["principal@LA-JA"]),
    ("jubao", "金安区卫健委举报受理员", ["report_triage@LA-JA"]),
    ("yuan", "裕安区卫健委监管员", ["county_supervisor@LA-YA"]),
    ("kaifa", "开发区卫健办监管员", ["county_supervisor@LA-KF"]),
    ("inspector", "金安区检查员", ["inspector@LA-JA"]),
    ("jianduo", "金安区卫生监督所监督员", ["inspector@LA-JA-WJ"]),
    ("dongqiao", "东桥镇卫生院安全管理员", ["safety_officer@LA-JA-T01"]),
    ("safety", "金安区人民医院安全管理员", ["safety_officer@LA-JA-H01"]),
    ("principal", "金安区人民医院院长", ["principal@LA-JA-H01"]),
    ("rectifier", "金安区人民医院整改责任人", ["rectifier@LA-JA-H01"]),
    ("verifier", "金安区人民医院验收人", ["verifier@LA-JA-H01"]),
    ("safety2", "裕安区人民医院安全管理员", ["safety_officer@LA-YA-H01"]),
    ("rectifier2", "裕安区人民医院整改责任人", ["rectifier@LA-YA-H01"]),
    ("principal2", "裕安区人民医院院长", ["principal@LA-YA-H01"]),
    ("jimin", "六安济民医院安全管理员", ["safety_officer@LA-JA-P01"]),
    ("jimin_head", "六安济民医院院长", ["principal@LA-JA-P01"]),
    ("zs_safety", "六安市人民医院安全管理员", ["safety_officer@LA-ZS-01"]),
    ("zs_head", "六安市人民医院院长", ["principal@LA-ZS-01"]),
]


def _grant(spec: str) -> tuple[str, str | None]:
    role, _, code = spec.partition("@")
    return role, code or None


def seed_units(conn: Connection) -> int:
    """Create the demo organisation tree; returns how many units were new."""
    created = 0

    def ensure(code: str, name: str, kind: str, parent: str | None,
               short_name: str | None = None) -> None:
        nonlocal created
        if get_unit_by_code(conn, code) is None:
            create_unit(conn, code, name, kind, parent, short_name=short_name)
            created += 1

    ensure(CITY[0], CITY[1], "city_commission", None, CITY[2])
    for code, name, short, kind, institutions in COUNTY_LEVEL:
        ensure(code, name, kind, CITY[0], short)
        for inst_code, inst_name, *inst_kind in institutions:
            ensure(inst_code, inst_name, inst_kind[0] if inst_kind else "institution", code)
    for code, name, kind, parent in LOCAL_UNITS:
        ensure(code, name, kind, parent)
    for code, name in CITY_DIRECT:
        ensure(code, name, "city_direct", CITY[0])
    return created


def seed_demo(conn: Connection, now: datetime) -> dict[str, Any]:
    """Create the demo units and users, skipping what exists.

    Returns ``{"units_created", "users_created", "password", "users"}``, ``users`` being
    ``[(username, ["role@UNIT", ...])]`` for every demo user, new or not.
    """
    units_created = seed_units(conn)
    users_created = 0
    for username, display_name, specs in USERS:
        if get_user(conn, username) is None:
            create_user(conn, username, DEMO_PASSWORD, display_name,
                        [_grant(s) for s in specs], now=now)
            users_created += 1
    seeded = seed_campaigns(conn, now)  # the founding campaign, its themes and checklists
    # the legal texts regulators' documents cite, the inspectors' 执法证号 (fictitious)
    seed_document_demo(conn, now)
    # this month's duty rosters of the city, 金安区 and a few hospitals (值班备勤)
    seed_duty_demo(conn, now)
    # the one map (应急一张图): places, teams, depots (one item expiring soon), sources
    seed_emergency_demo(conn, now)
    return {
        **seeded,
        "units_created": units_created,
        "users_created": users_created,
        "password": DEMO_PASSWORD,
        "users": [(username, list(specs)) for username, _, specs in USERS],
    }
