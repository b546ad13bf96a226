"""Working days by China's official calendar (法定节假日 and 调休 make-up workdays).

The State Council (国务院办公厅) publishes each December the next year's holidays and the
weekend days that become workdays (调休). ``chinese_calendar`` ships those dates for the
years it knows (2004–2026 in 1.11.0) and raises for any other. A year the library lacks can
be given in an override file (``HAZARDFLOW_WORKDAY_OVERRIDES``, JSON; default the file shipped
in ``workflows/reference/workday_overrides.json``)::

    {"years": {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...],
                        "source": "国办发明电〔2026〕…号"}}}

A year in the file wins over the library's (a correction). A year neither knows falls back to
Monday–Friday: the application says so (``unknown_years``, the admin and monitor pages, the
CLI ``hazardflow calendar check <year>``) and logs it once per year.

Days here are business days (dates in the business time zone); :func:`register_functions`
gives BPMN expressions ``add_workdays(start, n)``, ``workdays_after(n)`` and
``is_workday(day)``, with the end of a business day as the engine's timers read it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import chinese_calendar

from hazardflow.engine.clock import context_now
from hazardflow.engine.errors import ExpressionError

if TYPE_CHECKING:
    from hazardflow.engine import Engine

    from .calendar import BusinessCalendar

log = logging.getLogger("hazardflow.workdays")

MAX_WORKDAYS = 3660  # add_workdays counts at most this many working days (~14 years)
# a diagram's expression may ask for at most this many (a deadline is at most a year or so
# away): each call walks that many days, so an expression's cost stays small
MAX_EXPRESSION_WORKDAYS = 500
SHIPPED_OVERRIDES = "workday_overrides.json"
_warned: set[int] = set()


@dataclass(frozen=True)
class YearOverride:
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""


@dataclass(frozen=True)
class OfficialWorkdays:
    """The official working-day calendar: the library's years plus the override file's."""

    overrides: Mapping[int, YearOverride] = field(default_factory=dict)
    origin: str = ""  # where the overrides were read from (shown by the CLI check)

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> OfficialWorkdays:
        """The calendar with the overrides at ``path`` (default: the shipped file)."""
        if path:
            text, origin = Path(path).read_text(encoding="utf-8"), str(path)
        else:
            shipped = resources.files("hazardflow.workflows.reference").joinpath(SHIPPED_OVERRIDES)
            text, origin = shipped.read_text(encoding="utf-8"), f"(shipped) {SHIPPED_OVERRIDES}"
        return cls(parse_overrides(json.loads(text)), origin)

    def source_of(self, year: int) -> str | None:
        """``override``, ``library`` or ``None`` (the year is unknown: Monday–Friday)."""
        if year in self.overrides:
            return "override"
        return "library" if _library_knows(year) else None

    def is_workday(self, day: date) -> bool:
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            return day not in override.holidays and day.weekday() < 5
        if _library_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("official holidays of %s are unknown (neither chinese_calendar nor "
                        "the override file has them): Monday to Friday count as workdays",
                        day.year)
        return day.weekday() < 5

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``n`` < 0: before it); ``n`` = 0 is
        ``start`` itself when a working day, else the next working day."""
        if abs(n) > MAX_WORKDAYS:
            raise ValueError(f"at most {MAX_WORKDAYS} working days")
        day, step = start, (1 if n >= 0 else -1)
        if n == 0:
            while not self.is_workday(day):
                day += timedelta(days=1)
            return day
        left = abs(n)
        while left:
            day += timedelta(days=step)
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (negative when ``b`` < ``a``):
        ``workdays_between(a, add_workdays(a, n)) == n`` for n > 0."""
        if b < a:
            return -self.workdays_between(b, a)
        if (b - a).days > MAX_WORKDAYS * 2:
            raise ValueError("at most about 20 years apart")
        return sum(1 for i in range(1, (b - a).days + 1)
                   if self.is_workday(a + timedelta(days=i)))

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        """Those of ``years`` that fall back to Monday–Friday."""
        return [y for y in years if self.source_of(y) is None]

    def unknown_soon(self, today: date) -> list[int]:
        """The years to warn about on ``today``: this year if unknown, and from December
        (when the State Council publishes it) next year too."""
        years = [today.year] + ([today.year + 1] if today.month == 12 else [])
        return self.unknown_years(years)


def configured(path: str | None) -> OfficialWorkdays:
    """The calendar with the overrides the settings name (``HAZARDFLOW_WORKDAY_OVERRIDES``;
    empty: the shipped file); ``ValueError`` saying which file and why when it cannot be read."""
    try:
        return OfficialWorkdays.from_file(path or None)
    except (OSError, ValueError) as exc:
        raise ValueError(f"节假日覆盖文件 {path} 无法读取 (the workday override file cannot be "
                         f"read: {exc})") from None


@lru_cache(maxsize=512)
def _library_knows(year: int) -> bool:
    """Whether the installed chinese_calendar has ``year`` (it raises for any other)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def parse_overrides(raw: Any) -> dict[int, YearOverride]:
    """The override file's years; raises ``ValueError`` naming what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("years", {}), dict):
        raise ValueError('the override file needs {"years": {"<year>": {...}}}')
    out: dict[int, YearOverride] = {}
    for key, entry in raw.get("years", {}).items():
        year = int(key)
        if not isinstance(entry, dict):
            raise ValueError(f"year {key}: needs holidays and workdays lists")
        days = {name: frozenset(date.fromisoformat(d) for d in entry.get(name, []))
                for name in ("holidays", "workdays")}
        stray = [d for ds in days.values() for d in ds if d.year != year]
        if stray:
            raise ValueError(f"year {key}: {stray[0].isoformat()} is not in {key}")
        out[year] = YearOverride(days["holidays"], days["workdays"], str(entry.get("source", "")))
    return out


DEFAULT_WORKDAYS = OfficialWorkdays.from_file()


# --- BPMN expressions -----------------------------------------------------------------

def _day(value: Any, calendar: BusinessCalendar) -> date:
    if isinstance(value, datetime):
        return calendar.today(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return calendar.today(datetime.fromisoformat(value.replace("Z", "+00:00"))) \
                if "T" in value else date.fromisoformat(value)
        except ValueError:
            raise ExpressionError(f"{value!r} 不是 ISO 日期 (not an ISO date)") from None
    raise ExpressionError(f"{value!r} 不是日期 (not a date)")


def _count(n: Any) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or abs(n) > MAX_EXPRESSION_WORKDAYS:
        raise ExpressionError(f"工作日数须为不超过 {MAX_EXPRESSION_WORKDAYS} 的整数 "
                              f"(a whole number of working days, at most "
                              f"{MAX_EXPRESSION_WORKDAYS})")
    return n


def expression_functions(calendar: BusinessCalendar) -> dict[str, Callable[..., Any]]:
    """The working-day functions a diagram's expressions may call. A deadline is the end of
    its working day in business time (24:00, as a date deadline is due)."""
    workdays = calendar.workdays

    def add_workdays(start: Any, n: Any) -> str:
        due = workdays.add_workdays(_day(start, calendar), _count(n))
        return calendar.local(calendar.end_of(due)).isoformat()

    def workdays_after(n: Any) -> str:
        return add_workdays(calendar.today(context_now()), n)

    def is_workday(day: Any) -> bool:
        return workdays.is_workday(_day(day, calendar))

    return {"add_workdays": add_workdays, "workdays_after": workdays_after,
            "is_workday": is_workday}


def register_functions(engine: Engine, calendar: BusinessCalendar) -> None:
    """Make the working-day functions callable from the engine's sandboxed expressions."""
    engine.evaluator.functions.update(expression_functions(calendar))
