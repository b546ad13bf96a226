"""The hazard ledger (隐患台账): one row per hazard case, kept in step with the case.

The case data carries the hazard's fields under these keys (forms write them):
``unit_code``, ``location``, ``category``, ``level`` (general | major), ``description``,
``source``, ``campaign``, ``deadline`` (YYYY-MM-DD), ``responsible_user`` (a username),
``notice_no``, ``outcome`` (closed | voided) and, optionally, ``visible_to_unit`` (default:
false for source ``unannounced``, true otherwise). Who found it and who ordered it
(``found_by_level``, ``found_by_body``, ``order_kind``, ``ordered_by_body``,
``ordered_by_user``, ``ordered_on``; ``workflows/authority.py``) and a major hazard's report to
the 应急管理 department (``emergency_reported_on``) are copied to the row as well. A closed
一般 hazard is 已销号, a closed 重大 one 已核销 (:func:`status_name`).

Visibility (``policy.visible_hazards``): a user sees the hazards of every unit where they
hold a role and of all units below it, so county roles see their county and city roles see
everything; admins see everything. An unannounced-visit (暗访) finding (``visible_to_unit``
false until published) stays hidden from unit-level roles (safety_officer, rectifier,
principal, verifier) held at the hazard's own unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from hazardflow.engine.memo import TransactionMemo
from hazardflow.engine.services import Actor, CaseView

from .calendar import BusinessCalendar
from .counters import next_value
from .ledger_import import current_import
from .policy import visible_hazards
from .schema import hazard, unit
from .units import require_unit, subtree_ids

LEVELS: dict[str, str] = {"general": "一般隐患", "major": "重大隐患"}
STATUSES: dict[str, str] = {"open": "整改中", "closed": "已销号/已核销", "voided": "已作废"}
CLOSED_NAMES: dict[str, str] = {"general": "已销号", "major": "已核销"}
# case variables copied as they are onto the ledger row's columns of the same name
AUTHORITY_KEYS = ("found_by_level", "found_by_body", "order_kind", "ordered_by_body",
                  "ordered_by_user", "ordered_on", "emergency_reported_on")
# The codes of the register form (bpmn/forms/hazard_register.json), with short names.
SOURCES: dict[str, str] = {
    "self_inspection": "单位自查", "inspection": "监管检查/督查", "spot_check": "市卫健委抽查",
    "unannounced": "暗查暗访", "public_report": "举报投诉",
}
CATEGORIES: dict[str, str] = {
    "fire": "消防", "electrical": "电气/配电", "gas_canteen": "燃气/食堂",
    "medical_gas": "医用气体/液氧站/高压氧", "special_equipment": "特种设备",
    "hazardous_chemicals": "危险化学品", "confined_space": "有限空间",
    "construction": "建筑施工/房屋结构", "self_built_house": "自建房",
    "lab_biosafety": "实验室生物安全", "radiation": "放射", "flood": "防汛",
    "three_in_one": "三合一场所", "management": "管理类",
}
UNANNOUNCED = "unannounced"  # the source whose findings stay hidden from their unit
STAGE_SEPARATOR = "、"


def status_name(status: str, level: str | None) -> str:
    """A ledger status as people say it: a closed 一般 hazard is 已销号, a closed 重大 one
    (reviewed on site by the regulator) 已核销."""
    if status == "closed":
        return CLOSED_NAMES.get(level or "", CLOSED_NAMES["general"])
    return STATUSES.get(status, status)


def _level(value: Any) -> str:
    if value not in LEVELS:
        raise ValueError(f"unknown hazard level {value!r}; use general or major")
    return str(value)


def _deadline(value: Any, calendar: BusinessCalendar) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return calendar.today(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"deadline {value!r} is not a date (YYYY-MM-DD)") from None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def create_hazard_row(conn: Connection, case_id: int, data: Mapping[str, Any],
                      reported_by: str, now: datetime, calendar: BusinessCalendar) -> str:
    """Register a reported hazard in the ledger and return its code (YH-2026-000123, the
    business year)."""
    where = require_unit(conn, str(data.get("unit_code") or ""))
    year = calendar.year_of(now)
    importing = current_import()  # an imported hazard takes no number of the year's sequence
    code = importing.hazard_code if importing else \
        f"YH-{year}-{next_value(conn, f'hazard:{year}'):06d}"
    source = str(data.get("source") or "")
    visible = data.get("visible_to_unit")
    conn.execute(hazard.insert().values(
        code=code, case_id=case_id, unit_id=where.id, county_code=where.county_code,
        location=str(data.get("location") or ""), category=str(data.get("category") or ""),
        level=_level(data.get("level")), description=str(data.get("description") or ""),
        source=source, campaign=_text(data.get("campaign")), status="open",
        deadline=_deadline(data.get("deadline"), calendar),
        responsible_user=_text(data.get("responsible_user")),
        notice_no=_text(data.get("notice_no")), reported_by=reported_by, reported_at=now,
        updated_at=now,
        visible_to_unit=bool(visible) if visible is not None else source != UNANNOUNCED))
    return code


def hazard_for_case(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """The ledger row of a case, with ``unit_code`` and ``unit_name``; no visibility check.
    Read once per transaction (a step's check, handlers and listeners all ask for it): kept
    until the transaction writes ``hazard`` or ``unit`` rows or rolls back (engine.memo)."""
    def load() -> dict[str, Any] | None:
        row = conn.execute(_BY_CASE, {"case_id": case_id}).first()
        return dict(row._mapping) if row else None
    found = _READ.read(conn, case_id, load)
    return None if found is None else dict(found)  # the caller's own copy


class HazardLedger:
    """A CaseListener that copies a hazard case's state onto its ledger row."""

    def __init__(self, calendar: BusinessCalendar,
                 process_keys: Iterable[str] = ("hazard_lifecycle",)) -> None:
        self.calendar = calendar
        self.process_keys = frozenset(process_keys)

    def case_changed(self, conn: Connection, view: CaseView) -> None:
        if view.process_key not in self.process_keys:
            return
        write = update(hazard).where(hazard.c.case_id == view.case_id).values(
            **sync_values(view, self.calendar))
        if conn.execute(write).rowcount:
            return  # the row was there (one statement: no read first)
        if view.status == "incident":
            return  # registered by the step that succeeds after the retry
        create_hazard_row(conn, view.case_id, view.data, view.started_by, view.now,
                          self.calendar)
        conn.execute(write)


def sync_values(view: CaseView, calendar: BusinessCalendar) -> dict[str, Any]:
    """The ledger columns that follow from a case view; a closed hazard keeps the moment it
    was first closed (SQL: the stored ``closed_at``, else now)."""
    data = view.data
    outcome = data.get("outcome")
    if outcome == "voided":
        status = "voided"
    elif view.status == "completed" and outcome == "closed":
        status = "closed"
    else:
        status = "open"
    names = list(dict.fromkeys(name for _, name in view.active if name))
    values: dict[str, Any] = {
        "status": status,
        "closed_at": func.coalesce(hazard.c.closed_at, literal(view.now, hazard.c.closed_at.type))
        if status == "closed" else None,
        "stage": STAGE_SEPARATOR.join(names) or None,
        "updated_at": view.now,
    }
    if data.get("level") is not None:
        values["level"] = _level(data["level"])
    if "deadline" in data:
        values["deadline"] = _deadline(data["deadline"], calendar)
    for key in ("responsible_user", "notice_no", *AUTHORITY_KEYS):
        if key in data:
            values[key] = _text(data[key])
    for key in ("category", "location", "description"):
        if data.get(key) is not None:
            values[key] = str(data[key])
    return values


@dataclass(frozen=True)
class LedgerFilter:
    """Ledger filters; None means no filter. Dates are business days (the calendar's)."""

    unit_code: str | None = None  # that unit and every unit below it
    county_code: str | None = None
    level: str | None = None
    category: str | None = None
    status: str | None = None
    campaign: str | None = None
    text: str | None = None  # in the code, description or location
    reported_from: date | None = None
    reported_to: date | None = None  # inclusive
    overdue_on: date | None = None  # open with a deadline before that day (超期)


@dataclass(frozen=True)
class LedgerPage:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _rows() -> Select[Any]:
    return (select(hazard, unit.c.code.label("unit_code"), unit.c.name.label("unit_name"))
            .select_from(hazard.join(unit, unit.c.id == hazard.c.unit_id)))


_BY_CASE = _rows().where(hazard.c.case_id == bindparam("case_id", type_=Integer))
_READ = TransactionMemo("hazard_by_case", [hazard, unit])


def ledger_conditions(filters: LedgerFilter,
                      calendar: BusinessCalendar) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``hazard`` for the filters (without visibility); the report dates
    are business days of ``calendar``."""
    f = filters
    conds: list[ColumnElement[bool]] = []
    if f.unit_code:
        conds.append(hazard.c.unit_id.in_(subtree_ids({f.unit_code}, "filter_units")))
    for column, value in ((hazard.c.county_code, f.county_code), (hazard.c.level, f.level),
                          (hazard.c.category, f.category), (hazard.c.status, f.status),
                          (hazard.c.campaign, f.campaign)):
        if value:
            conds.append(column == value)
    if f.text and f.text.strip():
        needle = f.text.strip()
        conds.append(or_(hazard.c.code.icontains(needle, autoescape=True),
                         hazard.c.description.icontains(needle, autoescape=True),
                         hazard.c.location.icontains(needle, autoescape=True)))
    if f.reported_from:
        conds.append(hazard.c.reported_at >= calendar.start_of(f.reported_from))
    if f.reported_to:
        conds.append(hazard.c.reported_at < calendar.end_of(f.reported_to))
    if f.overdue_on:
        conds.append(and_(hazard.c.status == "open", hazard.c.deadline.is_not(None),
                          hazard.c.deadline < f.overdue_on.isoformat()))
    return conds


def list_hazards(conn: Connection, actor: Actor, calendar: BusinessCalendar,
                 filters: LedgerFilter | None = None, page: int = 1, per_page: int = 50,
                 max_per_page: int = 500) -> LedgerPage:
    """One page of the ledger as ``actor`` may see it, newest report first (an export asks
    for one large page with a larger ``max_per_page``)."""
    page, per_page = max(1, page), min(max(1, per_page), max_per_page)
    conds = [visible_hazards(actor), *ledger_conditions(filters or LedgerFilter(), calendar)]
    total = conn.execute(select(func.count()).select_from(hazard).where(*conds)).scalar_one()
    rows = conn.execute(_rows().where(*conds)
                        .order_by(hazard.c.reported_at.desc(), hazard.c.id.desc())
                        .limit(per_page).offset((page - 1) * per_page))
    return LedgerPage([dict(r._mapping) for r in rows], int(total), page, per_page)


def get_hazard(conn: Connection, actor: Actor, code: str) -> dict[str, Any] | None:
    """One hazard by code, or None when it does not exist or ``actor`` may not see it."""
    row = conn.execute(_rows().where(hazard.c.code == code,
                                     visible_hazards(actor))).first()
    return dict(row._mapping) if row else None
