"""The Art. 73 reporting deadline of a serious incident, counted from awareness."""

from __future__ import annotations

from datetime import date

from aimsflow.rules.incident_reporting import reporting_deadline


def test_a_serious_incident_is_reported_within_15_days_of_awareness() -> None:
    assert reporting_deadline(date(2026, 3, 2), None) == date(2026, 3, 17)


def test_a_death_is_reported_within_10_days() -> None:
    assert reporting_deadline(date(2026, 3, 2), "death") == date(2026, 3, 12)


def test_a_widespread_or_critical_infrastructure_incident_is_reported_within_2_days() -> None:
    assert reporting_deadline(date(2026, 3, 2), "widespread") == date(2026, 3, 4)
    assert reporting_deadline(date(2026, 3, 2), "critical-infrastructure") == date(2026, 3, 4)
