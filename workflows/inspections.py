"""Inspections against a checklist; every failed item becomes a hazard case.

An inspection, its results and one hazard case per failed item are stored in the caller's
transaction, all or nothing: each case starts through
:func:`hazardflow.workflows.cases.start_case`, the same path a reporter takes, and the
result row is linked to the case and its hazard code. Each failed item's photos must be the
recorder's own uploads, checked before anything is stored.

A failed item that is a major-hazard trigger gives a 重大 case. The hazard's source follows
the inspection's kind; an unannounced visit's (暗访) hazards are hidden from the unit by the
ledger (source ``unannounced``) and the inspection itself too, until it is published.

The notice and the opinion that list every hazard an inspection found are in
:mod:`~hazardflow.workflows.inspection_documents`. Who may record, publish or issue is the
use-cases' question (``workflows.usecases
.inspections`` asks ``workflows.policy``); the functions here take the caller's connection,
check the input and never begin or commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, Engine, InvalidInput, NotFound, journal
from hazardflow.engine.db import new_id

from . import evidence
from .calendar import BusinessCalendar
from .campaigns import get_checklist
from .cases import start_case
from .counters import next_value
from .ledger import SOURCES
from .policy import visible_inspections
from .runtime import HAZARD_PROCESS
from .schema import hazard, unit
from .schema_campaigns import (
    campaign,
    checklist,
    checklist_item,
    inspection,
    inspection_result,
    spot_check,
)
from .units import Unit, get_unit_by_code

KINDS: dict[str, str] = {
    "self": "自查", "routine": "日常检查", "special": "专项检查", "spot_check": "抽查",
    "unannounced": "暗查暗访", "supervision": "督导检查", "review": "回头看",
}
SOURCE_OF_KIND: dict[str, str] = {
    "self": "self_inspection", "routine": "inspection", "special": "inspection",
    "supervision": "inspection", "spot_check": "spot_check", "unannounced": "unannounced",
    "review": "inspection",
}
RESULTS: dict[str, str] = {"pass": "合格", "fail": "不合格", "na": "不适用"}
assert set(SOURCE_OF_KIND.values()) <= set(SOURCES)


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def check_kind(kind: Any) -> str:
    """``kind`` if it is a kind of inspection, else InvalidInput on ``kind``."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise _bad(f"检查类型须为 {', '.join(KINDS)} (the kind must be one of them)", "kind")
    return kind


def inspected_unit(conn: Connection, unit_code: Any) -> Unit:
    """The unit an inspection is about, else InvalidInput on ``unit_code``."""
    found = get_unit_by_code(conn, unit_code) if isinstance(unit_code, str) else None
    if found is None:
        raise _bad(f"没有单位 {unit_code} (no unit {unit_code!r})", "unit_code")
    return found


