"""What an inspection says beyond its checklist: in whose name it was made, and which of its
findings are repeats.

- **The body** (``inspection_body``): the unit itself for a self-inspection (自查); for a
  regulator's inspection the body the inspector acts for (``policy.acting_body``): its
  county-level body, or the city. A county's own supervision work is the inspections made in
  its name (:mod:`~hazardflow.workflows.supervision_work`).
- **Repeats** (``inspection_repeat``): a failed item may name a closed hazard of the same unit
  that it finds again — a 回头看 showing that a rectification did not hold (the notice's
  "扭住不放、一抓到底"). The annual assessment counts repeats against the unit.

The use-case checks the repeats (:func:`check_repeats`) before the inspection is stored and
records both (:func:`record`) in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput

from .policy import visible_hazards
from .schema import hazard, unit
from .schema_reporting import inspection_body, inspection_repeat


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def check_repeats(conn: Connection, actor: Actor, unit_code: str,
                  results: Sequence[Mapping[str, Any]]) -> dict[Any, str]:
    """Per item (its position, as the results name it), the closed hazard a failed item finds
    again: a hazard of ``unit_code`` the actor may see; InvalidInput on the result otherwise."""
    out: dict[Any, str] = {}
    for n, given in enumerate(results):
        code = given.get("repeat_of") if isinstance(given, Mapping) else None
        if code in (None, ""):
            continue
        field = f"results[{n}]"
        found = isinstance(code, str) and len(code) <= 32 and conn.execute(
            sa.select(hazard.c.id).join(unit, unit.c.id == hazard.c.unit_id).where(
                hazard.c.code == code, unit.c.code == unit_code, hazard.c.status == "closed",
                visible_hazards(actor))).first()
        if given.get("result") != "fail" or not found:
            raise _bad(f"复现的隐患须为被检查单位已销号的隐患，且该项不合格：{code} (a repeat "
                       f"names a closed hazard of the unit, on a failed item)", field)
        out[given.get("item")] = str(code)
    return out


def record(conn: Connection, found: Mapping[str, Any], body_code: str,
           repeats: Mapping[Any, str]) -> None:
    """Store the body of the recorded inspection ``found`` and its repeats (by position)."""
    conn.execute(inspection_body.insert().values(inspection_id=found["id"],
                                                 body_code=body_code))
    rows = [{"inspection_id": found["id"], "item_id": r["item_id"],
             "repeat_of": repeats[r["position"]]}
            for r in found["results"] if r["position"] in repeats]
    if rows:
        conn.execute(inspection_repeat.insert(), rows)


def body_of(conn: Connection, inspection_id: int) -> str | None:
    found = conn.execute(sa.select(inspection_body.c.body_code).where(
        inspection_body.c.inspection_id == inspection_id)).scalar()
    return str(found) if found else None


def repeats_in(conn: Connection, inspection_id: int) -> dict[int, str]:
    """Item id → the hazard code a result of the inspection found again."""
    return {int(i): str(c) for i, c in conn.execute(
        sa.select(inspection_repeat.c.item_id, inspection_repeat.c.repeat_of).where(
            inspection_repeat.c.inspection_id == inspection_id))}
