"""The one map of readiness (应急一张图): its layers, the records behind them (emergency teams,
supply depots, major hazard sources, units' places), and their import and export.

Who reads: every signed-in user reads the records; the hazard layers follow
``policy.visible_hazards`` (``workflows/map_layers.py``). Who keeps a unit's records:
``policy.require_may_keep_emergency``. Each change is journaled (``emergency.*``) in its unit
of work, so a refused request changes nothing. An import checks every row first (its
problems by row number); a dry run stops there, a real one writes the rows without problems.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, NotFound, journal

from .. import duty, emergency, emergency_io, map_layers, policy
from ..runtime import Runtime
from ..schema import unit
from ..units import Unit, get_unit_by_code
from ..uow import reading, unit_of_work


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based: the sheet's row (header is row 1) or the feature's number
    field: str | None
    message: str


@dataclass
class ImportReport:
    kind: str
    rows: int
    dry_run: bool
    problems: list[RowProblem] = field(default_factory=list)
    imported: list[int] = field(default_factory=list)  # new record ids

    @property
    def good_rows(self) -> int:
        return self.rows - len({p.row for p in self.problems})


def _window(rt: Runtime) -> int:
    return int(getattr(rt.settings, "map_expiry_days", 30))


def layers(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """Every layer of the map ``actor`` may see (today in business time)."""
    with reading(rt) as conn:
        return map_layers.layers(conn, actor, rt.calendar.today(rt.now()), _window(rt))


def _unit(conn: Connection, code: str) -> Unit:
    found = get_unit_by_code(conn, code)
    if found is None:
        raise NotFound(f"单位 {code} 不存在 (unit {code} does not exist)")
    return found


def record(rt: Runtime, actor: Actor, kind: str, record_id: int) -> dict[str, Any]:
    """One record as its flat fields (members and items as text), with ``may_keep``."""
    emergency.kind_name(kind)
    with reading(rt) as conn:
        code = emergency.unit_code_of(conn, kind, record_id)
        target = _unit(conn, code)
        return {**emergency_io.records(conn, kind, record_id)[0], "kind": kind,
                "unit_name": target.name,
                "may_keep": policy.may_keep_emergency(conn, actor, code, target.kind)}


def records(rt: Runtime, kind: str) -> list[dict[str, Any]]:
    emergency.kind_name(kind)
    with reading(rt) as conn:
        return emergency_io.records(conn, kind)


def save_record(rt: Runtime, actor: Actor, kind: str, data: Mapping[str, Any],
                record_id: int | None = None) -> int:
    """Create (or, with ``record_id``, replace) a record of ``kind``; a 422 lists every
    problem; the unit (old and new) must be one ``actor`` keeps."""
    with unit_of_work(rt) as conn:
        checked = emergency.check(conn, kind, data)
        if record_id is not None:
            old = emergency.unit_code_of(conn, kind, record_id)
            policy.require_may_keep_emergency(conn, actor, old, _unit(conn, old).kind)
        checked.raise_if_any()
        code = str(data.get("unit_code")).strip()
        policy.require_may_keep_emergency(conn, actor, code, _unit(conn, code).kind)
        saved = emergency.save(conn, kind, checked, actor.id, rt.now(), record_id)
        journal.record(conn, actor=actor.id, action=f"emergency.{kind}.save",
                       payload={"id": saved, "name": checked.values["name"]},
                       at=rt.now(), subject=f"unit:{code}")
        return saved


def delete_record(rt: Runtime, actor: Actor, kind: str, record_id: int) -> None:
    emergency.kind_name(kind)
    with unit_of_work(rt) as conn:
        code = emergency.unit_code_of(conn, kind, record_id)
        policy.require_may_keep_emergency(conn, actor, code, _unit(conn, code).kind)
        emergency.delete(conn, kind, record_id)
        journal.record(conn, actor=actor.id, action=f"emergency.{kind}.delete",
                       payload={"id": record_id}, at=rt.now(), subject=f"unit:{code}")


def set_unit_location(rt: Runtime, actor: Actor, unit_code: str,
                      data: Mapping[str, Any]) -> None:
    """Record a unit's place (WGS-84) and, for a medical institution, its type and grade."""
    with unit_of_work(rt) as conn:
        target = _unit(conn, unit_code)
        policy.require_may_keep_emergency(conn, actor, target.code, target.kind)
        checked = emergency.check_location(data)
        checked.raise_if_any()
        emergency.set_location(conn, target.id, checked, actor.id, rt.now())
        journal.record(conn, actor=actor.id, action="emergency.unit.place",
                       payload=checked.values, at=rt.now(), subject=f"unit:{target.code}")


