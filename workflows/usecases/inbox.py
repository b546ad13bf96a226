"""The inbox as a user reads it: tabs and counts, saved filters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hazardflow.engine import Actor

from .. import campaigns, inbox
from ..notifications import unread_count
from ..policy import units_in_scope
from ..runtime import Runtime
from ..units import unit_names
from ..uow import reading, unit_of_work


def inbox_page(rt: Runtime, actor: Actor, user_id: int, query: inbox.TaskQuery, *,
               tab_chosen: bool = True) -> dict[str, Any]:
    """One tab of tasks with every tab's count, the user's saved filters, and the units and
    campaigns the filters offer. Without a ``tab_chosen``, the tab with work
    (``inbox.opening_tab``); ``query`` is the query shown. No tab lists a task the actor
    may not do because they did a step it excludes (the engine's ``exclusions``). The units
    are codes, ``unit_names`` their names to show."""
    with reading(rt) as conn:
        excluded = rt.engine.exclusions(conn)
        if not tab_chosen:
            tab = inbox.opening_tab(inbox.tab_counts(conn, actor, rt.now(), query, excluded))
            query = replace(query, view=tab)
        units = sorted(units_in_scope(conn, actor))
        return {"query": query,
                "result": inbox.list_tasks(conn, actor, query, rt.now(), excluded),
                "saved": inbox.filters_for(conn, user_id, actor),
                "units": units, "unit_names": unit_names(conn, units),
                "campaigns": campaigns.list_campaigns(conn)}


def counts(rt: Runtime, actor: Actor, user_id: int) -> dict[str, Any]:
    """The header badge (unread notifications) and the tab counts."""
    with reading(rt) as conn:
        excluded = rt.engine.exclusions(conn)
        return {"unread": unread_count(conn, user_id, actor, excluded),
                "tabs": inbox.tab_counts(conn, actor, rt.now(), exclusions=excluded)}


def save_filter(rt: Runtime, actor: Actor, user_id: int, args: dict[str, str]) -> None:
    query = inbox.query_from_args(args)
    with unit_of_work(rt) as conn:
        inbox.save_filter(conn, user_id, args.get("name", ""), query,
                          args.get("shared_role") or None, rt.now(), actor)


def delete_filter(rt: Runtime, user_id: int, filter_id: int) -> None:
    with unit_of_work(rt) as conn:
        inbox.delete_filter(conn, filter_id, user_id)
