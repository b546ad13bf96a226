"""The roles people hold, their Chinese names, and where each role may be held.

A grant is a (role, unit code) pair. Most roles are held *at* a unit; ``admin`` and
``designer`` are held without one. Roles split into two groups for visibility:

- supervisory roles (inspector, county_supervisor, city_supervisor, city_leader) look at
  the units below them from above and see everything there, unannounced findings included;
- unit-level roles (safety_officer, rectifier, principal, verifier) work inside their own
  unit and do not see an unannounced-visit finding about their own unit until it is
  published.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "inspector": "检查员",
    "safety_officer": "单位安全管理员",
    "rectifier": "整改责任人",
    "principal": "单位主要负责人",
    "verifier": "验收人",
    "county_supervisor": "县区卫健委监管人员",
    "city_supervisor": "市卫健委综合监督科",
    "city_leader": "市卫健委分管领导",
    "designer": "流程设计人员",
    "admin": "系统管理员",
}

UNITLESS_ROLES: frozenset[str] = frozenset({"admin", "designer"})
UNIT_ROLES: frozenset[str] = frozenset(ROLES) - UNITLESS_ROLES

SUPERVISORY_ROLES: frozenset[str] = frozenset(
    {"inspector", "county_supervisor", "city_supervisor", "city_leader"})
UNIT_LEVEL_ROLES: frozenset[str] = frozenset(
    {"safety_officer", "rectifier", "principal", "verifier"})

UNIT_KINDS: dict[str, str] = {
    "city_commission": "市卫健委",
    "county_commission": "县区卫健委",
    "dev_zone_office": "开发区卫健办",
    "city_direct": "市直卫健单位",
    "institution": "医疗卫生机构",
}

# County-level bodies: they supervise the units below them (县区卫健委 and 开发区卫健办).
COUNTY_LEVEL_KINDS: frozenset[str] = frozenset({"county_commission", "dev_zone_office"})

# Roles that only make sense at certain kinds of unit; roles not listed may be held anywhere.
# county_supervisor may also be held at the city commission: the city supervises the
# city-direct units itself (see the ``county`` scope in hazardflow.workflows.resolver).
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    "county_supervisor": COUNTY_LEVEL_KINDS | {"city_commission"},
    "city_supervisor": frozenset({"city_commission"}),
    "city_leader": frozenset({"city_commission"}),
}


def is_role(code: str) -> bool:
    return code in ROLES


def role_name(code: str) -> str:
    """The Chinese name of a role; the code itself for an unknown role."""
    return ROLES.get(code, code)


def needs_unit(role: str) -> bool:
    """Whether the role is held at a unit (everything except admin and designer)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known roles: {', '.join(ROLES)}")
    return role in UNIT_ROLES


def check_role_at(role: str, unit_code: str | None, unit_kind: str | None) -> None:
    """Raise ValueError when ``role`` cannot be held at a unit of that kind (or without one)."""
    if needs_unit(role):
        if unit_code is None:
            raise ValueError(f"role {role} ({role_name(role)}) must be held at a unit: "
                             f"write {role}@UNITCODE")
        allowed = ROLE_UNIT_KINDS.get(role)
        if allowed is not None and unit_kind not in allowed:
            kinds = "、".join(UNIT_KINDS[k] for k in sorted(allowed))
            raise ValueError(f"role {role} ({role_name(role)}) can only be held at {kinds}, "
                             f"not at {unit_code}")
    elif unit_code is not None:
        raise ValueError(f"role {role} ({role_name(role)}) is not held at a unit; "
                         f"write {role} without @{unit_code}")
