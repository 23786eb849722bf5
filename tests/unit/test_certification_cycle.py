"""The dates of the three-year certification cycle: expiry, surveillance, recertification, restoration."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aimsflow.errors import InvalidInput, Refused
from aimsflow.rules.certification_cycle import (
    CycleWindows,
    certificate_expiry,
    cycle_start,
    is_restorable,
    major_verification_deadline,
    new_stage_2_required,
    plan_cycle,
    recertification_expiry,
    restorable_until,
    stage_2_latest_start,
    surveillance_1_due,
    surveillance_2_window,
)


def test_a_certificate_expires_three_years_after_the_decision() -> None:
    assert certificate_expiry(date(2027, 6, 15)) == date(2030, 6, 15)


def test_a_decision_on_29_february_expires_on_28_february() -> None:
    assert certificate_expiry(date(2028, 2, 29)) == date(2031, 2, 28)


def test_surveillance_1_after_a_29_february_decision_is_due_on_28_february() -> None:
    assert surveillance_1_due(date(2028, 2, 29)) == date(2029, 2, 28)
    assert surveillance_1_due(date(2027, 6, 15)) == date(2028, 6, 15)


def test_surveillance_2_falls_in_the_calendar_year_after_surveillance_1() -> None:
    assert surveillance_2_window(2029) == (date(2030, 1, 1), date(2030, 12, 31))


def test_a_recertification_before_expiry_extends_the_old_expiry_by_three_years() -> None:
    assert recertification_expiry(date(2031, 2, 28), date(2030, 12, 10)) == date(2034, 2, 28)


def test_a_recertification_decided_on_the_expiry_day_is_still_in_time() -> None:
    assert recertification_expiry(date(2030, 6, 15), date(2030, 6, 15)) == date(2033, 6, 15)


def test_a_recertification_decided_after_expiry_is_refused_as_lapsed() -> None:
    with pytest.raises(Refused, match="lapsed") as refused:
        recertification_expiry(date(2030, 6, 15), date(2030, 6, 16))
    assert "2030-06-15" in str(refused.value)
    assert refused.value.exit_code == 4


def test_a_major_must_be_verified_within_90_days_of_the_last_stage_2_day() -> None:
    assert major_verification_deadline(date(2027, 5, 14)) == date(2027, 8, 12)
    assert major_verification_deadline(date(2027, 5, 14), days=30) == date(2027, 6, 13)


def test_an_unverified_major_on_the_six_month_day_does_not_yet_need_a_new_stage_2() -> None:
    assert not new_stage_2_required(date(2027, 5, 14), date(2027, 11, 14), any_major_unverified=True)


def test_an_unverified_major_one_day_past_six_months_needs_a_new_stage_2() -> None:
    assert new_stage_2_required(date(2027, 5, 14), date(2027, 11, 15), any_major_unverified=True)


def test_verified_majors_never_need_a_new_stage_2() -> None:
    assert not new_stage_2_required(date(2027, 5, 14), date(2029, 1, 1), any_major_unverified=False)


def test_the_new_stage_2_limit_follows_the_configured_months() -> None:
    assert not new_stage_2_required(date(2027, 5, 14), date(2027, 8, 14), True, months=3)
    assert new_stage_2_required(date(2027, 5, 14), date(2027, 8, 15), True, months=3)


def test_a_lapsed_certificate_is_restorable_exactly_six_months_after_expiry() -> None:
    expiry = date(2031, 2, 28)
    assert restorable_until(expiry) == date(2031, 8, 28)
    assert is_restorable(expiry, date(2031, 8, 28))


def test_a_lapsed_certificate_is_not_restorable_one_day_after_six_months() -> None:
    assert not is_restorable(date(2031, 2, 28), date(2031, 8, 29))


def test_restoration_from_the_end_of_august_ends_on_the_last_day_of_february() -> None:
    assert restorable_until(date(2030, 8, 31)) == date(2031, 2, 28)
    assert restorable_until(date(2027, 8, 31)) == date(2028, 2, 29)
    assert restorable_until(date(2030, 8, 31), months=3) == date(2030, 11, 30)


def test_stage_2_starts_at_latest_six_months_after_stage_1() -> None:
    assert stage_2_latest_start(date(2027, 3, 31)) == date(2027, 9, 30)
    assert stage_2_latest_start(date(2027, 3, 31), months=4) == date(2027, 7, 31)


def test_a_cycle_plan_from_a_29_february_decision() -> None:
    assert plan_cycle(date(2028, 2, 29)) == CycleWindows(
        decision=date(2028, 2, 29),
        expiry=date(2031, 2, 28),
        surveillance_1_due=date(2029, 2, 28),
        surveillance_2_window=(date(2030, 1, 1), date(2030, 12, 31)),
        recertification_due=date(2031, 2, 28),
        restorable_until=date(2031, 8, 28),
    )


def test_surveillance_2_follows_the_year_surveillance_1_was_actually_done() -> None:
    plan = plan_cycle(date(2027, 3, 15), surveillance_1_done_on=date(2027, 12, 10))
    assert plan.surveillance_1_due == date(2028, 3, 15)
    assert plan.surveillance_2_window == (date(2028, 1, 1), date(2028, 12, 31))


def test_a_recertification_cycle_plans_from_the_extended_expiry() -> None:
    plan = plan_cycle(date(2030, 12, 10), expiry=date(2034, 2, 28), restore_months=3)
    assert plan.expiry == plan.recertification_due == date(2034, 2, 28)
    assert plan.surveillance_1_due == date(2031, 12, 10)
    assert plan.restorable_until == date(2034, 5, 28)


def test_a_surveillance_1_before_the_decision_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="2027-03-14"):
        plan_cycle(date(2027, 3, 15), surveillance_1_done_on=date(2027, 3, 14))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_every_cycle_runs_in_order_from_decision_to_restoration(decision: date) -> None:
    plan = plan_cycle(decision)
    assert decision < plan.surveillance_1_due < plan.surveillance_2_window[0] <= plan.expiry
    assert plan.surveillance_2_window[1] < plan.expiry < plan.restorable_until
    assert (plan.expiry.year, plan.expiry.month) == (decision.year + 3, decision.month)
    assert decision.day - plan.expiry.day in (0, 1)


def test_a_restored_certificate_keeps_the_surveillance_dates_of_its_original_cycle() -> None:
    # Decided 2026-04-27, lapsed 2029-04-27, restored 2029-06-20 with expiry 2032-04-27.
    plan = plan_cycle(date(2029, 6, 20), expiry=date(2032, 4, 27))
    assert cycle_start(date(2029, 6, 20), date(2032, 4, 27)) == date(2029, 4, 27)
    assert plan.surveillance_1_due == date(2030, 4, 27), "not the restoration date + 12 months"
    assert plan.surveillance_2_window == (date(2031, 1, 1), date(2031, 12, 31))
    assert plan.decision == date(2029, 6, 20)
