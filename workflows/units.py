"""The organisation tree: 市卫健委 → 县区卫健委 / 开发区卫健办 / 市直单位 → 医疗卫生机构
(乡镇卫生院 → 村卫生室, 社区卫生服务中心, 民营医院, 诊所, 疾控中心, 卫生监督所…).

Units are addressed by their code (``LA``, ``LA-JA``, ``LA-JA-H01``) everywhere outside the
database. Which kind may sit under which is ``roles.PARENT_KINDS`` (a 村卫生室 under its
乡镇卫生院, so the tree can be deeper than three levels). The supervising county-level body
of a unit (:func:`county_of`, stored as ``county_code``) is its nearest county commission or
development-zone office above it however deep it sits, itself included; city-direct units
(市直单位) and anything else directly under the city are supervised by the city commission
itself. A 卫生监督所 acts for the commission above it: :func:`issuing_body` is the body in
whose name its documents go out, and ``users.grants_of`` counts its inspectors' and
supervisors' roles as held at that commission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import Connection

from hazardflow.engine.memo import TransactionMemo

from .roles import COUNTY_LEVEL_KINDS, DELEGATE_KINDS, parent_problem
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


_BY_CODE = _select().where(unit.c.code == bindparam("code"))
# Units already read in the transaction (a step asks for the case's unit, its county and the
# city several times): forgotten on any write to ``unit`` and on rollback (engine.memo).
_READ = TransactionMemo("units", [unit])


def _read_unit(conn: Connection, key: Any, statement: Select[Any],
               params: dict[str, Any] | None = None) -> Unit | None:
    """The unit ``statement`` finds, read once per transaction under ``key``."""
    def load() -> Unit | None:
        row = conn.execute(statement, params or {}).first()
        return Unit.from_row(row) if row else None
    return _READ.read(conn, key, load)


def get_unit_by_code(conn: Connection, code: str) -> Unit | None:
    return _read_unit(conn, code, _BY_CODE, {"code": code})


def unit_names(conn: Connection, codes: Iterable[Any] | None = None) -> dict[str, str]:
    """Each known unit code among ``codes`` (all units when None) to the unit's name."""
    query = select(unit.c.code, unit.c.name)
    if codes is not None:
        wanted = sorted({c for c in codes if isinstance(c, str) and c})
        if not wanted:
            return {}
        query = query.where(unit.c.code.in_(wanted))
    return {str(code): str(name) for code, name in conn.execute(query)}


def get_unit(conn: Connection, unit_id: int) -> Unit | None:
    return _read_unit(conn, unit_id, _BY_ID, {"unit_id": unit_id})


_BY_ID = _select().where(unit.c.id == bindparam("unit_id"))


def require_unit(conn: Connection, code: str) -> Unit:
    """The unit with that code; ValueError naming the code when there is none."""
    found = get_unit_by_code(conn, code)
    if found is None:
        raise ValueError(f"unknown unit code {code!r}")
    return found


def create_unit(conn: Connection, code: str, name: str, kind: str,
                parent_code: str | None = None, short_name: str | None = None,
                active: bool = True) -> Unit:
    """Add a unit under ``parent_code`` and work out its supervising county code; a kind
    that may not sit under that parent (``roles.PARENT_KINDS``) is a ValueError."""
    if get_unit_by_code(conn, code) is not None:
        raise ValueError(f"unit code {code!r} is already in use")
    parent = require_unit(conn, parent_code) if parent_code is not None else None
    problem = parent_problem(kind, parent.kind if parent else None)
    if problem is not None:
        raise ValueError(problem)
    county_code = county_code_under(parent, kind, code)
    result = conn.execute(unit.insert().values(
        code=code, name=name, kind=kind, short_name=short_name, active=active,
        parent_id=parent.id if parent else None, county_code=county_code))
    new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert new_id is not None
    return Unit(id=int(new_id), code=code, name=name, kind=kind,
                parent_id=parent.id if parent else None, county_code=county_code,
                active=active, short_name=short_name)


def county_code_under(parent: Unit | None, kind: str, code: str) -> str | None:
    """The supervising county code of a unit of ``kind`` and ``code`` under ``parent``: its
    own code for a county-level body, the city's for a unit directly under the city, else
    the parent's (however deep the parent sits); None for the root."""
    if parent is None:
        return None
    if kind in COUNTY_LEVEL_KINDS:
        return code
    if parent.county_code is None:  # directly under the city
        return parent.code
    return parent.county_code


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
    one statement when several subtrees are combined. Built once per codes and name (the
    visibility rule asks for one in nearly every read; a statement is never changed once
    built, so one can be shared).
    """
    return _subtree_ids(tuple(sorted(codes)), name)


@lru_cache(maxsize=1024)
def _subtree_ids(codes: tuple[str, ...], name: str) -> Select[Any]:
    base = select(unit.c.id).where(unit.c.code.in_(codes)).cte(name, recursive=True)
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


def issuing_body(conn: Connection, unit_code: str) -> Unit:
    """The body in whose name a document made at ``unit_code`` goes out: for a 卫生监督所
    (which acts for its commission) the commission above it, else the unit itself."""
    found = require_unit(conn, unit_code)
    if found.kind not in DELEGATE_KINDS or found.parent_id is None:
        return found
    parent = get_unit(conn, found.parent_id)
    return parent if parent is not None else found


def delegating_bodies(conn: Connection, codes: set[str]) -> dict[str, str]:
    """For each of ``codes`` that is a 卫生监督所, the code of the commission it acts for."""
    if not codes:
        return {}
    parent = unit.alias("delegating_parent")
    rows = conn.execute(select(unit.c.code, parent.c.code).join(
        parent, parent.c.id == unit.c.parent_id).where(
        unit.c.code.in_(sorted(codes)), unit.c.kind.in_(sorted(DELEGATE_KINDS))))
    return {code: by for code, by in rows}


def city_unit(conn: Connection) -> Unit:
    """The root city commission (市卫健委)."""
    found = _read_unit(conn, _CITY, _CITY_SELECT)
    if found is None:
        raise LookupError("no city commission unit exists; run the demo seed or create one")
    return found


_CITY = ("city",)  # the memo's key for the root (codes are strings)
_CITY_SELECT = _select().where(unit.c.kind == "city_commission",
                               unit.c.parent_id.is_(None)).order_by(unit.c.id)


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