def record_inspection(conn: Connection, engine: Engine, actor: Actor, *, unit_code: str,
                      kind: str, checklist_code: str, results: Sequence[Mapping[str, Any]],
                      campaign_code: str | None = None, location: str = "",
                      summary: str = "", inspected_on: str | None = None,
                      spot_check_id: int | None = None,
                      checklist_version: int | None = None,
                      calendar: BusinessCalendar) -> dict[str, Any]:
    """Store an inspection and open one hazard case per failed item (the caller has checked
    that ``actor`` may record this kind at this unit).

    ``results``: one per checklist item: ``{"item": position or item id key "item_id",
    "result": pass|fail|na, "note", "location", "photos": [evidence ids]}``; a failed item
    needs at least one photo (the hazard register form asks for one). Without
    ``inspected_on`` it is inspected today; the code counts in the business year.
    ``checklist_version``: the version of the
    checklist the inspection started with (the form it was filled in on), kept even when the
    city has changed the checklist since; default the current one. A failed item that checks
    an item of the 2023 list names it (``major_item``) in its 重大 case.
    """
    now = engine.clock.now()
    where = inspected_unit(conn, unit_code)
    check_kind(kind)
    items = _items(conn, checklist_code, checklist_version)
    rows = _checked_results(items, results)
    evidence.check_form_evidence(conn, {f"photos{r['item']['position']}": r["photos"]
                                        for r in rows if r["result"] == "fail"}, actor.id)
    if campaign_code is not None and (not isinstance(campaign_code, str) or not conn.execute(
            sa.select(campaign.c.id).where(campaign.c.code == campaign_code)).first()):
        raise _bad(f"没有专项行动 {campaign_code} (no campaign {campaign_code!r})",
                   "campaign_code")
    _check_spot_check(conn, spot_check_id, where)
    day = _day(inspected_on, calendar.today(now))
    year = calendar.year_of(now)
    code = f"JC-{year}-{next_value(conn, f'inspection:{year}'):06d}"
    inspection_id = new_id(conn.execute(inspection.insert().values(
        code=code, kind=kind, campaign_code=campaign_code or None, unit_id=where.id,
        checklist_id=items[0]["checklist_id"], checklist_version=items[0]["in_version"],
        inspector=actor.id, inspected_on=day,
        location=location.strip()[:255], summary=summary, spot_check_id=spot_check_id,
        visible_to_unit=kind != "unannounced", created_at=now)))
    conn.execute(inspection_result.insert(), [
        {"inspection_id": inspection_id, "item_id": r["item_id"], "result": r["result"],
         "note": r["note"], "location": r["location"], "photos": json.dumps(r["photos"])}
        for r in rows])
    _open_cases(conn, engine, actor, inspection_id)
    return get_inspection(conn, actor, inspection_id)


def _check_spot_check(conn: Connection, spot_check_id: Any, where: Unit) -> None:
    """An inspection recorded against a spot check is of the unit that check drew."""
    if spot_check_id is None:
        return
    drawn = conn.execute(sa.select(spot_check.c.unit_id).where(
        spot_check.c.id == spot_check_id)).scalar() \
        if isinstance(spot_check_id, int) and not isinstance(spot_check_id, bool) else None
    if drawn is None:
        raise _bad(f"没有抽查 {spot_check_id} (no spot check {spot_check_id!r})",
                   "spot_check_id")
    if drawn != where.id:
        raise _bad(f"抽查 {spot_check_id} 抽中的不是单位 {where.code} "
                   f"(spot check {spot_check_id} is not of unit {where.code})", "spot_check_id")


def _day(value: Any, today: date) -> str:
    if not value:
        return today.isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise _bad("检查日期须为 YYYY-MM-DD (the date must be YYYY-MM-DD)",
                   "inspected_on") from None


def _items(conn: Connection, checklist_code: str,
           version: int | None) -> list[dict[str, Any]]:
    """The items of the checklist's ``version`` (default: the current one), each with
    ``in_version``: that version."""
    if not isinstance(checklist_code, str) or not conn.execute(
            sa.select(checklist.c.id).where(checklist.c.code == checklist_code)).first():
        raise _bad(f"没有检查表 {checklist_code} (no checklist {checklist_code!r})",
                   "checklist_code")
    found = get_checklist(conn, checklist_code, version)
    return [{**item, "in_version": found["version"]} for item in found["items"]]


