"""Stuck cases and where work piles up, as a supervisor may see them.

Five kinds of stuck: ``overdue`` (an open task past its due time), ``unclaimed`` (an open
task nobody took for more than N days), ``idle`` (a case waiting at one task for more than
N days), ``incident`` (an automatic step failed) and ``suspended``. N comes from
``monitor_threshold`` per process and element (element "" = the process's default, process
"*" = every process), else :data:`DEFAULT_DAYS`.

Each kind is an ordered scan of a partial index, oldest first, a page at a time; counts stop
at ``cap`` (a page says "1000+"), so the cost of the list does not grow with the ledger.
Scope (``policy.visible_hazard_rows``): city roles and admins see everything; everyone else
sees the hazards of their units (``policy.visible_hazards``), and no case without a hazard.
Who may look at the monitor at all, and set its thresholds, is the policy's
(``monitor`` and ``monitor.thresholds`` in :mod:`hazardflow.workflows.policy`), checked by
the use-cases (:mod:`hazardflow.workflows.usecases.monitor`). An incident's reason is a
Chinese sentence and its step the diagram's name (:mod:`~hazardflow.workflows.incident_text`);
its stored text and element id are only in the reason's ``technical``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, journal
from hazardflow.engine.schema import (
    UtcDateTime,
    human_task,
    incident,
    process_case,
    process_definition,
)

from .incident_text import AUTOMATIC, ElementNames, parts
from .inputs import whole_number
from .policy import visible_hazard_rows
from .schema import hazard, unit
from .schema_monitor import monitor_threshold
from .units import subtree_ids

KINDS: dict[str, str] = {"overdue": "任务超期", "unclaimed": "长期无人认领",
                         "idle": "长期停留", "incident": "流程故障", "suspended": "已挂起"}
DEFAULT_DAYS: dict[str, int] = {"unclaimed": 3, "idle": 14}
CAP = 1000
MAX_PAGE = 100_000  # pages beyond this overflow the LIMIT of some databases
# Literal, not bound: SQLite uses a partial index (WHERE state = 'open') only when the query
# names the same constant.
OPEN_TASK = human_task.c.state == sa.literal_column("'open'")


@dataclass(frozen=True)
class StuckFilter:
    kind: str | None = None
    county_code: str | None = None
    unit_code: str | None = None  # that unit and everything below it
    category: str | None = None
    level: str | None = None
    campaign: str | None = None
    process_key: str | None = None
    version: int | None = None
    element_id: str | None = None


def stuck_filter(args: Mapping[str, Any]) -> StuckFilter:
    """The filters of the stuck list from query (or form) arguments."""
    version = args.get("version") or None
    if version is not None:
        version = whole_number(version, "version")
    return StuckFilter(
        kind=args.get("kind") or None, county_code=args.get("county") or None,
        unit_code=args.get("unit") or None, category=args.get("category") or None,
        level=args.get("level") or None, campaign=args.get("campaign") or None,
        process_key=args.get("process") or None, version=version,
        element_id=args.get("element") or None)


def _filters(f: StuckFilter) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    for column, value in ((hazard.c.county_code, f.county_code), (hazard.c.category, f.category),
                          (hazard.c.level, f.level), (hazard.c.campaign, f.campaign),
                          (process_definition.c.key, f.process_key),
                          (process_definition.c.version, f.version)):
        if value not in (None, ""):
            conds.append(column == value)
    if f.unit_code:
        conds.append(hazard.c.unit_id.in_(subtree_ids({f.unit_code}, "monitor_units")))
    return conds


def _columns() -> list[Any]:
    return [process_case.c.id.label("case_id"), process_definition.c.key.label("process_key"),
            process_definition.c.version, hazard.c.code.label("hazard_code"),
            hazard.c.level, hazard.c.category, hazard.c.county_code, hazard.c.deadline,
            unit.c.code.label("unit_code"), unit.c.name.label("unit_name")]


def case_joins(base: Any) -> Any:
    return (base.join(process_definition,
                      process_definition.c.id == process_case.c.definition_id)
            .outerjoin(hazard, hazard.c.case_id == process_case.c.id)
            .outerjoin(unit, unit.c.id == hazard.c.unit_id))


def _task_select() -> sa.Select[Any]:
    joined = case_joins(human_task.join(process_case,
                                         process_case.c.id == human_task.c.case_id))
    return sa.select(*_columns(), human_task.c.id.label("task_id"), human_task.c.element_id,
                     human_task.c.name.label("task_name"), human_task.c.assignee,
                     human_task.c.due_at, human_task.c.created_at).select_from(joined)


def thresholds(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        sa.select(monitor_threshold).order_by(monitor_threshold.c.process_key,
                                              monitor_threshold.c.element_id,
                                              monitor_threshold.c.kind))]


def _cutoff(kind: str, rows: list[dict[str, Any]], now: datetime) -> tuple[Any, datetime]:
    """A per-row cutoff (CASE over process and element) and the earliest of them."""
    mine = [r for r in rows if r["kind"] == kind]
    default = next((r["days"] for r in mine if r["process_key"] == "*"
                    and not r["element_id"]), DEFAULT_DAYS[kind])
    rank = {True: 0, False: 1}
    ordered = sorted((r for r in mine if r["process_key"] != "*" or r["element_id"]),
                     key=lambda r: (not r["element_id"], rank[r["process_key"] != "*"]))
    whens = []
    for r in ordered:
        cond = []
        if r["process_key"] != "*":
            cond.append(process_definition.c.key == r["process_key"])
        if r["element_id"]:
            cond.append(human_task.c.element_id == r["element_id"])
        whens.append((sa.and_(*cond), sa.literal(now - timedelta(days=r["days"]), UtcDateTime())))
    days = [default, *(r["days"] for r in ordered)]
    earliest = now - timedelta(days=min(days))
    fallback = sa.literal(now - timedelta(days=default), UtcDateTime())
    return (sa.case(*whens, else_=fallback) if whens else fallback), earliest


def _unknown_kind() -> InvalidInput:
    return InvalidInput("未知的滞留类型 (unknown kind)", [Detail(
        f"类型须为 {'、'.join(KINDS)} 之一 (kind must be one of {', '.join(KINDS)})",
        field="kind")])


def _kind_query(kind: str, conn: Connection, now: datetime) -> tuple[sa.Select[Any], Any]:
    """The select of one kind and the column it is ordered by (its 'since')."""
    open_ = OPEN_TASK
    if kind == "overdue":
        return (_task_select().where(open_, human_task.c.due_at.is_not(None),
                                     human_task.c.due_at < now), human_task.c.due_at)
    if kind in DEFAULT_DAYS:
        cutoff, earliest = _cutoff(kind, thresholds(conn), now)
        conds = [open_, human_task.c.created_at < earliest, human_task.c.created_at < cutoff]
        if kind == "unclaimed":
            conds.append(human_task.c.assignee.is_(None))
        return _task_select().where(*conds), human_task.c.created_at
    if kind == "incident":
        joined = case_joins(incident.join(process_case,
                                           process_case.c.id == incident.c.case_id))
        query = sa.select(*_columns(), process_case.c.definition_id,
                          incident.c.id.label("incident_id"), incident.c.element_id,
                          incident.c.message, incident.c.attempts, incident.c.created_at
                          ).select_from(joined).where(incident.c.resolved_at.is_(None))
        return query, incident.c.created_at
    if kind == "suspended":
        query = sa.select(*_columns(), process_case.c.updated_at).select_from(
            case_joins(process_case)).where(process_case.c.status == "suspended")
        return query, process_case.c.updated_at
    raise _unknown_kind()


def why_args(kind: str, row: dict[str, Any], days: float) -> dict[str, Any]:
    """What the sentence saying why a case is stuck is made of (the step, the days, an
    incident's attempts and :func:`~hazardflow.workflows.incident_text.parts`): pages in
    another language compose their own sentence from it."""
    args: dict[str, Any] = {"task": row.get("task_name") or "", "days": f"{days:.1f}"}
    if kind == "incident":  # the stored text is technical: in the reason's technical view
        args["what"], args["reason"] = parts(str(row.get("message") or ""))
        args["attempts"] = row.get("attempts")
    return args


def why(kind: str, args: dict[str, Any]) -> str:
    """The Chinese sentence of :func:`why_args`."""
    if kind == "overdue":
        return f"{args['task']} 已超期 {args['days']} 天"
    if kind == "unclaimed":
        return f"{args['task']} {args['days']} 天无人认领"
    if kind == "idle":
        return f"停留在 {args['task']} 已 {args['days']} 天"
    if kind == "incident":
        return f"{args['what']}：{args['reason']}（已尝试 {args['attempts']} 次）"
    return f"已挂起 {args['days']} 天"


def _row(kind: str, r: Any, since_col: str, now: datetime,
         names: ElementNames | None = None) -> dict[str, Any]:
    out = dict(r._mapping)
    since = out.get(since_col)
    seconds = int((now - since).total_seconds()) if since else 0
    out.update(kind=kind, kind_name=KINDS[kind], since=since, seconds=seconds,
               days=round(seconds / 86400, 1))
    out["why_args"] = why_args(kind, out, seconds / 86400)
    out["why"] = why(kind, out["why_args"])
    if kind == "incident":  # named by the diagram; the id and the text for the technical view
        named = names(out.get("definition_id"), out.get("element_id")) if names else None
        out["task_name"] = named or AUTOMATIC
        out["technical"] = {"element_id": out.get("element_id"), "message": out.get("message")}
    return out


def _case_ids(query: sa.Select[Any]) -> sa.Select[Any]:
    """The distinct cases of one kind's select."""
    return query.with_only_columns(process_case.c.id.label("case_id")).distinct()


def _merge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per case, longest stuck first: the case's longest-stuck row with every
    reason it is stuck for (``reasons``, longest first; ``kinds`` and ``kind_names`` in the
    order of :data:`KINDS`)."""
    cases: dict[Any, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: -r["seconds"]):
        cases.setdefault(r["case_id"], []).append(r)
    items = []
    for found in cases.values():
        kinds = [k for k in KINDS if any(r["kind"] == k for r in found)]
        item = dict(found[0])
        item.update(kinds=kinds, kind_names=[KINDS[k] for k in kinds],
                    reasons=[{"kind": r["kind"], "kind_name": r["kind_name"], "why": r["why"],
                              "why_args": r["why_args"],
                              "since": r["since"], "days": r["days"],
                              "technical": r.get("technical")} for r in found])
        items.append(item)
    return items


def stuck(conn: Connection, actor: Actor, filters: StuckFilter, now: datetime,
          page: int = 1, per_page: int = 50, cap: int = CAP,
          names: ElementNames | None = None) -> dict[str, Any]:
    """One page of stuck cases, longest stuck first, with a (capped) count of cases per kind,
    of the cases ``actor`` may see. A case stuck for several reasons (or at several tasks) is
    one item listing them all (:func:`_merge`); ``total`` counts cases, not reasons."""
    if filters.kind and filters.kind not in KINDS:
        raise _unknown_kind()
    page = whole_number(max(1, page), "page", high=MAX_PAGE)
    per_page = min(max(1, per_page), 500)
    wanted = [filters.kind] if filters.kind else list(KINDS)
    where = [visible_hazard_rows(actor), *_filters(filters)]
    counts: dict[str, int] = {}
    queries: dict[str, tuple[sa.Select[Any], Any]] = {}
    for kind in KINDS:
        query, since = _kind_query(kind, conn, now)
        conds = list(where)
        if filters.element_id:
            if kind == "suspended":
                counts[kind] = 0
                continue
            column = incident.c.element_id if kind == "incident" else human_task.c.element_id
            conds.append(column == filters.element_id)
        query = query.where(*conds)
        counts[kind] = int(conn.execute(sa.select(sa.func.count()).select_from(
            _case_ids(query).limit(cap + 1).subquery())).scalar_one())
        if kind in wanted and counts[kind]:
            queries[kind] = (query, since)
    # The longest stuck cases of each kind: a case among the page's is among the first
    # page * per_page of the kind it has been stuck longest for.
    oldest: dict[Any, Any] = {}
    for query, since in queries.values():
        first = sa.func.min(since)
        for case_id, at in conn.execute(
                query.with_only_columns(process_case.c.id, first)
                .group_by(process_case.c.id).order_by(first, process_case.c.id)
                .limit(page * per_page)):
            at = now if at is None else at
            if case_id not in oldest or at < oldest[case_id]:
                oldest[case_id] = at
    ranked = sorted(oldest, key=lambda c: (oldest[c], c))
    shown = ranked[(page - 1) * per_page: page * per_page]
    rows: list[dict[str, Any]] = []
    if shown:
        for kind, (query, since) in queries.items():
            fetched = conn.execute(query.where(process_case.c.id.in_(shown))
                                   .order_by(since, process_case.c.id))
            rows += [_row(kind, r, since.name, now, names) for r in fetched]
    if len(queries) == 1:
        total = min(next(counts[k] for k in queries), cap)
    elif queries:
        union = sa.union(*(_case_ids(q) for q, _ in queries.values())).subquery()
        total = int(conn.execute(sa.select(sa.func.count()).select_from(
            sa.select(union.c.case_id).limit(cap + 1).subquery())).scalar_one())
        total = min(total, cap)
    else:
        total = 0
    return {"items": _merge(rows), "counts": counts,
            "capped": {k: n > cap for k, n in counts.items()}, "cap": cap, "total": total,
            "page": page, "per_page": per_page}


def set_threshold(conn: Connection, actor: Actor, process_key: str, element_id: str,
                  kind: str, days: int | None, now: datetime) -> None:
    """Set (or with ``days`` None remove) one threshold (the city's: checked by the
    use-case)."""
    if kind not in DEFAULT_DAYS:
        raise InvalidInput("未知的阈值类型 (unknown kind)", [Detail(
            "类型须为 unclaimed 或 idle (kind: unclaimed or idle)", field="kind")])
    if not process_key:
        raise InvalidInput("请选择流程 (process required)", [Detail(
            "流程标识或 * (process_key: a key or *)", field="process_key")])
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("天数超出范围 (days out of range)", [Detail(
            "1–3650 天 (1 to 3650 days)", field="days")])
    key = (monitor_threshold.c.process_key == process_key,
           monitor_threshold.c.element_id == (element_id or ""),
           monitor_threshold.c.kind == kind)
    conn.execute(sa.delete(monitor_threshold).where(*key))
    if days is not None:
        conn.execute(sa.insert(monitor_threshold).values(
            process_key=process_key, element_id=element_id or "", kind=kind, days=days,
            updated_by=actor.id, updated_at=now))
    journal.record(conn, actor=actor.id, action="monitor.threshold", at=now,
                   subject=f"threshold:{process_key}:{element_id or ''}:{kind}",
                   payload={"days": days})


def cases_at(conn: Connection, actor: Actor, definition_id: int, element_id: str,
             now: datetime, limit: int = 200,
             names: ElementNames | None = None) -> list[dict[str, Any]]:
    """The cases ``actor`` may see whose open task (or open incident) is at ``element_id``."""
    where = [process_case.c.definition_id == definition_id, visible_hazard_rows(actor)]
    rows = [_row("overdue" if r.due_at and r.due_at < now else "idle", r, "created_at", now)
            for r in conn.execute(_task_select().where(
                OPEN_TASK, human_task.c.element_id == element_id, *where)
                .order_by(human_task.c.created_at).limit(limit))]
    query, _ = _kind_query("incident", conn, now)
    rows += [_row("incident", r, "created_at", now, names) for r in conn.execute(
        query.where(incident.c.element_id == element_id, *where).limit(limit))]
    return rows
