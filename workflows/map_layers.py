"""The layers of the one map (应急一张图), as GeoJSON feature collections (WGS-84).

- ``teams``, ``depots``, ``sources``: every unit's emergency teams, supply depots (their
  items with the expiry state of each, the depot's status the worst of them) and major
  hazard sources;
- ``medical``: the medical institutions (units other than commissions) with a place, their
  type and grade;
- ``majors``: the open major hazards, with their step and whether they are overdue;
- ``supervised``: the hazards under 挂牌督办 (listed, not yet delisted).

The readiness records are everyone's to read (``policy.may_keep_emergency`` says why); the
two hazard layers pass ``policy.visible_hazards``, so an unannounced-visit finding hidden
from a unit's staff is not on their map. A hazard sits at its unit's place (hazards carry a
free-text location, not coordinates); a hazard whose unit has no place is counted in
``unplaced``. Each feature names its unit and county (for the filters) and today's duty
officers of its unit when the reader may see that unit's roster (``unit_scope_clause``, as
on the duty pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor

from .duty import duty_today
from .emergency_supplies import item_state
from .policy import unit_scope_clause, visible_hazards
from .roles import COMMISSION_KINDS, kind_name
from .schema import app_user, hazard, unit
from .schema_emergency import (
    emergency_team,
    emergency_team_member,
    major_hazard_source,
    supply_depot,
    supply_item,
    unit_location,
)
from .schema_supervision import supervision_listing

LAYERS: dict[str, str] = {"teams": "应急队伍", "depots": "物资储备点", "sources": "重大危险源",
                          "medical": "医疗机构", "majors": "重大隐患", "supervised": "挂牌督办"}
STATUS_NAMES = {"ok": "正常", "expiring": "临期", "expired": "已过期", "open": "整改中",
                "overdue": "已超期"}


def _feature(lat: float, lng: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": props}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


class _Units:
    """Unit names, counties and county names, loaded once."""

    def __init__(self, conn: Connection) -> None:
        rows = list(conn.execute(sa.select(unit.c.id, unit.c.code, unit.c.name,
                                           unit.c.county_code, unit.c.kind)))
        self.by_id = {int(r.id): r for r in rows}
        self.names = {str(r.code): str(r.name) for r in rows}

    def props(self, unit_id: int) -> dict[str, Any]:
        row = self.by_id[unit_id]
        county = str(row.county_code or row.code)
        return {"unit_id": unit_id, "unit_code": row.code, "unit": row.name,
                "county": county, "county_name": self.names.get(county, county)}


def _teams(conn: Connection, units: _Units) -> list[dict[str, Any]]:
    members: dict[int, list[dict[str, str]]] = {}
    for m in conn.execute(sa.select(emergency_team_member).order_by(emergency_team_member.c.id)):
        members.setdefault(int(m.team_id), []).append(
            {"name": m.name, "role": m.role, "phone": m.phone})
    return [_feature(r.lat, r.lng, {
        **units.props(int(r.unit_id)), "layer": "teams", "record": "team", "id": r.id,
        "name": r.name, "type": r.speciality, "status": "ok", "address": r.address,
        "notes": r.notes, "members": members.get(int(r.id), [])})
        for r in conn.execute(sa.select(emergency_team).order_by(emergency_team.c.id))]


def _depots(conn: Connection, units: _Units, today: date, window: int) -> list[dict[str, Any]]:
    items: dict[int, list[dict[str, Any]]] = {}
    for i in conn.execute(sa.select(supply_item).order_by(supply_item.c.id)):
        state = item_state(i.expires_on, today, window) or "ok"
        items.setdefault(int(i.depot_id), []).append(
            {"name": i.name, "quantity": i.quantity, "unit_label": i.unit_label,
             "expires_on": i.expires_on, "state": state, "state_name": STATUS_NAMES[state]})
    features = []
    for r in conn.execute(sa.select(supply_depot, app_user.c.display_name.label("keeper"))
                          .select_from(supply_depot.outerjoin(
                              app_user, app_user.c.id == supply_depot.c.keeper_id))
                          .order_by(supply_depot.c.id)):
        own = items.get(int(r.id), [])
        states = {i["state"] for i in own}
        status = next((s for s in ("expired", "expiring") if s in states), "ok")
        features.append(_feature(r.lat, r.lng, {
            **units.props(int(r.unit_id)), "layer": "depots", "record": "depot", "id": r.id,
            "name": r.name, "type": "物资储备点", "status": status, "address": r.address,
            "keeper": r.keeper or "", "phone": r.phone, "items": own,
            "flagged": sum(1 for i in own if i["state"] != "ok")}))
    return features


def _sources(conn: Connection, units: _Units) -> list[dict[str, Any]]:
    return [_feature(r.lat, r.lng, {
        **units.props(int(r.unit_id)), "layer": "sources", "record": "source", "id": r.id,
        "name": r.name, "type": r.kind, "level": r.level, "status": "ok",
        "address": r.address, "notes": r.notes})
        for r in conn.execute(sa.select(major_hazard_source)
                              .order_by(major_hazard_source.c.id))]


def places(conn: Connection) -> dict[int, Any]:
    """Each placed unit's row of ``unit_location``."""
    return {int(r.unit_id): r for r in conn.execute(sa.select(unit_location))}


