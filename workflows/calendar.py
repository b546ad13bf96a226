"""The business calendar: every date rule of the domain reads the time zone from here.

Deadlines, report periods, notice years, dashboards and "before the 24th" are calendar
rules in the business time zone (``HAZARDFLOW_BUSINESS_TZ``, China Standard Time by
default). Times are stored in UTC; a calendar turns them into local days and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from .workdays import DEFAULT_WORKDAYS, OfficialWorkdays

DEFAULT_TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class BusinessCalendar:
    tz: tzinfo
    # the official working days (holidays and 调休), workflows/workdays.py
    workdays: OfficialWorkdays = field(default=DEFAULT_WORKDAYS, compare=False, repr=False)

    @classmethod
    def named(cls, name: str = DEFAULT_TZ,
              workdays: OfficialWorkdays = DEFAULT_WORKDAYS) -> BusinessCalendar:
        return cls(ZoneInfo(name), workdays)

    @property
    def name(self) -> str:
        """The zone's name (``Asia/Shanghai``), as the settings and Babel spell it."""
        return str(getattr(self.tz, "key", None) or self.tz)

    def local(self, moment: datetime) -> datetime:
        """``moment`` in business time (a naive moment is read as UTC)."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(self.tz)

    def today(self, now: datetime) -> date:
        """The business day ``now`` falls on."""
        return self.local(now).date()

    def start_of(self, day: date) -> datetime:
        """00:00 of ``day`` in business time, as a UTC moment."""
        return datetime.combine(day, time(0, 0), self.tz).astimezone(UTC)

    def end_of(self, day: date) -> datetime:
        """24:00 of ``day`` (00:00 of the next) in business time, as a UTC moment: a date
        deadline is due then."""
        return self.start_of(day + timedelta(days=1))

    def year_of(self, moment: datetime) -> int:
        return self.local(moment).year

    def due_date(self, due: datetime) -> date:
        """The calendar day a deadline belongs to: one falling at local midnight is the end
        of the day before."""
        local = self.local(due)
        if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
            return local.date() - timedelta(days=1)
        return local.date()

    def due_text(self, due: datetime) -> str:
        """A deadline as people read it, in business time: one falling at local midnight
        (a date deadline, due at the end of its day) is that date, ``2026-01-05``; any other
        is its local time, ``2026-01-05 17:30``."""
        local, day = self.local(due), self.due_date(due)
        if day != local.date():
            return day.isoformat()
        return local.strftime("%Y-%m-%d %H:%M")

    def is_workday(self, day: date) -> bool:
        """An official working day (weekends and holidays off, 调休 make-up days on)."""
        return self.workdays.is_workday(day)

    def add_workdays(self, start: date, n: int) -> date:
        return self.workdays.add_workdays(start, n)

    def workdays_between(self, a: date, b: date) -> int:
        return self.workdays.workdays_between(a, b)


DEFAULT_CALENDAR = BusinessCalendar.named()