def unit_location(rt: Runtime, actor: Actor, unit_code: str) -> dict[str, Any]:
    with reading(rt) as conn:
        target = _unit(conn, unit_code)
        row = map_layers.places(conn).get(target.id)
        return {"unit_code": target.code, "unit_name": target.name,
                "place": dict(row._mapping) if row is not None else None,
                "may_keep": policy.may_keep_emergency(conn, actor, target.code, target.kind)}


def keepable_units(rt: Runtime, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the active units whose records ``actor`` keeps, for the forms."""
    with reading(rt) as conn:
        rows = conn.execute(sa.select(unit.c.code, unit.c.name, unit.c.kind).where(
            unit.c.active.is_(True)).order_by(unit.c.code))
        return [(r.code, r.name) for r in rows
                if policy.may_keep_emergency(conn, actor, r.code, r.kind)]


def keeper_choices(rt: Runtime, actor: Actor) -> list[tuple[str, str]]:
    """(username, name（unit）) of the people at the units whose records ``actor`` keeps:
    who may keep a depot."""
    with reading(rt) as conn:
        rows = conn.execute(sa.select(unit.c.id, unit.c.code, unit.c.name, unit.c.kind).where(
            unit.c.active.is_(True)).order_by(unit.c.code))
        return [(p.username, f"{p.name}（{r.name}）") for r in rows
                if policy.may_keep_emergency(conn, actor, r.code, r.kind)
                for p in duty.unit_people(conn, int(r.id))]


def export(rt: Runtime, kind: str, fmt: str) -> tuple[bytes, str]:
    """Every record of ``kind`` as ``xlsx`` or ``geojson``: (body, file name)."""
    title = emergency.kind_name(kind)
    rows = records(rt, kind)
    if fmt == "xlsx":
        return emergency_io.to_xlsx(kind, rows, title), f"{title}.xlsx"
    body = emergency_io.to_geojson(kind, rows)
    return json.dumps(body, ensure_ascii=False, indent=1).encode(), f"{title}.geojson"


def import_records(rt: Runtime, actor: Actor, kind: str, filename: str, content: bytes,
                   dry_run: bool = True) -> ImportReport:
    """Check every row of the file; unless ``dry_run``, add the rows without problems."""
    emergency.kind_name(kind)
    rows = emergency_io.read_rows(kind, filename, content)
    offset = 2 if filename.lower().endswith(".xlsx") else 1
    report = ImportReport(kind, len(rows), dry_run)
    with unit_of_work(rt) as conn:
        good = []
        for n, row in enumerate(rows, start=offset):
            checked = emergency.check(conn, kind, row)
            code = str(row.get("unit_code") or "").strip()
            target = get_unit_by_code(conn, code) if code else None
            if target is not None and not policy.may_keep_emergency(
                    conn, actor, target.code, target.kind):
                checked.problem("unit_code", f"您不能维护单位 {code} 的应急资源 "
                                             f"(you do not keep unit {code}'s records)")
            report.problems += [RowProblem(n, d.field, d.message) for d in checked.problems]
            if not checked.problems:
                good.append(checked)
        if not dry_run:
            report.imported = [emergency.save(conn, kind, c, actor.id, rt.now())
                               for c in good]
            journal.record(conn, actor=actor.id, action=f"emergency.{kind}.import",
                           payload={"file": filename, "rows": len(rows),
                                    "imported": len(report.imported)}, at=rt.now())
    return report