def _checked_results(items: list[dict[str, Any]],
                     results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_position = {i["position"]: i for i in items}
    out: dict[int, dict[str, Any]] = {}
    for n, given in enumerate(results):
        field = f"results[{n}]"
        if not isinstance(given, Mapping):
            raise _bad("每项结果须为对象 (each result is an object)", field)
        position = given.get("item", 0)
        item = by_position.get(position) if isinstance(position, int) else None
        if item is None:
            raise _bad(f"没有检查项 {position!r} (no item {position!r})", field)
        result = given.get("result")
        if not isinstance(result, str) or result not in RESULTS:
            raise _bad("结果须为 pass、fail 或 na (the result is pass, fail or na)", field)
        photos = given.get("photos") or []
        if not isinstance(photos, list):
            raise _bad("photos 须为证据编号列表 (photos is a list of evidence ids)", field)
        photos = [str(p) for p in photos if str(p).strip()]
        if result == "fail" and not photos:
            raise _bad(f"第{item['position']}项不合格，须附至少一张照片 "
                       f"(a failed item needs a photo)", field)
        out[item["id"]] = {"item_id": item["id"], "item": item, "result": result,
                           "note": str(given.get("note") or "")[:2000], "photos": photos,
                           "location": str(given.get("location") or "")[:255]}
    missing = [i["position"] for i in items if i["id"] not in out]
    if missing:
        raise _bad(f"以下检查项未填写结果：{missing} (items without a result)", "results")
    return list(out.values())


def _open_cases(conn: Connection, engine: Engine, actor: Actor, inspection_id: int) -> int:
    """Start a hazard case for every failed item not linked to one yet; returns how many."""
    head = conn.execute(sa.select(inspection, unit.c.code.label("unit_code"))
                        .join(unit, unit.c.id == inspection.c.unit_id)
                        .where(inspection.c.id == inspection_id)).first()
    if head is None:
        raise NotFound(f"检查 {inspection_id} 不存在 (inspection {inspection_id} does not exist)")
    todo = list(conn.execute(
        sa.select(inspection_result.c.id, inspection_result.c.item_id,
                  inspection_result.c.note, inspection_result.c.location,
                  inspection_result.c.photos, checklist_item.c.text,
                  checklist_item.c.legal_basis, checklist_item.c.category,
                  checklist_item.c.major_trigger, checklist_item.c.major_item)
        .join(checklist_item, checklist_item.c.id == inspection_result.c.item_id)
        .where(inspection_result.c.inspection_id == inspection_id,
               inspection_result.c.result == "fail",
               inspection_result.c.case_id.is_(None))
        .order_by(checklist_item.c.position)))
    opened = 0
    for row in todo:
        photos = [str(p) for p in json.loads(row.photos or "[]")]
        description = f"【{KINDS[head.kind]} {head.code}】{row.text}"
        if row.note:
            description += f"。检查发现：{row.note}"
        if row.legal_basis:
            description += f"（依据：{row.legal_basis}）"
        data: dict[str, Any] = {
            "unit_code": head.unit_code, "category": row.category,
            "location": row.location or head.location or row.text[:100],
            "level": "major" if row.major_trigger else "general",
            "description": description[:2000], "photos_before": photos,
            "source": SOURCE_OF_KIND[head.kind]}
        if row.major_item:
            data["major_item"] = row.major_item
        if head.campaign_code:
            data["campaign"] = head.campaign_code
        out = start_case(conn, engine, actor, HAZARD_PROCESS, data, with_evidence=False)
        _attach_photos(conn, photos, out["case"].case_id, actor.id)
        conn.execute(sa.update(inspection_result).where(
            inspection_result.c.id == row.id).values(
            case_id=out["case"].case_id, hazard_code=out["hazard"]["code"]))
        opened += 1
    return opened


def _attach_photos(conn: Connection, photos: Sequence[str], case_id: int,
                   username: str) -> None:
    """The item's photos go with its case; a photo already given to another item's case
    stays there (one file belongs to one case)."""
    for ref in photos:
        try:
            with conn.begin_nested():
                evidence.attach(conn, [ref], case_id, username)
        except InvalidInput:
            continue


def get_inspection(conn: Connection, actor: Actor, inspection_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(inspection, unit.c.code.label("unit_code"),
                                 unit.c.name.label("unit_name"),
                                 checklist.c.code.label("checklist_code"),
                                 checklist.c.name.label("checklist_name"))
                       .join(unit, unit.c.id == inspection.c.unit_id)
                       .join(checklist, checklist.c.id == inspection.c.checklist_id)
                       .where(inspection.c.id == inspection_id,
                              visible_inspections(actor))).first()
    if row is None:
        raise NotFound(f"检查 {inspection_id} 不存在 (inspection {inspection_id} does not exist)")
    out = dict(row._mapping)
    out["kind_name"] = KINDS[row.kind]
    out["results"] = [dict(r._mapping) for r in conn.execute(
        sa.select(inspection_result, checklist_item.c.position, checklist_item.c.text,
                  checklist_item.c.legal_basis, checklist_item.c.major_trigger,
                  checklist_item.c.major_item, checklist_item.c.category, hazard.c.level,
                  hazard.c.status)
        .join(checklist_item, checklist_item.c.id == inspection_result.c.item_id)
        .outerjoin(hazard, hazard.c.case_id == inspection_result.c.case_id)
        .where(inspection_result.c.inspection_id == inspection_id)
        .order_by(checklist_item.c.position))]
    out["failed"] = sum(1 for r in out["results"] if r["result"] == "fail")
    return out


def list_inspections(conn: Connection, actor: Actor, *, campaign_code: str | None = None,
                     unit_code: str | None = None, kind: str | None = None,
                     limit: int = 200) -> list[dict[str, Any]]:
    failed = (sa.select(sa.func.count()).where(
        inspection_result.c.inspection_id == inspection.c.id,
        inspection_result.c.result == "fail").scalar_subquery())
    query = (sa.select(inspection, unit.c.code.label("unit_code"),
                       unit.c.name.label("unit_name"), failed.label("failed"))
             .join(unit, unit.c.id == inspection.c.unit_id)
             .where(visible_inspections(actor))
             .order_by(inspection.c.inspected_on.desc(), inspection.c.id.desc()).limit(limit))
    if campaign_code:
        query = query.where(inspection.c.campaign_code == campaign_code)
    if unit_code:
        query = query.where(unit.c.code == unit_code)
    if kind:
        query = query.where(inspection.c.kind == kind)
    return [{**dict(r._mapping), "kind_name": KINDS.get(r.kind, r.kind)}
            for r in conn.execute(query)]


def publish_inspection(conn: Connection, inspection_id: int, *, actor: str,
                       now: datetime, journal_it: bool = True) -> int:
    """Make an inspection and its hazards visible to the unit (published_at = now).
    Returns how many hazards became visible."""
    head = conn.execute(sa.select(inspection.c.code, inspection.c.published_at)
                        .where(inspection.c.id == inspection_id)).first()
    if head is None:
        raise NotFound(f"检查 {inspection_id} 不存在 (inspection {inspection_id} does not exist)")
    conn.execute(sa.update(inspection).where(inspection.c.id == inspection_id).values(
        visible_to_unit=True, published_at=head.published_at or now))
    cases = sa.select(inspection_result.c.case_id).where(
        inspection_result.c.inspection_id == inspection_id,
        inspection_result.c.case_id.is_not(None))
    changed = conn.execute(sa.update(hazard).where(hazard.c.case_id.in_(cases),
                                                   hazard.c.visible_to_unit.is_(False))
                           .values(visible_to_unit=True, published_at=now,
                                   updated_at=now)).rowcount
    if journal_it:
        journal.record(conn, actor=actor, action="inspection.published",
                       subject=f"inspection:{head.code}",
                       payload={"inspection": head.code, "hazards": changed}, at=now)
    return int(changed or 0)


def case_ids_of(conn: Connection, inspection_id: int) -> list[int]:
    return [int(c) for c in conn.execute(
        sa.select(inspection_result.c.case_id)
        .join(checklist_item, checklist_item.c.id == inspection_result.c.item_id)
        .where(inspection_result.c.inspection_id == inspection_id,
               inspection_result.c.case_id.is_not(None))
        .order_by(checklist_item.c.position)).scalars()]
