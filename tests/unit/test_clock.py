"""The clock adapter's pure parts: durations and dates typed on the command line."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from aimsflow.clock import at_noon, parse_date, parse_duration
from aimsflow.errors import InvalidInput

# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "delta"), [
    ("10d", relativedelta(days=10)),
    ("2w", relativedelta(weeks=2)),
    ("3m", relativedelta(months=3)),
    ("1y", relativedelta(years=1)),
    ("1y6m", relativedelta(years=1, months=6)),
    ("1y2m3w4d", relativedelta(years=1, months=2, days=25)),
])
def test_a_duration_is_a_number_and_a_unit_or_several_joined(text: str, delta: relativedelta) -> None:
    assert parse_duration(text) == delta


def test_two_weeks_are_fourteen_days() -> None:
    assert parse_duration("2w") == relativedelta(days=14)


def test_a_duration_tolerates_surrounding_spaces_and_capitals() -> None:
    assert parse_duration(" 3M ") == relativedelta(months=3)


def test_months_and_years_are_calendar_months_and_years() -> None:
    assert date(2028, 2, 29) + parse_duration("1y") == date(2029, 2, 28)
    assert date(2027, 1, 31) + parse_duration("1m") == date(2027, 2, 28)
    assert date(2027, 8, 31) + parse_duration("1y6m") == date(2029, 2, 28)
    assert date(2027, 3, 1) + parse_duration("10d") == date(2027, 3, 11)


@pytest.mark.parametrize("text", ["", "   ", "3x", "-1d", "d", "10", "1.5d", "1d-", "ten days", "1h", "P1D"])
def test_a_malformed_duration_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_duration(text)
    assert f"'{text}'" in str(refused.value)
    assert "duration" in str(refused.value)


# --- dates -------------------------------------------------------------------------------------


def test_a_date_is_written_year_month_day() -> None:
    assert parse_date("2027-08-09") == date(2027, 8, 9)
    assert parse_date("2028-02-29") == date(2028, 2, 29)


def test_a_date_tolerates_surrounding_spaces() -> None:
    assert parse_date(" 2027-08-09\n") == date(2027, 8, 9)


@pytest.mark.parametrize("text", ["2027-02-30", "2027-02-29", "2027-13-01", "2027-00-10", "", "tomorrow",
                                  "09/08/2027", "2027-8-9", "2027-08"])
def test_a_date_that_does_not_exist_or_is_malformed_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(text)
    assert f"'{text}'" in str(refused.value)


def test_a_refused_date_names_the_field_it_came_from() -> None:
    with pytest.raises(InvalidInput, match=r"^decision date: '2027-02-30' is not a date"):
        parse_date("2027-02-30", "decision date")


def test_a_refused_date_is_invalid_input_with_its_exit_code() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date("2027-02-30")
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("text", ["20270809", "2027-W32-1"])
def test_a_date_in_another_iso_form_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_date(text)


def test_a_simulated_date_is_noon_utc() -> None:
    instant = at_noon(date(2028, 2, 29))
    assert instant.isoformat() == "2028-02-29T12:00:00+00:00"
