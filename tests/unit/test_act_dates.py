"""Which EU AI Act dates a program's calendar carries."""

from __future__ import annotations

from datetime import date

from aimsflow.catalog import load_catalog
from aimsflow.rules.act_dates import act_dates_that_apply


def dates(*, high_risk: bool, general_purpose: bool = False) -> set[date]:
    chosen = act_dates_that_apply(load_catalog().act_dates, high_risk=high_risk, general_purpose=general_purpose)
    return {date.fromisoformat(str(d["date"])) for d in chosen}


def test_ai_literacy_and_transparency_are_on_every_calendar() -> None:
    assert {date(2025, 2, 2), date(2026, 8, 2), date(2026, 12, 2)} <= dates(high_risk=False)


def test_the_high_risk_dates_appear_only_with_a_high_risk_system() -> None:
    assert date(2027, 12, 2) not in dates(high_risk=False)
    assert {date(2027, 12, 2), date(2028, 8, 2)} <= dates(high_risk=True)


def test_the_general_purpose_dates_appear_only_with_a_general_purpose_model() -> None:
    assert date(2027, 8, 2) not in dates(high_risk=True)
    assert {date(2025, 8, 2), date(2027, 8, 2)} <= dates(high_risk=False, general_purpose=True)
