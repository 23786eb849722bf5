"""The clock adapter: the one place that reads "now".

The system clock, unless `aimsflow clock set` stored a simulated instant in the database, so
that every process (CLI, flows, workers) agrees on the same "now" during a simulated journey.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlmodel import Session

from aimsflow.errors import InvalidInput, as_field
from aimsflow.limits import clip
from aimsflow.rows import connection_of
from models import Setting

CLOCK_KEY = "clock.simulated_now"
# A simulated date is noon UTC: the same calendar date in every time zone from UTC-11 to UTC+11.
SIMULATED_TIME = time(12, 0)


FIRST_YEAR, LAST_YEAR = 1970, 2199
MAX_DURATION_DAYS = 100 * 365 + 25  # a hundred calendar years, leap days included


def system_now() -> datetime:
    return datetime.now(UTC)


_SETTINGS = Setting.__table__  # type: ignore[attr-defined]
_READ_CLOCK = select(_SETTINGS.c.value).where(_SETTINGS.c.key == CLOCK_KEY)
# The clock setting as a column of another query (a hot step reads it with its rows).
CLOCK_VALUE = _READ_CLOCK.scalar_subquery().label("clock_value")


def read_now(session: Session) -> datetime:
    """The current instant (aware, UTC): simulated if set, else the system clock."""
    # A Core read (once per unit of work): the ORM's identity lookup costs several times more.
    return from_setting(connection_of(session).execute(_READ_CLOCK).scalar())


def from_setting(value: str | None) -> datetime:
    """"now" from the clock setting's stored value (None: not simulated, the system clock)."""
    if value is None:
        return system_now()
    return datetime.fromisoformat(value)


def is_simulated(session: Session) -> bool:
    return session.get(Setting, CLOCK_KEY) is not None


def set_simulated(session: Session, instant: datetime) -> None:
    row = session.get(Setting, CLOCK_KEY)
    value = instant.astimezone(UTC).isoformat()
    if row is None:
        session.add(Setting(key=CLOCK_KEY, value=value))
    else:
        row.value = value
        session.add(row)


def clear_simulated(session: Session) -> None:
    row = session.get(Setting, CLOCK_KEY)
    if row is not None:
        session.delete(row)


def at_noon(day: date) -> datetime:
    return datetime.combine(day, SIMULATED_TIME, tzinfo=UTC)


def parse_date(text: str, field: str = "date") -> date:
    """A calendar date written YYYY-MM-DD, or InvalidInput naming the field (its parameter name)."""
    field = as_field(field)
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
            raise ValueError(text)
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(f"'{clip(text)}' is not a date (expected YYYY-MM-DD)", field=field) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        # A journey runs for years after its dates: keep its arithmetic inside the calendar.
        raise InvalidInput(f"{day} is outside {FIRST_YEAR}-{LAST_YEAR}", field=field)
    return day


_UNITS = {"d": lambda n: relativedelta(days=n), "w": lambda n: relativedelta(weeks=n),
          "m": lambda n: relativedelta(months=n), "y": lambda n: relativedelta(years=n)}


def parse_duration(text: str, field: str = "duration") -> relativedelta:
    """'10d', '2w', '3m', '1y' (also joined: '1y2m') as a relativedelta, or InvalidInput naming the field.

    At least a day and at most MAX_DURATION_DAYS, measured on the calendar (100y and 36500d alike).
    """
    lowered = re.sub(r"\s+", "", text.lower())
    parts = re.findall(r"([0-9]+)([dwmy])", lowered, flags=re.ASCII)
    if not parts or "".join(n + u for n, u in parts) != lowered:
        raise InvalidInput(f"'{clip(text)}' is not a duration (examples: 10d, 2w, 3m, 1y, 1y6m)", field=field)
    if any(len(number.lstrip("0")) > 6 for number, _unit in parts):
        raise InvalidInput(f"'{clip(text)}' is longer than {MAX_DURATION_DAYS // 365} years", field=field)
    delta = relativedelta()
    for number, unit in parts:
        delta += _UNITS[unit](int(number))
    days = (_EPOCH + delta - _EPOCH).days
    if days > MAX_DURATION_DAYS:
        raise InvalidInput(f"'{clip(text)}' is longer than {MAX_DURATION_DAYS // 365} years", field=field)
    if days < 1:
        raise InvalidInput(f"'{clip(text)}' is no time at all: give at least 1d", field=field)
    return delta


_EPOCH = date(2000, 1, 1)  # durations are measured from a fixed day: a month is 31 days, a year 366 at most


def check_in_range(instant: datetime, field: str = "date") -> datetime:
    """An instant within FIRST_YEAR..LAST_YEAR (where the journey's date arithmetic is meaningful), or InvalidInput."""
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise InvalidInput(f"{instant.date().isoformat()} is outside {FIRST_YEAR}-{LAST_YEAR}", field=field)
    return instant
