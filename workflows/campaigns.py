"""Campaigns (专项行动): a name, focus themes, a period and the units taking part.

Hazards (``hazard.campaign``), inspections and reports carry the campaign's ``code``.
Progress is counted by unit and by theme from those tagged rows, as the viewer may see them
(an unpublished unannounced-visit finding does not count for its own unit's staff).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Detail, InvalidInput, NotFound
from hazardflow.engine.db import new_id

from .classification import seed_major_hazard_list
from .ledger import CATEGORIES
from .policy import supervises, unit_scope_clause, visible_hazards
from .schema import hazard, unit
from .schema_campaigns import (
    campaign,
    campaign_theme,
    campaign_unit,
    checklist,
    checklist_item,
    inspection,
    unit_report,
)

# The units that report and are assessed: every institution but a 村卫生室 (its 乡镇卫生院's
# report covers it: a report counts the unit and the units below it) and a 诊所 (the county's
# supervision covers it); county-level bodies consolidate.
REPORTING_KINDS = ("institution", "city_direct", "township_hospital", "community_health_center",
                   "private_hospital", "cdc", "supervision_institute")

FOUNDING = {
    "code": "2026-YDQ",
    "name": "迎大庆、防风险、除隐患、保安全",
    "description": "“1+7+N”安全生产隐患集中排查治理专项行动：各单位自查自改，县区卫健委督查指导，"
                   "市卫健委抽查暗访并公开通报，各单位每月24日前报送工作进展，结果纳入年度目标管理考核。",
    "starts_on": "2026-09-01",
    "ends_on": "2026-12-31",
    "themes": [
        ("flood", "汛期安全", "flood", "flood_season"),
        ("confined_space", "有限空间", "confined_space", "confined_space"),
        ("self_built_house", "自建房", "self_built_house", "self_built_house"),
        ("three_in_one", "“三合一”场所", "three_in_one", "three_in_one"),
        ("hazardous_chemicals", "危险化学品", "hazardous_chemicals", "hazardous_chemicals"),
        ("construction", "建筑施工", "construction", "construction"),
        ("crowded_places", "人员密集场所（医院消防）", "fire", "hospital_fire"),
    ],
}


@dataclass(frozen=True)
class Theme:
    code: str
    name: str
    category: str
    checklist_code: str | None = None


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def _date(value: Any, field: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except (TypeError, ValueError):
        raise _bad(f"{field} 须为日期 YYYY-MM-DD ({field} must be a date)", field) from None


def reporting_units(conn: Connection, codes: Iterable[str] | None = None) -> list[Any]:
    """Active units that report (institutions and city-direct units), by code."""
    query = sa.select(unit).where(unit.c.active.is_(True), unit.c.kind.in_(REPORTING_KINDS))
    if codes is not None:
        query = query.where(unit.c.code.in_(sorted(set(codes))))
    return list(conn.execute(query.order_by(unit.c.code)))


def create_campaign(conn: Connection, *, code: str, name: str, starts_on: str, ends_on: str,
                    themes: Sequence[Theme], unit_codes: Iterable[str] | None, created_by: str,
                    now: datetime, description: str = "") -> int:
    """A campaign; ``unit_codes`` None: every reporting unit takes part."""
    if not code.strip() or len(code) > 64:
        raise _bad("编码不能为空，最长64字符 (a code of 1 to 64 characters)", "code")
    if not name.strip() or len(name) > 255:
        raise _bad("名称不能为空，最长255字符 (a name of 1 to 255 characters)", "name")
    start, end = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
    if end < start:
        raise _bad("结束日期早于开始日期 (the campaign ends before it starts)", "ends_on")
    if not themes:
        raise _bad("至少一个主题 (at least one theme)", "themes")
    _check_themes(conn, themes)
    if conn.execute(sa.select(campaign.c.id).where(campaign.c.code == code)).first():
        raise Conflict(f"专项行动编码 {code} 已被使用 (campaign {code} already exists)")
    if unit_codes is not None:
        unit_codes = list(unit_codes)
        if not all(isinstance(c, str) for c in unit_codes):
            raise _bad("参与单位须为单位编码列表 (units is a list of unit codes)", "units")
    units = reporting_units(conn, unit_codes)
    if unit_codes is not None and len(units) != len(set(unit_codes)):
        raise _bad("参与单位中有未知或非报送单位 (unknown or non-reporting units)", "units")
    campaign_id = new_id(conn.execute(campaign.insert().values(
        code=code.strip(), name=name.strip(), description=description, starts_on=start,
        ends_on=end, created_by=created_by, created_at=now)))
    conn.execute(campaign_theme.insert(), [
        {"campaign_id": campaign_id, "code": t.code, "name": t.name, "category": t.category,
         "checklist_code": t.checklist_code, "position": i} for i, t in enumerate(themes)])
    if units:
        conn.execute(campaign_unit.insert(), [{"campaign_id": campaign_id, "unit_id": u.id}
                                              for u in units])
    return campaign_id


def _check_themes(conn: Connection, themes: Sequence[Theme]) -> None:
    lists = {c["code"] for c in list_checklists(conn)}
    for theme in themes:
        if not 0 < len(theme.code) <= 64 or not 0 < len(theme.name) <= 128:
            raise _bad("主题编码1至64字符、名称1至128字符 (theme code up to 64 characters, "
                       "name up to 128)", "themes")
        if theme.category not in CATEGORIES:
            raise _bad(f"未知隐患类别 {theme.category} (unknown category)", "themes")
        if theme.checklist_code is not None and theme.checklist_code not in lists:
            raise _bad(f"没有检查表 {theme.checklist_code} (no checklist)", "themes")
    if len({t.code for t in themes}) != len(themes):
        raise _bad("主题编码不能重复 (theme codes are unique)", "themes")


def list_campaigns(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(campaign).order_by(campaign.c.starts_on.desc(),
                                                     campaign.c.id.desc()))
    return [dict(r._mapping) for r in rows]


def get_campaign(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(sa.select(campaign).where(campaign.c.code == code)).first()
    if row is None:
        raise NotFound(f"专项行动 {code} 不存在 (campaign {code} does not exist)")
    out = dict(row._mapping)
    out["themes"] = [dict(t._mapping) for t in conn.execute(
        sa.select(campaign_theme).where(campaign_theme.c.campaign_id == row.id)
        .order_by(campaign_theme.c.position))]
    out["units"] = [dict(u._mapping) for u in conn.execute(
        sa.select(unit.c.code, unit.c.name, unit.c.county_code)
        .join(campaign_unit, campaign_unit.c.unit_id == unit.c.id)
        .where(campaign_unit.c.campaign_id == row.id).order_by(unit.c.code))]
    return out


def active_campaign_for(conn: Connection, unit_id: int, day: date) -> str | None:
    """The code of a campaign running on ``day`` that the unit takes part in, if any."""
    found = conn.execute(
        sa.select(campaign.c.code).join(campaign_unit,
                                        campaign_unit.c.campaign_id == campaign.c.id)
        .where(campaign_unit.c.unit_id == unit_id, campaign.c.starts_on <= day.isoformat(),
               campaign.c.ends_on >= day.isoformat())
        .order_by(campaign.c.starts_on.desc()).limit(1)).scalar()
    return str(found) if found else None


def progress(conn: Connection, actor: Actor, code: str, today: date) -> dict[str, Any]:
    """Progress by unit and by theme, over the units ``actor`` may see; overdue on the
    business day ``today``."""
    info = get_campaign(conn, code)
    overdue_before = today.isoformat()
    units = list(conn.execute(
        sa.select(unit.c.id, unit.c.code, unit.c.name, unit.c.county_code)
        .join(campaign_unit, campaign_unit.c.unit_id == unit.c.id)
        .where(campaign_unit.c.campaign_id == info["id"],
               unit_scope_clause(unit.c.id, actor, "campaign_scope"))
        .order_by(unit.c.code)))
    ids = [u.id for u in units]
    tagged = sa.and_(hazard.c.campaign == code, hazard.c.unit_id.in_(ids),
                     visible_hazards(actor))
    overdue = sa.and_(hazard.c.status == "open", hazard.c.deadline.is_not(None),
                      hazard.c.deadline < overdue_before)

    def counts(group: Any) -> dict[Any, dict[str, int]]:
        rows = conn.execute(sa.select(
            group, sa.func.count().label("found"),
            sa.func.sum(sa.case((hazard.c.status == "closed", 1), else_=0)).label("closed"),
            sa.func.sum(sa.case((hazard.c.level == "major", 1), else_=0)).label("major"),
            sa.func.sum(sa.case((overdue, 1), else_=0)).label("overdue"))
            .where(tagged).group_by(group))
        return {r[0]: {"found": int(r.found), "closed": int(r.closed or 0),
                       "major": int(r.major or 0), "overdue": int(r.overdue or 0)} for r in rows}

    by_unit_h = counts(hazard.c.unit_id)
    by_cat = counts(hazard.c.category)
    insp = _inspection_counts(conn, actor, code, ids)
    reports: dict[int, int] = dict(conn.execute(
        sa.select(unit_report.c.unit_id, sa.func.count())
        .where(unit_report.c.campaign_code == code, unit_report.c.status == "submitted",
               unit_report.c.unit_id.in_(ids)).group_by(unit_report.c.unit_id)).all())
    empty = {"found": 0, "closed": 0, "major": 0, "overdue": 0}
    by_unit = [{"code": u.code, "name": u.name, "county_code": u.county_code,
                "inspections": insp.get(u.id, 0), "reports": int(reports.get(u.id, 0)),
                **by_unit_h.get(u.id, empty)} for u in units]
    by_theme = [{"code": t["code"], "name": t["name"], "category": t["category"],
                 "checklist_code": t["checklist_code"], **by_cat.get(t["category"], empty)}
                for t in info["themes"]]
    for row in (*by_unit, *by_theme):
        row["rate"] = round(row["closed"] / row["found"], 4) if row["found"] else None
    totals = {k: sum(int(r[k]) for r in by_unit) for k in ("found", "closed", "major",
                                                           "overdue", "inspections")}
    rate = round(totals["closed"] / totals["found"], 4) if totals["found"] else None
    return {"campaign": info, "by_unit": by_unit, "by_theme": by_theme,
            "totals": {**totals, "rate": rate}}


def _inspection_counts(conn: Connection, actor: Actor, code: str,
                       ids: list[int]) -> dict[int, int]:
    query = (sa.select(inspection.c.unit_id, sa.func.count())
             .where(inspection.c.campaign_code == code, inspection.c.unit_id.in_(ids))
             .group_by(inspection.c.unit_id))
    if not supervises(actor):
        query = query.where(inspection.c.visible_to_unit.is_(True))
    return {int(k): int(v) for k, v in conn.execute(query)}


# -- checklists -------------------------------------------------------------------------

def bundled_checklists() -> list[dict[str, Any]]:
    root = resources.files("hazardflow.workflows").joinpath("checklists")
    return sorted((json.loads(p.read_text(encoding="utf-8")) for p in root.iterdir()
                   if p.name.endswith(".json")), key=lambda c: c["code"])


def save_checklist(conn: Connection, data: Mapping[str, Any], now: datetime) -> int:
    """Store a checklist (code, name, theme, category, items[text, legal_basis, category,
    major_trigger, major_item]) as its version 1; an existing code is left as it is (the
    city's edits are versions of their own). Returns its id."""
    found = conn.execute(sa.select(checklist.c.id).where(
        checklist.c.code == data["code"])).scalar()
    if found is not None:
        return int(found)
    items = list(data.get("items") or [])
    if not items:
        raise _bad("检查表至少一项 (a checklist has items)", "items")
    checklist_id = new_id(conn.execute(checklist.insert().values(
        code=data["code"], name=data["name"], theme=data["theme"],
        category=data["category"], created_at=now)))
    conn.execute(checklist_item.insert(), [
        {"checklist_id": checklist_id, "position": i + 1, "text": item["text"],
         "legal_basis": item.get("legal_basis", ""),
         "category": item.get("category") or data["category"],
         "major_trigger": bool(item.get("major_trigger") or item.get("major_item")),
         "major_item": item.get("major_item") or None, "version_from": 1}
        for i, item in enumerate(items)])
    return checklist_id


def list_checklists(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.select(checklist)
                                                   .order_by(checklist.c.code))]


