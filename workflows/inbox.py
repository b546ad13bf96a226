"""The task inbox: five tabs with live counts, sorting, filters, saved filters, comments.

Tabs: ``mine`` (assigned to me), ``groups`` (my groups, unclaimed), ``overdue``,
``due_soon`` (due within 3 days) and ``done`` (completed by me). Filters narrow every tab and
its count alike: category, level, unit (and the units below it), campaign, and free text over
the hazard code, location and description and the task name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, NotFound
from hazardflow.engine.ownership import Exclusion, excluded_clause
from hazardflow.engine.schema import human_task, task_candidate

from .policy import candidate_match, may_share_with, shared_with, visible_hazards
from .schema import hazard, unit
from .schema_campaigns import unit_report
from .schema_inbox import comment, saved_filter
from .units import subtree_ids

VIEWS = ("mine", "groups", "overdue", "due_soon", "done")
SORTS = {"due": "到期时间", "priority": "优先级", "created": "创建时间"}
DUE_SOON = timedelta(days=3)
MAX_TEXT = 100
FILTER_KEYS = ("category", "level", "unit", "campaign", "q", "sort")


@dataclass(frozen=True)
class TaskQuery:
    view: str = "mine"  # mine, groups, overdue, due_soon, done
    page: int = 1
    per_page: int = 50
    sort: str = "due"  # due, priority, created
    category: str | None = None
    level: str | None = None
    unit: str | None = None  # a unit code: that unit and the units below it
    campaign: str | None = None
    q: str | None = None  # free text

    def check(self) -> TaskQuery:
        problems = []
        if self.view not in VIEWS:
            problems.append(Detail(f"没有这个分页签 (view must be one of {', '.join(VIEWS)})",
                                   field="view"))
        if self.sort not in SORTS:
            problems.append(Detail(f"没有这种排序方式 (sort must be one of {', '.join(SORTS)})",
                                   field="sort"))
        if self.q is not None and len(self.q) > MAX_TEXT:
            problems.append(Detail(f"搜索内容最多 {MAX_TEXT} 个字 (the search text is limited to "
                                   f"{MAX_TEXT} characters)", field="q"))
        if problems:
            raise InvalidInput("待办查询条件有误 (the inbox query is not valid)", problems)
        return self

    def filters(self) -> dict[str, str]:
        return {k: v for k in FILTER_KEYS if (v := getattr(self, k)) not in (None, "", "due")}


def task_select() -> sa.Select[Any]:
    """Open and done tasks with what the inbox shows of their case: the hazard, or for a
    unit's report its unit."""
    return (sa.select(human_task, hazard.c.code.label("hazard_code"),
                      hazard.c.level, hazard.c.category, hazard.c.location,
                      hazard.c.campaign, hazard.c.description,
                      unit.c.code.label("unit_code"), unit.c.name.label("unit_name"))
            .select_from(human_task.outerjoin(hazard, hazard.c.case_id == human_task.c.case_id)
                         .outerjoin(unit_report, unit_report.c.case_id == human_task.c.case_id)
                         .outerjoin(unit, unit.c.id == sa.func.coalesce(
                             hazard.c.unit_id, unit_report.c.unit_id))))


