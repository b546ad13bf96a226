"""The legal texts regulators' documents cite (:mod:`~hazardflow.workflows.legal_texts`):
listed, added, changed and confirmed by the city's 综合监督科 and administrators
(``legal_text.manage``); each change is journaled in its unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import Actor

from .. import legal_texts, policy
from ..legal_texts import LegalText
from ..runtime import Runtime
from ..schema import unit
from ..uow import reading, unit_of_work

PERMISSION = "legal_text.manage"
BODY_KINDS = ("city_commission", "county_commission", "dev_zone_office")


@dataclass(frozen=True)
class LegalTextsView:
    texts: list[LegalText]
    bodies: list[tuple[str, str]]  # (code, name) of the commissions that issue documents


def texts(rt: Runtime, actor: Actor) -> LegalTextsView:
    policy.require(actor, PERMISSION)
    with reading(rt) as conn:
        bodies = [(r.code, r.name) for r in conn.execute(
            sa.select(unit.c.code, unit.c.name).where(unit.c.kind.in_(BODY_KINDS))
            .order_by(unit.c.code))]
        return LegalTextsView(legal_texts.list_texts(conn), bodies)


def add(rt: Runtime, actor: Actor, unit_code: str | None, **values: Any) -> LegalText:
    """A new text (待法制科确认) for ``unit_code``'s documents, or every regulator's (None)."""
    policy.require(actor, PERMISSION)
    with unit_of_work(rt) as conn:
        return legal_texts.add_text(conn, actor.id, rt.now(), unit_code=unit_code or None,
                                    **values)


def change(rt: Runtime, actor: Actor, text_id: int, **values: Any) -> LegalText:
    """New wording or order; new wording is 待法制科确认 again."""
    policy.require(actor, PERMISSION)
    with unit_of_work(rt) as conn:
        return legal_texts.change_text(conn, actor.id, rt.now(), text_id, **values)


def confirm(rt: Runtime, actor: Actor, text_id: int) -> LegalText:
    """Record the legal office's confirmation of the text as worded now."""
    policy.require(actor, PERMISSION)
    with unit_of_work(rt) as conn:
        return legal_texts.confirm(conn, actor.id, rt.now(), text_id)
