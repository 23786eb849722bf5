"""Working days: due dates in the program's time zone, off weekends and the country's public holidays.

A day is a calendar date in the program's zone; an instant is an aware UTC datetime. Due dates
are days; `due_instant` turns one into the last instant of that local day for comparisons.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from aimsflow.errors import InvalidInput

# No real calendar has a month of weekends and holidays in a row; a longer run means a broken
# calendar, and an error beats a loop that never ends.
MAX_DAYS_OFF = 31


def check_timezone(tz: str) -> ZoneInfo:
    """The zone for an IANA name, or InvalidInput naming it."""
    try:
        return ZoneInfo(tz)
    # OSError: a region such as "America" is a directory of zones, not a zone.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"time zone '{tz}' is not an IANA time zone (e.g. Asia/Singapore)") from None


def check_country(country: str) -> None:
    """InvalidInput unless the `holidays` library knows the country's public holidays."""
    if country.upper() not in holidays.list_supported_countries():
        raise InvalidInput(
            f"country '{country}' has no public-holiday calendar (use an ISO code such as SG, MY, ID)")


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    check_country(country)
    return frozenset(holidays.country_holidays(country.upper(), years=year).keys())


def is_working_day(day: date, country: str) -> bool:
    """Not a Saturday, Sunday or public holiday of the country."""
    # The holidays first, so that an unknown country is refused on a weekend too.
    off = _holidays(country, day.year)
    return day.weekday() < 5 and day not in off


def next_working_day(day: date, country: str) -> date:
    """The day itself if it is a working day, else the next one."""
    for offset in range(MAX_DAYS_OFF + 1):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate, country):
            return candidate
    raise InvalidInput(f"country '{country}': no working day within {MAX_DAYS_OFF} days of {day}")


def add_working_days(start: date, days: int, country: str) -> date:
    """The `days`-th working day after `start` (`start` never counts; 0 gives its next working day)."""
    _check_period(days, "working days")
    day = next_working_day(start, country)
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1), country)
    return day


def due_date(start: date, calendar_days: int, country: str) -> date:
    """`start` plus calendar days, moved forward off weekends and holidays."""
    _check_period(calendar_days, "calendar days")
    return next_working_day(start + timedelta(days=calendar_days), country)


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date of an instant in the program's time zone."""
    # SQLite hands timestamp columns back naive; they were stored as UTC.
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(check_timezone(tz)).date()


def due_instant(day: date, tz: str) -> datetime:
    """The last instant of a local day (23:59:59.999999 there) as a UTC datetime, right across DST."""
    # fold=1: where clocks fall back at midnight (America/Santiago) the last hour of the day
    # happens twice, and the day ends at its second occurrence.
    local_end = datetime.combine(day, time.max, tzinfo=check_timezone(tz)).replace(fold=1)
    return local_end.astimezone(UTC)


def due_from(now: datetime, calendar_days: int, tz: str, country: str) -> date:
    """A due date `calendar_days` after today in the program's zone, on a working day."""
    return due_date(local_date(now, tz), calendar_days, country)


def _check_period(days: int, what: str) -> None:
    if days < 0:
        raise InvalidInput(f"{what}: {days} is negative; a due date lies after its start")
