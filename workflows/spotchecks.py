"""Spot checks (抽查) and unannounced visits (暗查暗访) by the city: a random sample of units
reproducible from its recorded seed, checks assigned to inspectors, and the published
通报 that names the units and the negative examples.

The population is the reporting units (institutions and 市直 units; a campaign's only, when
it names one), or the county-level bodies (县区卫健委, 开发区卫健办: the city checks a county's
own supervision work, with the ``county_supervision`` checklist: were its findings followed
up?), or every addressee of the notice (the bodies and the 市直 units) — :data:`POPULATIONS`.

The draw uses its own ``random.Random(seed)`` over the population sorted by code, never the
global generator, so :func:`redraw` gives the same units from the stored record. Stratified
by county: each county's units are shuffled, the counties' order too, and units are taken
from the counties in turn, so the sample spreads across counties.

A check's result follows from the inspections recorded against it (any failed item: failed).
Publishing is an audited act (the system journal) and makes every finding of the draw's
inspections visible to the units (an unannounced visit's hazards included).
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Conflict, Detail, InvalidInput, NotFound, journal
from hazardflow.engine.db import new_id

from .calendar import BusinessCalendar
from .campaigns import reporting_units
from .counters import next_value
from .inspections import publish_inspection
from .report_chain import addressees
from .schema import hazard, unit
from .schema_campaigns import (
    campaign,
    campaign_unit,
    checklist_item,
    inspection,
    inspection_result,
    spot_check,
    spot_check_draw,
)
from .units import city_unit

DRAW_KINDS = {"spot_check": "抽查", "unannounced": "暗查暗访"}
POPULATIONS = {"units": "医疗卫生机构和市直单位", "bodies": "县区卫健委和开发区卫健办",
               "addressees": "县区卫健委、开发区卫健办和市直单位"}


def sample(population: Sequence[tuple[str, str | None]], size: int, seed: str,
           stratified: bool = False) -> list[str]:
    """``size`` unit codes from (code, county) pairs, reproducible from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible draw, not a secret
    units = sorted(population)
    size = max(0, min(size, len(units)))
    if not stratified:
        return [code for code, _ in rng.sample(units, size)]
    groups: dict[str, list[str]] = {}
    for code, county in units:
        groups.setdefault(county or "", []).append(code)
    order = sorted(groups)
    rng.shuffle(order)
    for county in order:
        rng.shuffle(groups[county])
    picked: list[str] = []
    while len(picked) < size:
        for county in order:
            if groups[county] and len(picked) < size:
                picked.append(groups[county].pop(0))
    return picked


