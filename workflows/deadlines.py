"""The one rule for a deadline a person sets: today or later, and not too far ahead.

A rectification deadline (整改期限) is set by a person in four places: the order of a general
hazard (``Task_Triage`` / ``Task_TriageCity``, form ``hazard_triage``), the plan of a major
one (``Task_Plan``, form ``hazard_governance_plan``), an extension request and its approval
(延期, :mod:`~hazardflow.workflows.extensions`), and a supervisor's repair that sets one
(``extend``, or ``move`` with data). Each of those use-cases calls :func:`check_deadline`
before the engine step, so a refused deadline changes nothing. A deadline before today
(business time, :class:`~hazardflow.workflows.calendar.BusinessCalendar`) would arm the
whole escalation ladder at once; one more than ``HAZARDFLOW_MAX_DEADLINE_DAYS`` ahead (365
by default) is a typing error, and a far one (9999-12-31) cannot even be a timer.

A form field is a deadline when its name contains ``deadline`` (:func:`deadline_fields`):
a designer's new form is covered by naming its field so. Imports and benchmarks set past
deadlines through their own paths (the ledger import, ``engine.set_variables``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from hazardflow.engine import Detail, InvalidInput

from .calendar import BusinessCalendar

DEADLINE_WORD = "deadline"
DEFAULT_MAX_DAYS = 365


def _as_date(day: Any) -> date | None:
    if isinstance(day, date) and not isinstance(day, datetime):
        return day
    try:
        return date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        return None


def check_deadline(day: Any, calendar: BusinessCalendar, now: datetime, max_days: int,
                   field: str = "deadline") -> date:
    """``day`` (a date or YYYY-MM-DD) as a date, or InvalidInput (422) naming ``field``
    when it is not a date, before today or later than today + ``max_days``."""
    value = _as_date(day)
    if value is None:
        raise InvalidInput("期限须为日期 YYYY-MM-DD (a deadline is a date, YYYY-MM-DD)",
                           [Detail("期限格式 YYYY-MM-DD (a date, YYYY-MM-DD)", field=field)],
                           code="bad_deadline")
    today = calendar.today(now)
    if value < today:
        raise InvalidInput(
            f"期限 {value} 早于今天 {today} (the deadline is before today)",
            [Detail(f"期限不得早于今天 {today} (a deadline cannot be before today, {today})",
                    field=field)], code="deadline_past")
    latest = today + timedelta(days=max_days)
    if value > latest:
        raise InvalidInput(
            f"期限 {value} 晚于 {latest} (the deadline is more than {max_days} days ahead)",
            [Detail(f"期限最晚为今天起 {max_days} 天内，即 {latest} (a deadline can be at most "
                    f"{max_days} days ahead, {latest})", field=field)], code="deadline_too_far")
    return value


def deadline_fields(form: Mapping[str, Any] | None) -> list[str]:
    """The fields of a form's JSON Schema that are deadlines (their name says so)."""
    properties = (form or {}).get("properties")
    if not isinstance(properties, Mapping):
        return []
    return [name for name in properties if DEADLINE_WORD in str(name).lower()]


def check_form_deadlines(form: Mapping[str, Any] | None, data: Mapping[str, Any],
                         calendar: BusinessCalendar, now: datetime, max_days: int) -> None:
    """Every deadline the form data sets. One that is empty or not a date is left to the
    form's own validation, which reports it with the form's other errors."""
    for name in deadline_fields(form):
        if _as_date(data.get(name)) is not None:
            check_deadline(data[name], calendar, now, max_days, field=name)


def check_data_deadlines(data: Any, calendar: BusinessCalendar, now: datetime,
                         max_days: int) -> None:
    """Every deadline in free variables (a repair's ``data``): keys that say so."""
    if isinstance(data, Mapping):
        for name, value in data.items():
            if DEADLINE_WORD in str(name).lower() and value not in (None, ""):
                check_deadline(value, calendar, now, max_days, field=str(name))
