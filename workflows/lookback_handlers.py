"""Service tasks of the look-back case (``bpmn/lookback.bpmn``).

==========================  =====================================================
topic                       does
==========================  =====================================================
``lookback.held``           records 已整改到位 with the re-checker's note
``lookback.found_back``     records 隐患复现 and registers the hazard again, in the
                            re-checker's name, through the hazard registration
                            use-case (same unit, place, category and level, the
                            re-check's photos as its photos before): a new case
                            that goes through rectification again, linked to the
                            original as its repeat (``repeat_case_id``)
==========================  =====================================================

``lookback.found_back`` needs the engine (it starts the hazard case in the step's
transaction): :func:`register_lookback_handlers` binds it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hazardflow.engine import SYSTEM, Actor, Engine, InvalidInput, ServiceCall

from . import evidence
from .authority import last_performer
from .schema import hazard
from .schema_lookback import lookback_sample
from .users import actor_for

TASK = "Task_Lookback"


def _sample(call: ServiceCall) -> Any:
    row = call.conn.execute(
        sa.select(lookback_sample.c.id, lookback_sample.c.outcome, hazard.c.code,
                  hazard.c.location, hazard.c.category, hazard.c.level, hazard.c.description,
                  hazard.c.campaign, hazard.c.unit_id)
        .join(hazard, hazard.c.id == lookback_sample.c.hazard_id)
        .where(lookback_sample.c.case_id == call.case_id)).first()
    if row is None:
        raise ValueError(f"案件 {call.case_id} 不是回头看抽样 (case {call.case_id} has no sample)")
    return row


def _rechecker(call: ServiceCall) -> Actor:
    """Who completed the re-check (the handler may run in a worker, as SYSTEM)."""
    if call.actor.id != SYSTEM.id:
        return call.actor
    username = last_performer(call.conn, call.case_id, [TASK])
    if not username:
        raise ValueError(f"no one completed {TASK}")
    return actor_for(call.conn, username)


def _note(call: ServiceCall) -> str:
    value = call.data.get("recheck_note")
    return value.strip()[:2000] if isinstance(value, str) else ""


def _record(call: ServiceCall, outcome: str, **more: Any) -> None:
    call.conn.execute(sa.update(lookback_sample).where(
        lookback_sample.c.case_id == call.case_id).values(
        outcome=outcome, note=_note(call), done_by=_rechecker(call).id, done_at=call.now,
        **more))


def held(call: ServiceCall) -> None:
    """``lookback.held``: the rectification held."""
    _sample(call)
    _record(call, "held")


class LookbackHandlers:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def found_back(self, call: ServiceCall) -> dict[str, Any]:
        """``lookback.found_back``: the hazard is registered again as a repeat."""
        from .cases import start_case  # cases imports the runtime, which imports us
        from .runtime import HAZARD_PROCESS
        from .units import get_unit

        row = _sample(call)
        if row.outcome == "back":  # a retried step: the repeat exists already
            return {}
        actor = _rechecker(call)
        site = call.data.get("photos_site")
        photos = evidence.copy_as_uploads(
            call.conn, site if isinstance(site, list) else [], actor.id, call.now)
        if not photos:
            raise InvalidInput("隐患复现须上传现场照片 (a photo of the hazard found back is "
                               "needed)")
        where = get_unit(call.conn, row.unit_id)
        assert where is not None
        text = f"【回头看复现 {row.code}】{row.description}"
        if _note(call):
            text += f"。复查发现：{_note(call)}"
        data: dict[str, Any] = {
            "unit_code": where.code, "location": row.location or where.name,
            "category": row.category, "level": row.level, "description": text[:2000],
            "photos_before": photos, "source": "inspection"}
        started = start_case(call.conn, self.engine, actor, HAZARD_PROCESS, data)
        _record(call, "back", repeat_case_id=started["case"].case_id,
                repeat_hazard_code=started["hazard"]["code"])
        return {"repeat_case_id": started["case"].case_id}


def register_lookback_handlers(engine: Engine) -> None:
    """Add the look-back topics to ``engine``'s registry (found_back needs the engine)."""
    engine.handlers.register("lookback.held", held)
    engine.handlers.register("lookback.found_back", LookbackHandlers(engine).found_back,
                             ("repeat_case_id",))