def items_in_version(checklist_id: Any, version: Any) -> sa.ColumnElement[bool]:
    """The ``checklist_item`` rows of a checklist's version (SQL)."""
    return sa.and_(checklist_item.c.checklist_id == checklist_id,
                   checklist_item.c.version_from <= version,
                   sa.or_(checklist_item.c.version_to.is_(None),
                          checklist_item.c.version_to > version))


def get_checklist(conn: Connection, code: str, version: int | None = None) -> dict[str, Any]:
    """A checklist with the items of ``version`` (default: the current one)."""
    row = conn.execute(sa.select(checklist).where(checklist.c.code == code)).first()
    if row is None:
        raise NotFound(f"检查表 {code} 不存在 (checklist {code} does not exist)")
    wanted = row.version if version is None else version
    if not isinstance(wanted, int) or isinstance(wanted, bool) or not 1 <= wanted <= row.version:
        raise _bad(f"检查表 {code} 没有第 {version} 版，现行第 {row.version} 版 (checklist "
                   f"{code} has no version {version!r})", "checklist_version")
    out = dict(row._mapping)
    out["current_version"], out["version"] = row.version, wanted
    out["items"] = [dict(i._mapping) for i in conn.execute(
        sa.select(checklist_item).where(items_in_version(row.id, wanted))
        .order_by(checklist_item.c.position))]
    return out


def seed_campaigns(conn: Connection, now: datetime) -> dict[str, int]:
    """The bundled checklists and the founding campaign, skipping what exists."""
    seed_major_hazard_list(conn)  # the checklists' items point into it
    before = conn.execute(sa.select(sa.func.count()).select_from(checklist)).scalar_one()
    for data in bundled_checklists():
        save_checklist(conn, data, now)
    after = conn.execute(sa.select(sa.func.count()).select_from(checklist)).scalar_one()
    created = 0
    if not conn.execute(sa.select(campaign.c.id).where(
            campaign.c.code == FOUNDING["code"])).first():
        create_campaign(conn, code=str(FOUNDING["code"]), name=str(FOUNDING["name"]),
                        description=str(FOUNDING["description"]),
                        starts_on=str(FOUNDING["starts_on"]), ends_on=str(FOUNDING["ends_on"]),
                        themes=[Theme(*t) for t in FOUNDING["themes"]], unit_codes=None,
                        created_by="system", now=now)
        created = 1
    return {"checklists_created": int(after - before), "campaigns_created": created}
