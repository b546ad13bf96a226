"""The organisation tree: 市卫健委 → 县区卫健委 / 开发区卫健办 / 市直单位 → 医疗卫生机构.

Units are addressed by their code (``LA``, ``LA-JA``, ``LA-JA-H01``) everywhere outside the
database. The supervising county-level body of a unit (:func:`county_of`) is its nearest
county commission or development-zone office, itself included; city-direct units (市直单位)
and anything directly under the city are supervised by the city commission itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from .roles import COUNTY_LEVEL_KINDS, UNIT_KINDS
from .schema import unit


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    county_code: str | None
    active: bool
    short_name: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Unit:
        m = row._mapping
        return cls(id=m["id"], code=m["code"], name=m["name"], kind=m["kind"],
                   parent_id=m["parent_id"], county_code=m["county_code"],
                   active=bool(m["active"]), short_name=m["short_name"])

    @property
    def issuer_name(self) -> str:
        """The short name on numbered documents (金安卫健), else the code."""
        return self.short_name or self.code


def _select() -> Select[Any]:
    return select(unit.c.id, unit.c.code, unit.c.name, unit.c.kind, unit.c.parent_id,
                  unit.c.county_code, unit.c.active, unit.c.short_name)


def get_unit_by_code(conn: Connection, code: str) -> Unit | None:
    row = conn.execute(_select().where(unit.c.code == code)).first()
    return Unit.from_row(row) if row else None


def get_unit(conn: Connection, unit_id: int) -> Unit | None:
    row = conn.execute(_select().where(unit.c.id == unit_id)).first()
    return Unit.from_row(row) if row else None


def require_unit(conn: Connection, code: str) -> Unit:
    """The unit with that code; ValueError naming the code when there is none."""
    found = get_unit_by_code(conn, code)
    if found is None:
        raise ValueError(f"unknown unit code {code!r}")
    return found


def create_unit(conn: Connection, code: str, name: str, kind: str,
                parent_code: str | None = None, short_name: str | None = None,
                active: bool = True) -> Unit:
    """Add a unit under ``parent_code`` and work out its supervising county code."""
    if kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit kind {kind!r}; known kinds: {', '.join(UNIT_KINDS)}")
    if get_unit_by_code(conn, code) is not None:
        raise ValueError(f"unit code {code!r} is already in use")
    parent = require_unit(conn, parent_code) if parent_code is not None else None
    if kind == "city_commission":
        if parent is not None:
            raise ValueError("a city commission is the root of the tree: it has no parent")
        county_code = None
    else:
        if parent is None:
            raise ValueError(f"a unit of kind {kind} needs a parent unit")
        if kind in COUNTY_LEVEL_KINDS | {"city_direct"} and parent.kind != "city_commission":
            raise ValueError(f"a unit of kind {kind} must sit directly under the city "
                             f"commission, not under {parent.code}")
        if kind in COUNTY_LEVEL_KINDS:
            county_code = code
        elif parent.kind == "city_commission":
            county_code = parent.code
        else:
            county_code = parent.county_code
    result = conn.execute(unit.insert().values(
        code=code, name=name, kind=kind, short_name=short_name, active=active,
        parent_id=parent.id if parent else None, county_code=county_code))
    new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert new_id is not None
    return Unit(id=int(new_id), code=code, name=name, kind=kind,
                parent_id=parent.id if parent else None, county_code=county_code,
                active=active, short_name=short_name)


def ancestors(conn: Connection, code: str) -> list[Unit]:
    """The units above ``code``, nearest first (parent, grandparent, ..., the city)."""
    current = require_unit(conn, code)
    found: list[Unit] = []
    seen = {current.id}
    while current.parent_id is not None:
        parent = get_unit(conn, current.parent_id)
        if parent is None or parent.id in seen:
            break
        found.append(parent)
        seen.add(parent.id)
        current = parent
    return found


def subtree_ids(codes: set[str] | frozenset[str], name: str = "subtree") -> Select[Any]:
    """A SELECT of the ids of the units with these codes and every unit below them.

    A recursive CTE (SQLite and PostgreSQL both support it); ``name`` must be unique within
    one statement when several subtrees are combined.
    """
    base = select(unit.c.id).where(unit.c.code.in_(sorted(codes))).cte(name, recursive=True)
    child = unit.alias(f"{name}_child")
    tree = base.union_all(select(child.c.id).where(child.c.parent_id == base.c.id))
    return select(tree.c.id)


def descendant_ids(conn: Connection, code: str) -> set[int]:
    """The ids of ``code`` and every unit below it."""
    require_unit(conn, code)
    return {int(i) for i in conn.execute(subtree_ids({code})).scalars()}


def county_of(conn: Connection, code: str) -> Unit:
    """The county-level body that supervises ``code``: its 县区卫健委 or 开发区卫健办 (itself
    when it is one); the city commission for city-direct units and for the city itself."""
    found = require_unit(conn, code)
    if found.kind in COUNTY_LEVEL_KINDS:
        return found
    if found.county_code is None:  # the city itself
        return found
    return require_unit(conn, found.county_code)


def city_unit(conn: Connection) -> Unit:
    """The root city commission (市卫健委)."""
    row = conn.execute(_select().where(unit.c.kind == "city_commission",
                                       unit.c.parent_id.is_(None))
                       .order_by(unit.c.id)).first()
    if row is None:
        raise LookupError("no city commission unit exists; run the demo seed or create one")
    return Unit.from_row(row)


def list_units(conn: Connection, active_only: bool = False) -> list[tuple[int, Unit]]:
    """Every unit as (depth, unit) in tree order: parents before children, siblings by code."""
    query = _select()
    if active_only:
        query = query.where(unit.c.active.is_(True))
    rows = [Unit.from_row(r) for r in conn.execute(query.order_by(unit.c.code))]
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in rows}
    for u in rows:
        parent = u.parent_id if u.parent_id in ids else None
        children.setdefault(parent, []).append(u)
    ordered: list[tuple[int, Unit]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            ordered.append((depth, u))
            walk(u.id, depth + 1)

    walk(None, 0)
    return ordered
