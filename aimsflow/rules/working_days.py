"""Working days: due dates in the program's time zone, off weekends and the country's public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from aimsflow.errors import InvalidInput


def check_timezone(tz: str) -> ZoneInfo:
    """The zone for an IANA name, or InvalidInput naming it."""
    try:
        return _zone(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"time zone '{tz}' is not an IANA time zone (e.g. Asia/Singapore)") from None


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def check_country(country: str) -> None:
    """InvalidInput unless the `holidays` library knows the country's public holidays."""
    if country.upper() not in holidays.list_supported_countries():
        raise InvalidInput(f"country '{country}' has no public-holiday calendar (use an ISO code such as SG, MY, ID)")


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    check_country(country)
    return frozenset(holidays.country_holidays(country.upper(), years=year).keys())


def is_working_day(day: date, country: str) -> bool:
    """Not a Saturday, Sunday or public holiday of the country."""
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def next_working_day(day: date, country: str) -> date:
    """The day itself if it is a working day, else the next one."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int, country: str) -> date:
    """Count `days` working days after `start`."""
    day = start
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1), country)
    return day


def due_date(start: date, calendar_days: int, country: str) -> date:
    """`start` plus calendar days, moved forward off weekends and holidays."""
    return next_working_day(start + timedelta(days=calendar_days), country)


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date of an instant in the program's time zone."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(check_timezone(tz)).date()


def due_instant(day: date, tz: str) -> datetime:
    """The end of a local day as a UTC instant (right across daylight-saving changes)."""
    local_end = datetime.combine(day, time.max, tzinfo=check_timezone(tz))
    return local_end.astimezone(UTC)


def due_from(now: datetime, calendar_days: int, tz: str, country: str) -> date:
    """A due date `calendar_days` after today in the program's zone, on a working day."""
    return due_date(local_date(now, tz), calendar_days, country)