def _medical(units: _Units, placed: dict[int, Any]) -> list[dict[str, Any]]:
    features = []
    for unit_id, p in sorted(placed.items()):
        kind = str(units.by_id[unit_id].kind)
        if kind in COMMISSION_KINDS:
            continue
        features.append(_feature(p.lat, p.lng, {
            **units.props(unit_id), "layer": "medical", "record": "unit",
            "id": units.by_id[unit_id].code, "name": units.by_id[unit_id].name,
            "type": p.facility_type or kind_name(kind), "grade": p.grade or "",
            "status": "ok", "address": p.address}))
    return features


def _hazards(conn: Connection, actor: Actor, units: _Units, placed: dict[int, Any],
             today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    listed = {int(r.hazard_id): r for r in conn.execute(
        sa.select(supervision_listing).where(supervision_listing.c.delisted_at.is_(None)))}
    rows = conn.execute(sa.select(hazard).where(
        visible_hazards(actor), hazard.c.status == "open",
        sa.or_(hazard.c.level == "major", hazard.c.id.in_(sorted(listed) or [-1])))
        .order_by(hazard.c.id))
    majors, supervised, unplaced = [], [], 0
    for h in rows:
        place = placed.get(int(h.unit_id))
        if place is None:
            unplaced += 1
            continue
        overdue = bool(h.deadline) and str(h.deadline) < today.isoformat()
        status = "overdue" if overdue else "open"
        props = {**units.props(int(h.unit_id)), "record": "case", "id": h.case_id,
                 "name": f"{h.code} {h.location}".strip(), "type": h.category or "重大隐患",
                 "status": status, "stage": h.stage or "", "deadline": h.deadline or "",
                 "description": h.description[:200], "address": place.address}
        if h.level == "major":
            majors.append(_feature(place.lat, place.lng, {**props, "layer": "majors"}))
        listing = listed.get(int(h.id))
        if listing is not None:
            supervised.append(_feature(place.lat, place.lng, {
                **props, "layer": "supervised",
                "listed_by": units.names.get(listing.listed_by_body, listing.listed_by_body),
                "listed_on": listing.listed_at.date().isoformat(),
                "reason": listing.listing_reason}))
    return majors, supervised, unplaced


def _duty(conn: Connection, actor: Actor, unit_ids: Iterable[int],
          today: date) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    seen = conn.execute(sa.select(unit.c.id).where(
        unit.c.id.in_(wanted), unit_scope_clause(unit.c.id, actor, name="map_duty"))).scalars()
    return {d.unit_id: {"leaders": [{"name": p.name, "phone": p.phone or ""} for p in d.leaders],
                        "staff": [{"name": p.name, "phone": p.phone or ""} for p in d.staff],
                        "phone": d.duty_phone or "", "rostered": d.rostered}
            for d in duty_today(conn, seen, today)}


def layers(conn: Connection, actor: Actor, today: date, window: int) -> dict[str, Any]:
    """Every layer ``actor`` may see, with ``unplaced`` (hazards whose unit has no place)."""
    units = _Units(conn)
    placed = places(conn)
    majors, supervised, unplaced = _hazards(conn, actor, units, placed, today)
    found = {"teams": _teams(conn, units), "depots": _depots(conn, units, today, window),
             "sources": _sources(conn, units), "medical": _medical(units, placed),
             "majors": majors, "supervised": supervised}
    duty = _duty(conn, actor, (f["properties"]["unit_id"] for fs in found.values()
                               for f in fs), today)
    for features in found.values():
        for f in features:
            f["properties"]["duty"] = duty.get(f["properties"]["unit_id"])
            f["properties"]["status_name"] = STATUS_NAMES.get(f["properties"]["status"], "")
    return {"layers": {name: _collection(fs) for name, fs in found.items()},
            "names": LAYERS, "unplaced": unplaced, "today": today.isoformat(),
            "window": window}
