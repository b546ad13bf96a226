"""The roles people hold, their Chinese names, the kinds of unit, and where each may be.

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
    "report_triage": "举报受理人员",
    "designer": "流程设计人员",
    "admin": "系统管理员",
}

# What each role does, in one line (the demo's logins, the user pages)
DUTIES: dict[str, str] = {
    "inspector": "检查、暗访，登记隐患，复查本机关发现的隐患",
    "safety_officer": "本单位自查、登记隐患、下达整改、签发本单位整改通知单",
    "rectifier": "按整改通知完成整改并上传整改后照片",
    "principal": "重大隐患管控与报告、签署月报、签发本单位文书",
    "verifier": "验收本单位自查发现的隐患（不得验收自己的整改）",
    "county_supervisor": "下达整改、审查治理方案、挂牌督办、签发本机关文书、审核月报",
    "city_supervisor": "专项行动、抽查暗访、通报、考核，处理全市重大隐患",
    "city_leader": "只读查看全市隐患、报表和考核",
    "report_triage": "受理辖区群众举报投诉（可见举报人联系方式）、答复举报人",
    "designer": "设计、校验、部署流程图和表单",
    "admin": "管理单位、用户、法律条文和执法证号",
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
    "township_hospital": "乡镇卫生院",
    "village_clinic": "村卫生室",
    "community_health_center": "社区卫生服务中心",
    "private_hospital": "民营医院",
    "clinic": "诊所",
    "cdc": "疾病预防控制中心",
    "supervision_institute": "卫生监督所",
}

# County-level bodies: they supervise the units below them (县区卫健委 and 开发区卫健办).
COUNTY_LEVEL_KINDS: frozenset[str] = frozenset({"county_commission", "dev_zone_office"})
COMMISSION_KINDS: frozenset[str] = COUNTY_LEVEL_KINDS | {"city_commission"}

# Where each kind of unit sits: the kinds its parent may be (the root has none). A 村卫生室
# is run by its 乡镇卫生院 (乡村一体化管理); 乡镇卫生院, 社区卫生服务中心 and 诊所 are a
# county's; a 卫生监督所 or 疾控中心 belongs to a commission (the city's or a county's); a
# 民营医院 is registered with a county or, when large, with the city.
PARENT_KINDS: dict[str, frozenset[str]] = {
    "city_commission": frozenset(),
    "county_commission": frozenset({"city_commission"}),
    "dev_zone_office": frozenset({"city_commission"}),
    "city_direct": frozenset({"city_commission"}),
    "institution": COMMISSION_KINDS | {"city_direct", "institution"},
    "township_hospital": COUNTY_LEVEL_KINDS,
    "village_clinic": frozenset({"township_hospital"}),
    "community_health_center": COUNTY_LEVEL_KINDS,
    "private_hospital": COMMISSION_KINDS,
    "clinic": COUNTY_LEVEL_KINDS,
    "cdc": COMMISSION_KINDS,
    "supervision_institute": COMMISSION_KINDS,
}

# A 卫生监督所 acts for the commission above it (委托执法): its inspectors and supervisors
# inspect and re-check as that commission's, and documents go out in the commission's name.
DELEGATE_KINDS: frozenset[str] = frozenset({"supervision_institute"})
DELEGATED_ROLES: frozenset[str] = frozenset({"inspector", "county_supervisor"})

# Roles that only make sense at certain kinds of unit; roles not listed may be held anywhere.
# county_supervisor may also be held at the city commission: the city supervises the
# city-direct units itself (see the ``county`` scope in hazardflow.workflows.resolver), and
# at a 卫生监督所, for its commission.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    "county_supervisor": COMMISSION_KINDS | DELEGATE_KINDS,
    "city_supervisor": frozenset({"city_commission"}),
    "city_leader": frozenset({"city_commission"}),
    # the county's (or, for city-direct units, the city's) desk for public reports
    "report_triage": COMMISSION_KINDS,
}


def kind_name(kind: str) -> str:
    """The Chinese name of a kind of unit; the code itself for an unknown kind."""
    return UNIT_KINDS.get(kind, kind)


def parent_problem(kind: str, parent_kind: str | None) -> str | None:
    """Why a unit of ``kind`` cannot sit under a unit of ``parent_kind`` (None: the root),
    in Chinese with the English beside; None when it can."""
    if kind not in UNIT_KINDS:
        return (f"未知的单位类型：{kind} (unknown unit kind {kind!r}; known kinds: "
                f"{', '.join(UNIT_KINDS)})")
    allowed = PARENT_KINDS[kind]
    if parent_kind is None:
        return None if not allowed else (f"{kind_name(kind)}须有上级单位 "
                                         f"(a unit of kind {kind} needs a parent unit)")
    if not allowed:
        return (f"{kind_name(kind)}是根单位，不能有上级单位 (a {kind} is the root of the "
                f"tree: it has no parent)")
    if parent_kind in allowed:
        return None
    order = [k for k in UNIT_KINDS if k in allowed]
    return (f"{kind_name(kind)}的上级单位须为{'、'.join(kind_name(k) for k in order)}，"
            f"不能是{kind_name(parent_kind)} (a {kind} must sit under {' or '.join(order)}, "
            f"not under a {parent_kind})")


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
