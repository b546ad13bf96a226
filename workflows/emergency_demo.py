"""Demo data for the one map (应急一张图): places of the commissions and hospitals, a few
emergency teams, two supply depots (one with an item expiring within the month) and two major
hazard sources. Places are near each county's seat (WGS-84), plausible for a demonstration,
not surveyed; names and phones are fictitious."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import emergency
from .calendar import DEFAULT_CALENDAR
from .schema_emergency import emergency_team
from .units import get_unit_by_code

BY = "system"
# county seats (GeoNames where it has them: 六安, 霍邱城关镇, 舒城城关镇, 梅山)
SEATS: dict[str, tuple[float, float]] = {
    "LA": (31.7356, 116.5169), "LA-JA": (31.7500, 116.5400), "LA-YA": (31.7380, 116.4800),
    "LA-YJ": (31.8500, 115.9100), "LA-HQ": (32.3547, 116.2939), "LA-SC": (31.4745, 116.9521),
    "LA-JZ": (31.7291, 115.9124), "LA-HS": (31.3930, 116.3330), "LA-KF": (31.8000, 116.5600),
}
# (unit, facility type, grade)
MEDICAL: list[tuple[str, str, str]] = [
    ("LA-ZS-01", "综合医院", "三级甲等"), ("LA-ZS-02", "中医医院", "三级甲等"),
    ("LA-ZS-03", "疾病预防控制中心", ""), ("LA-JA-H01", "综合医院", "二级甲等"),
    ("LA-JA-H02", "妇幼保健院", "二级甲等"), ("LA-JA-H03", "中医医院", "二级甲等"),
    ("LA-JA-T01", "乡镇卫生院", "一级"), ("LA-YA-H01", "综合医院", "二级甲等"),
    ("LA-YA-H02", "中医医院", "二级乙等"), ("LA-YJ-H01", "综合医院", "二级甲等"),
    ("LA-HQ-H01", "综合医院", "三级乙等"), ("LA-SC-H01", "综合医院", "二级甲等"),
    ("LA-JZ-H01", "综合医院", "二级甲等"), ("LA-HS-H01", "综合医院", "二级甲等"),
]


def _near(code: str, step: int) -> dict[str, Any]:
    county = code if code in SEATS else ("LA" if code.startswith("LA-ZS") else code[:5])
    lat, lng = SEATS.get(county, SEATS["LA"])
    return {"lat": round(lat + 0.004 * (step % 3 - 1), 6),
            "lng": round(lng + 0.005 * (step % 4 - 1.5), 6)}


def _record(conn: Connection, kind: str, data: dict[str, Any], now: datetime) -> None:
    checked = emergency.check(conn, kind, data)
    checked.raise_if_any()
    emergency.save(conn, kind, checked, BY, now)


def seed_emergency_demo(conn: Connection, now: datetime) -> int:
    """Seed once (nothing when a team exists); returns how many records were made."""
    if conn.execute(sa.select(emergency_team.c.id).limit(1)).first() is not None:
        return 0
    for code in sorted(SEATS):
        found = get_unit_by_code(conn, code)
        if found is not None:
            place = emergency.check_location({**_near(code, 0), "address": found.name})
            emergency.set_location(conn, found.id, place, BY, now)
    for step, (code, kind, grade) in enumerate(MEDICAL, start=1):
        found = get_unit_by_code(conn, code)
        if found is not None:
            place = emergency.check_location({**_near(code, step), "address": found.name,
                                              "facility_type": kind, "grade": grade})
            emergency.set_location(conn, found.id, place, BY, now)
    soon = (DEFAULT_CALENDAR.today(now) + timedelta(days=12)).isoformat()
    records: list[tuple[str, dict[str, Any]]] = [
        ("team", {"unit_code": "LA-ZS-01", "name": "六安市紧急医学救援队", "speciality": "医疗救治",
                  **_near("LA-ZS-01", 5), "members": "王建国|队长|13905640001；"
                  "刘芳|副队长|13905640002；陈磊|队员|13905640003"}),
        ("team", {"unit_code": "LA-JA", "name": "金安区卫生应急小分队", "speciality": "卫生应急",
                  **_near("LA-JA", 6), "members": "周敏|队长|13905640011；吴浩|队员|13905640012"}),
        ("team", {"unit_code": "LA-HQ-H01", "name": "霍邱县第一人民医院防汛医疗队",
                  "speciality": "防汛救灾", **_near("LA-HQ-H01", 7),
                  "members": "孙强|队长|13905640021；郑丽|队员|13905640022"}),
        ("depot", {"unit_code": "LA-JA-H01", "name": "金安区人民医院应急物资库",
                   **_near("LA-JA-H01", 8), "keeper": "safety", "phone": "0564-3330000",
                   "items": f"N95医用防护口罩|2000|个|{soon}；医用防护服|300|套|2028-06-30；"
                   "担架|20|副|"}),
        ("depot", {"unit_code": "LA-YA", "name": "裕安区卫生应急物资储备点",
                   **_near("LA-YA", 9), "phone": "0564-3340000",
                   "items": "消毒液|120|桶|2027-09-30；发电机|2|台|"}),
        ("source", {"unit_code": "LA-ZS-01", "name": "六安市人民医院液氧站", "kind": "液氧站",
                    "level": "四级", **_near("LA-ZS-01", 10), "notes": "液氧储罐 10 m³"}),
        ("source", {"unit_code": "LA-YA-H01", "name": "裕安区人民医院锅炉房", "kind": "锅炉",
                    "level": "四级", **_near("LA-YA-H01", 11), "notes": "燃气蒸汽锅炉 2 台"}),
    ]
    for kind, data in records:
        _record(conn, kind, data, now)
    return len(records)
