"""Working days and due dates: weekends, public holidays, the program's time zone and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aimsflow.errors import InvalidInput
from aimsflow.rules.working_days import (
    add_working_days,
    check_country,
    check_timezone,
    due_date,
    due_from,
    due_instant,
    is_working_day,
    local_date,
    next_working_day,
)

ONE_MICROSECOND = timedelta(microseconds=1)


def test_the_holidays_library_agrees_with_the_singapore_dates_these_tests_rely_on() -> None:
    sg = holidays.country_holidays("SG", years=2027)
    assert sg.get(date(2027, 8, 9)) == "National Day"
    assert date(2027, 8, 9).weekday() == 0
    assert date(2027, 2, 8) in sg  # Chinese New Year (observed), after a Saturday and a Sunday
    assert date(2027, 2, 9) not in sg
    assert date(2027, 7, 5) not in sg


def test_a_due_date_on_a_singapore_public_holiday_moves_to_the_next_working_day() -> None:
    assert not is_working_day(date(2027, 8, 9), "SG")
    assert due_date(date(2027, 8, 2), 7, "SG") == date(2027, 8, 10)


def test_a_due_date_on_a_weekend_moves_to_monday() -> None:
    assert due_date(date(2027, 7, 1), 2, "SG") == date(2027, 7, 5)
    assert due_date(date(2027, 7, 1), 3, "SG") == date(2027, 7, 5)


def test_a_weekend_followed_by_a_holiday_moves_to_the_tuesday() -> None:
    assert due_date(date(2027, 2, 1), 5, "SG") == date(2027, 2, 9)


def test_a_due_date_on_a_working_day_stays_put() -> None:
    assert due_date(date(2027, 7, 1), 5, "SG") == date(2027, 7, 6)
    assert due_date(date(2027, 7, 1), 0, "SG") == date(2027, 7, 1)


def test_a_public_holiday_of_another_country_is_a_working_day_in_singapore() -> None:
    assert not is_working_day(date(2027, 7, 5), "US")  # Independence Day (observed)
    assert is_working_day(date(2027, 7, 5), "SG")


def test_the_country_code_is_accepted_in_lower_case() -> None:
    assert not is_working_day(date(2027, 8, 9), "sg")


def test_next_working_day_is_the_day_itself_when_it_is_one() -> None:
    assert next_working_day(date(2027, 8, 6), "SG") == date(2027, 8, 6)
    assert next_working_day(date(2027, 8, 7), "SG") == date(2027, 8, 10)


def test_adding_working_days_skips_weekends_and_holidays() -> None:
    # Fri 6 Aug + 1 working day: Sat, Sun, Mon National Day are skipped.
    assert add_working_days(date(2027, 8, 6), 1, "SG") == date(2027, 8, 10)
    assert add_working_days(date(2027, 8, 2), 5, "SG") == date(2027, 8, 10)
    assert add_working_days(date(2027, 8, 7), 0, "SG") == date(2027, 8, 10)


def test_a_due_date_across_the_new_york_spring_forward_keeps_the_local_date() -> None:
    # 03:30 UTC on 10 March is still the evening of 9 March in New York (EST, UTC-5).
    now = datetime(2027, 3, 10, 3, 30, tzinfo=UTC)
    assert local_date(now, "America/New_York") == date(2027, 3, 9)
    due = due_from(now, 7, "America/New_York", "US")
    assert due == date(2027, 3, 16)
    # After the change on 14 March New York is on EDT (UTC-4).
    assert due_instant(due, "America/New_York") == datetime(2027, 3, 17, 3, 59, 59, 999999, tzinfo=UTC)
    assert due_instant(date(2027, 3, 12), "America/New_York") == datetime(
        2027, 3, 13, 4, 59, 59, 999999, tzinfo=UTC)


def test_the_spring_forward_day_in_new_york_is_23_hours_long() -> None:
    day = date(2027, 3, 14)
    length = due_instant(day, "America/New_York") - due_instant(day - timedelta(days=1), "America/New_York")
    assert length == timedelta(hours=23)


def test_a_due_date_across_the_berlin_autumn_change_keeps_the_local_date() -> None:
    # 22:30 UTC on 24 October is 00:30 on 25 October in Berlin (CEST, UTC+2).
    now = datetime(2027, 10, 24, 22, 30, tzinfo=UTC)
    assert local_date(now, "Europe/Berlin") == date(2027, 10, 25)
    due = due_from(now, 5, "Europe/Berlin", "DE")  # Saturday 30 October moves to Monday
    assert due == date(2027, 11, 1)
    # Clocks went back on 31 October: Berlin is on CET (UTC+1).
    assert due_instant(due, "Europe/Berlin") == datetime(2027, 11, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert due_instant(date(2027, 10, 30), "Europe/Berlin") == datetime(
        2027, 10, 30, 21, 59, 59, 999999, tzinfo=UTC)
    assert due_instant(date(2027, 10, 31), "Europe/Berlin") - due_instant(
        date(2027, 10, 30), "Europe/Berlin") == timedelta(hours=25)


def test_a_day_whose_last_hour_repeats_ends_at_the_second_occurrence() -> None:
    # Santiago falls back at midnight: 23:00-24:00 on Saturday 3 April 2027 happens twice.
    end = due_instant(date(2027, 4, 3), "America/Santiago")
    assert end == datetime(2027, 4, 4, 3, 59, 59, 999999, tzinfo=UTC)
    assert local_date(end, "America/Santiago") == date(2027, 4, 3)
    assert local_date(end + ONE_MICROSECOND, "America/Santiago") == date(2027, 4, 4)


def test_a_naive_instant_is_read_as_utc() -> None:
    assert local_date(datetime(2027, 3, 10, 3, 30), "America/New_York") == date(2027, 3, 9)


def test_an_unknown_country_is_invalid_input_on_any_day() -> None:
    with pytest.raises(InvalidInput, match="'XX'"):
        is_working_day(date(2027, 8, 9), "XX")
    with pytest.raises(InvalidInput, match="'XX'"):
        is_working_day(date(2027, 8, 7), "XX")  # a Saturday
    with pytest.raises(InvalidInput, match="'XX'"):
        due_date(date(2027, 8, 2), 7, "XX")
    with pytest.raises(InvalidInput, match="'XX'"):
        check_country("XX")


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "America", "", "../etc/passwd", "asia/singapore"])
def test_an_unknown_time_zone_is_invalid_input_naming_it(tz: str) -> None:
    with pytest.raises(InvalidInput, match=f"time zone '{tz}'"):
        local_date(datetime(2027, 1, 1, tzinfo=UTC), tz)
    with pytest.raises(InvalidInput, match=f"time zone '{tz}'"):
        due_instant(date(2027, 1, 1), tz)
    with pytest.raises(InvalidInput):
        check_timezone(tz)


def test_a_negative_period_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="-1"):
        due_date(date(2027, 8, 2), -1, "SG")
    with pytest.raises(InvalidInput, match="-2"):
        add_working_days(date(2027, 8, 2), -2, "SG")


DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))
COUNTRIES = st.sampled_from(["SG", "US", "DE", "MY"])
ZONES = st.sampled_from(["America/New_York", "Europe/Berlin", "America/Santiago", "Asia/Singapore",
                         "Australia/Lord_Howe", "Pacific/Chatham"])


@settings(deadline=None)
@given(start=DAYS, days=st.integers(min_value=0, max_value=400), country=COUNTRIES)
def test_a_due_date_is_the_first_working_day_on_or_after_start_plus_the_days(
        start: date, days: int, country: str) -> None:
    due = due_date(start, days, country)
    earliest = start + timedelta(days=days)
    assert due >= earliest
    assert is_working_day(due, country)
    assert not any(is_working_day(earliest + timedelta(days=n), country) for n in range((due - earliest).days))


@settings(deadline=None)
@given(start=DAYS, days=st.integers(min_value=0, max_value=60), country=COUNTRIES)
def test_adding_working_days_passes_exactly_that_many_working_days(start: date, days: int, country: str) -> None:
    end = add_working_days(start, days, country)
    first = next_working_day(start, country)
    assert is_working_day(end, country)
    between = [first + timedelta(days=n) for n in range(1, (end - first).days + 1)]
    assert sum(is_working_day(d, country) for d in between) == days


@settings(deadline=None)
@given(day=DAYS, tz=ZONES)
def test_the_due_instant_is_the_last_instant_of_the_local_day(day: date, tz: str) -> None:
    end = due_instant(day, tz)
    assert end.tzinfo is UTC
    assert local_date(end, tz) == day
    assert local_date(end + ONE_MICROSECOND, tz) == day + timedelta(days=1)