def task_dict(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out.pop("spiff_task_id", None)
    return out


def _narrowing(query: TaskQuery) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if query.category:
        out.append(hazard.c.category == query.category)
    if query.level:
        out.append(hazard.c.level == query.level)
    if query.campaign:
        out.append(hazard.c.campaign == query.campaign)
    if query.unit:
        out.append(hazard.c.unit_id.in_(subtree_ids({query.unit}, "inbox_unit")))
    if query.q:
        like = "%" + query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        out.append(sa.or_(hazard.c.code.ilike(like, escape="\\"),
                          hazard.c.location.ilike(like, escape="\\"),
                          hazard.c.description.ilike(like, escape="\\"),
                          human_task.c.name.ilike(like, escape="\\")))
    return out


def _id_in(ids: sa.Select[Any] | sa.CompoundSelect[Any], dialect: str) -> sa.ColumnElement[bool]:
    """``human_task.id`` among ``ids``. On PostgreSQL as ``= ANY(ARRAY(...))``: the list is
    built once and each id looked up by primary key; as a semi-join the planner hashes every
    unclaimed open task in the city instead."""
    if dialect == "postgresql":
        packed = sa.select(sa.func.array_agg(ids.subquery().c[0])).scalar_subquery()
        return human_task.c.id == sa.any_(sa.cast(packed, sa.ARRAY(sa.Integer)))
    return human_task.c.id.in_(ids)


def tab_conditions(actor: Actor, now: datetime, query: TaskQuery, dialect: str = "sqlite",
                   exclusions: Sequence[Exclusion] = ()) -> dict[str, sa.ColumnElement[bool]]:
    """Each tab's condition. An open task the actor may not do because they did an earlier
    step it excludes (``excludePerformersOf``: the engine's ``exclusions``) is in no tab."""
    open_ = human_task.c.state == "open"
    excluded = excluded_clause(exclusions, actor.id)
    if excluded is not None:
        open_ = sa.and_(open_, sa.not_(excluded))
    mine = human_task.c.assignee == actor.id
    group_ids = sa.select(task_candidate.c.human_task_id).where(candidate_match(actor))
    groups = sa.and_(human_task.c.assignee.is_(None), _id_in(group_ids, dialect))
    # "mine or my groups" as one id list (two index lookups) rather than an OR, which made
    # the overdue and due-soon counts walk every open task past its deadline in the city
    own = human_task.alias("own_rows")  # an alias, or SQLAlchemy would correlate it
    my_ids = sa.select(own.c.id).where(own.c.state == "open", own.c.assignee == actor.id)
    mine_or_groups = sa.and_(_id_in(my_ids.union_all(group_ids), dialect),
                             sa.or_(mine, human_task.c.assignee.is_(None)))
    conditions = {
        "mine": sa.and_(open_, mine),
        "groups": sa.and_(open_, groups),
        "overdue": sa.and_(open_, mine_or_groups, human_task.c.due_at < now),
        "due_soon": sa.and_(open_, mine_or_groups, human_task.c.due_at >= now,
                            human_task.c.due_at < now + DUE_SOON),
        "done": human_task.c.completed_by == actor.id,
    }
    # a hazard the actor may not see (an unannounced finding) stays out of every list
    visible = sa.or_(hazard.c.id.is_(None), visible_hazards(actor))
    narrowing = _narrowing(query)
    return {name: sa.and_(cond, visible, *narrowing) for name, cond in conditions.items()}


def _order(query: TaskQuery) -> tuple[Any, ...]:
    if query.view == "done":
        return (human_task.c.completed_at.desc(),)
    if query.sort == "priority":
        return (human_task.c.priority.desc(), human_task.c.due_at.is_(None), human_task.c.due_at)
    if query.sort == "created":
        return (human_task.c.created_at.desc(),)
    return (human_task.c.due_at.is_(None), human_task.c.due_at, human_task.c.priority.desc())


def _joined() -> Any:
    return human_task.outerjoin(hazard, hazard.c.case_id == human_task.c.case_id)


def _counts(conn: Connection,
            conditions: dict[str, sa.ColumnElement[bool]]) -> dict[str, int]:
    return {name: int(conn.execute(sa.select(sa.func.count()).select_from(_joined())
                                   .where(cond)).scalar_one())
            for name, cond in conditions.items()}


def tab_counts(conn: Connection, actor: Actor, now: datetime, query: TaskQuery | None = None,
               exclusions: Sequence[Exclusion] = ()) -> dict[str, int]:
    return _counts(conn, tab_conditions(actor, now, query or TaskQuery(), conn.dialect.name,
                                        exclusions))


def opening_tab(counts: dict[str, int]) -> str:
    """The tab the inbox opens on when none is asked for: the one with work (我的待办, else
    待认领 when it has tasks)."""
    return "groups" if not counts.get("mine") and counts.get("groups") else "mine"


def list_tasks(conn: Connection, actor: Actor, query: TaskQuery, now: datetime,
               exclusions: Sequence[Exclusion] = ()) -> dict[str, Any]:
    query.check()
    conditions = tab_conditions(actor, now, query, conn.dialect.name, exclusions)
    where = conditions[query.view]
    rows = conn.execute(task_select().where(where).order_by(*_order(query), human_task.c.id)
                        .limit(query.per_page).offset((query.page - 1) * query.per_page))
    items = [task_dict(r) for r in rows]
    counts = _counts(conn, conditions)
    for item in items:
        due = item.get("due_at")
        item["overdue"] = bool(due and item["state"] == "open" and due < now)
        item["due_soon"] = bool(due and item["state"] == "open" and now <= due < now + DUE_SOON)
    return {"items": items, "total": counts[query.view], "page": query.page,
            "per_page": query.per_page, "counts": counts}


def query_from_args(args: dict[str, str], **overrides: Any) -> TaskQuery:
    """A TaskQuery from request arguments (strings); bad numbers become InvalidInput."""
    def text(key: str) -> str | None:
        value = (args.get(key) or "").strip()
        return value or None
    try:
        page = int(args.get("page") or 1)
        per_page = int(args.get("per_page") or 25)
    except ValueError:
        raise InvalidInput("页码和每页条数必须是整数 (page and per_page must be whole numbers)",
                           [Detail("请填写整数 (not a whole number)", field="page")]) from None
    query = TaskQuery(view=args.get("tab") or "mine", page=max(1, min(page, 100_000)),
                      per_page=max(1, min(per_page, 200)), sort=args.get("sort") or "due",
                      category=text("category"), level=text("level"), unit=text("unit"),
                      campaign=text("campaign"), q=text("q"))
    return replace(query, **overrides).check()


# -- saved filters ------------------------------------------------------------------------

def save_filter(conn: Connection, owner_id: int, name: str, query: TaskQuery,
                shared_role: str | None, now: datetime, actor: Actor) -> int:
    name = name.strip()
    if not name or len(name) > 128:
        raise InvalidInput("请为筛选条件命名 (a saved filter needs a name)",
                           [Detail("名称为 1 到 128 个字 (1 to 128 characters)", field="name")])
    if shared_role and not may_share_with(actor, shared_role):
        raise InvalidInput("只能与您担任的角色共享筛选条件 (you can share a filter only with a "
                           "role you hold)",
                           [Detail("您不担任该角色 (not one of your roles)", field="shared_role")])
    text = urlencode({"tab": query.view, **query.filters()})
    return int(conn.execute(sa.insert(saved_filter).values(
        owner_id=owner_id, name=name, query=text, shared_role=shared_role or None,
        created_at=now).returning(saved_filter.c.id)).scalar_one())


def filters_for(conn: Connection, user_id: int, actor: Actor) -> list[dict[str, Any]]:
    """The user's own filters and those shared with a role they hold."""
    rows = conn.execute(sa.select(saved_filter).where(sa.or_(
        saved_filter.c.owner_id == user_id,
        shared_with(actor, saved_filter.c.shared_role))).order_by(
            saved_filter.c.name, saved_filter.c.id))
    return [{"id": r.id, "name": r.name, "query": r.query, "shared_role": r.shared_role,
             "own": r.owner_id == user_id, "args": dict(parse_qsl(r.query))} for r in rows]


def delete_filter(conn: Connection, filter_id: int, user_id: int) -> None:
    deleted = conn.execute(sa.delete(saved_filter).where(
        saved_filter.c.id == filter_id, saved_filter.c.owner_id == user_id)).rowcount
    if not deleted:
        raise NotFound("找不到该筛选条件 (the saved filter does not exist)")


# -- comments -----------------------------------------------------------------------------

MAX_COMMENT = 2000


def add_comment(conn: Connection, case_id: int, task_id: int | None, author: str, body: str,
                now: datetime) -> int:
    body = body.strip()
    if not body or len(body) > MAX_COMMENT:
        raise InvalidInput("请填写留言内容 (a comment needs text)",
                           [Detail(f"留言为 1 到 {MAX_COMMENT} 个字 (1 to {MAX_COMMENT} "
                                   "characters)", field="body")])
    return int(conn.execute(sa.insert(comment).values(
        case_id=case_id, task_id=task_id, author=author, body=body, created_at=now)
        .returning(comment.c.id)).scalar_one())


def comments_for(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(comment).where(comment.c.case_id == case_id)
                        .order_by(comment.c.created_at, comment.c.id))
    return [dict(r._mapping) for r in rows]


def dump(query: TaskQuery) -> str:
    return json.dumps({"tab": query.view, **query.filters()}, ensure_ascii=False)


def people_at(conn: Connection, unit_code: str | None) -> list[tuple[str, str]]:
    """Active users holding a role at ``unit_code``: suggestions for person fields."""
    from .schema import app_user, user_role

    if not unit_code:
        return []
    rows = conn.execute(
        sa.select(app_user.c.username, app_user.c.display_name, user_role.c.role).distinct()
        .select_from(app_user.join(user_role, user_role.c.user_id == app_user.c.id)
                     .join(unit, unit.c.id == user_role.c.unit_id))
        .where(unit.c.code == unit_code, app_user.c.active.is_(True))
        .order_by(app_user.c.username))
    seen: dict[str, str] = {}
    for r in rows:
        seen.setdefault(r.username, r.display_name)
    return list(seen.items())