def draw(conn: Connection, *, title: str, kind: str, size: int, drawn_by: str, now: datetime,
         calendar: BusinessCalendar, seed: str | None = None, stratified: bool = False,
         campaign_code: str | None = None, population: str = "units") -> int:
    """Record a draw and its checks from a :data:`POPULATIONS` (the units: the campaign's,
    else every reporting unit). Returns the draw's id."""
    if kind not in DRAW_KINDS:
        raise _bad("抽查类型须为 spot_check 或 unannounced (the kind of draw)", "kind")
    if population not in POPULATIONS:
        raise _bad("抽查范围须为 units、bodies 或 addressees (the population drawn from)",
                   "population")
    if not 1 <= size <= 500:
        raise _bad("抽取数量须在1到500之间 (size from 1 to 500)", "size")
    if len(title) > 255:
        raise _bad("标题最长255字符 (a title of at most 255 characters)", "title")
    if seed is not None and not isinstance(seed, str):
        raise _bad("随机种子须为文本 (the seed is text)", "seed")
    seed = (seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise _bad("随机种子最长64字符 (a seed of at most 64 characters)", "seed")
    units = _population(conn, population)
    if campaign_code and population == "units":
        known = isinstance(campaign_code, str) and conn.execute(
            sa.select(campaign.c.id).where(campaign.c.code == campaign_code)).first()
        if not known:
            raise _bad(f"没有专项行动 {campaign_code} (no campaign {campaign_code!r})",
                       "campaign_code")
        taking_part = set(conn.execute(sa.select(campaign_unit.c.unit_id).join(
            campaign, campaign.c.id == campaign_unit.c.campaign_id)
            .where(campaign.c.code == campaign_code)).scalars())
        units = [u for u in units if u.id in taking_part]
    frame = [(u.code, u.county_code) for u in units]
    chosen = sample(frame, size, seed, stratified)
    year = calendar.year_of(now)
    code = f"CC-{year}-{next_value(conn, f'spotcheck:{year}'):03d}"
    draw_id = new_id(conn.execute(spot_check_draw.insert().values(
        code=code, title=title.strip() or f"{DRAW_KINDS[kind]}{code}", kind=kind, seed=seed,
        sample_size=size, stratified=stratified, campaign_code=campaign_code or None,
        population=json.dumps(frame, ensure_ascii=False), drawn_by=drawn_by,
        drawn_at=now)))
    ids = {u.code: u.id for u in units}
    if chosen:
        conn.execute(spot_check.insert(), [
            {"draw_id": draw_id, "unit_id": ids[c], "position": i + 1}
            for i, c in enumerate(chosen)])
    journal.record(conn, actor=drawn_by, action="spotcheck.drawn", subject=f"spotcheck:{code}",
                   payload={"seed": seed, "size": size, "stratified": stratified,
                            "population": population,
                            "units": chosen}, at=now)
    return draw_id


def _population(conn: Connection, population: str) -> list[Any]:
    """The active units a draw picks from, as ``unit`` rows."""
    if population == "units":
        return reporting_units(conn)
    wanted = {r.code for r in addressees(conn) if population == "addressees" or r.body}
    return list(conn.execute(sa.select(unit).where(unit.c.code.in_(sorted(wanted)))
                             .order_by(unit.c.code)))


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def redraw(conn: Connection, draw_id: int) -> list[str]:
    """The units the recorded seed and population give again."""
    row = _draw_row(conn, draw_id)
    population = [(c, k) for c, k in json.loads(row.population)]
    return sample(population, row.sample_size, row.seed, row.stratified)


def _draw_row(conn: Connection, draw_id: int) -> Any:
    row = conn.execute(sa.select(spot_check_draw).where(spot_check_draw.c.id == draw_id)).first()
    if row is None:
        raise NotFound(f"抽查 {draw_id} 不存在 (spot-check draw {draw_id} does not exist)")
    return row


def assign(conn: Connection, draw_id: int, check_id: int, inspector: str) -> None:
    """Name who carries out one check of the draw (empty: nobody yet)."""
    done = conn.execute(sa.update(spot_check).where(spot_check.c.id == check_id,
                                                    spot_check.c.draw_id == draw_id)
                        .values(inspector=inspector.strip()[:64] or None)).rowcount
    if not done:
        raise NotFound(f"抽查 {draw_id} 中没有检查 {check_id} "
                       f"(draw {draw_id} has no check {check_id})")


def checks(conn: Connection, draw_id: int) -> list[dict[str, Any]]:
    """The draw's checks in drawn order, with their inspections, findings and result."""
    rows = conn.execute(sa.select(spot_check, unit.c.code.label("unit_code"),
                                  unit.c.name.label("unit_name"), unit.c.county_code)
                        .join(unit, unit.c.id == spot_check.c.unit_id)
                        .where(spot_check.c.draw_id == draw_id).order_by(spot_check.c.position))
    out = []
    for row in rows:
        findings = [dict(f._mapping) for f in conn.execute(
            sa.select(inspection.c.code.label("inspection_code"), checklist_item.c.text,
                      checklist_item.c.major_trigger, inspection_result.c.note,
                      inspection_result.c.hazard_code, hazard.c.level)
            .join(inspection, inspection.c.id == inspection_result.c.inspection_id)
            .join(checklist_item, checklist_item.c.id == inspection_result.c.item_id)
            .outerjoin(hazard, hazard.c.case_id == inspection_result.c.case_id)
            .where(inspection.c.spot_check_id == row.id, inspection_result.c.result == "fail")
            .order_by(inspection.c.id, checklist_item.c.position))]
        inspected = conn.execute(sa.select(sa.func.count()).where(
            inspection.c.spot_check_id == row.id)).scalar_one()
        result = "failed" if findings else ("passed" if inspected else "pending")
        out.append({**dict(row._mapping), "result": result, "findings": findings,
                    "inspections": int(inspected)})
    return out


def get_draw(conn: Connection, draw_id: int) -> dict[str, Any]:
    row = _draw_row(conn, draw_id)
    out = dict(row._mapping)
    out["population"] = json.loads(row.population)
    out["kind_name"] = DRAW_KINDS[row.kind]
    out["checks"] = checks(conn, draw_id)
    out["failed"] = [c for c in out["checks"] if c["result"] == "failed"]
    return out


def list_draws(conn: Connection, published_only: bool = False) -> list[dict[str, Any]]:
    query = sa.select(spot_check_draw).order_by(spot_check_draw.c.drawn_at.desc(),
                                                spot_check_draw.c.id.desc())
    if published_only:
        query = query.where(spot_check_draw.c.published_at.is_not(None))
    return [dict(r._mapping) for r in conn.execute(query)]


def publish(conn: Connection, draw_id: int, *, actor: str, now: datetime,
            calendar: BusinessCalendar, summary: str = "") -> dict[str, Any]:
    """Publish the 通报: numbered, journaled; every finding of the draw becomes visible."""
    row = _draw_row(conn, draw_id)
    if row.published_at is not None:
        day = calendar.today(row.published_at)
        raise Conflict(f"抽查 {row.code} 已于 {day} 通报 (draw {row.code} was published on {day})")
    found = checks(conn, draw_id)
    if any(c["result"] == "pending" for c in found):
        raise Conflict("仍有未完成的检查，不能通报 (some checks have no inspection yet)")
    city = city_unit(conn)
    year = calendar.year_of(now)
    notice_no = (f"{city.short_name or city.code}通报〔{year}〕"
                 f"{next_value(conn, f'通报:{city.code}:{year}')}号")
    visible = 0
    for inspection_id in conn.execute(sa.select(inspection.c.id).join(
            spot_check, spot_check.c.id == inspection.c.spot_check_id)
            .where(spot_check.c.draw_id == draw_id)).scalars():
        visible += publish_inspection(conn, int(inspection_id), actor=actor, now=now,
                                      journal_it=False)
    conn.execute(sa.update(spot_check_draw).where(spot_check_draw.c.id == draw_id).values(
        published_at=now, published_by=actor, notice_no=notice_no, summary=summary))
    failed = [c["unit_code"] for c in found if c["result"] == "failed"]
    journal.record(conn, actor=actor, action="spotcheck.published",
                   subject=f"spotcheck:{row.code}", at=now,
                   payload={"notice_no": notice_no, "units": [c["unit_code"] for c in found],
                            "failed": failed, "hazards_made_visible": visible})
    return get_draw(conn, draw_id)
