"""The business calendar: every date rule of the domain reads the time zone from here.

Deadlines, report periods, notice years, dashboards and "before the 24th" are calendar
rules in the business time zone (``HAZARDFLOW_BUSINESS_TZ``, China Standard Time by
default). Times are stored in UTC; a calendar turns them into local days and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class BusinessCalendar:
    tz: tzinfo

    @classmethod
    def named(cls, name: str = DEFAULT_TZ) -> BusinessCalendar:
        return cls(ZoneInfo(name))

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


DEFAULT_CALENDAR = BusinessCalendar.named()
