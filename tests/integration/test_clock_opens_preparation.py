"""A moved clock runs the daily checks: `clock advance` opens the next audit's preparation (README)."""

from __future__ import annotations

from tests.integration.conftest import Journey
from tests.integration.test_cycle_through_the_cli import _certified

# Certified on 2026-04-27: surveillance 1 is due by 2027-04-27, its preparation opens 60 days before.
PREPARATION_OPENS = "2027-02-26"


def prepared(journey: Journey) -> list[str]:
    return sorted(i["key"] for i in journey.items(active=False) if i["key"].startswith("prepare:"))


def test_advancing_the_clock_into_the_lead_time_opens_the_next_audits_preparation_once(journey: Journey) -> None:
    _certified(journey)
    run = journey.run
    run.ok("clock", "set", "2027-02-20")
    assert prepared(journey) == []

    moved = run.ok("clock", "advance", "6d").stdout
    assert "clock advanced to 2027-02-26" in moved
    assert "surveillance-1 audit by 2027-04-27: preparation opened" in moved
    assert prepared(journey) == [f"prepare:1:surveillance-1:{step}" for step in ("evidence", "review", "schedule")]

    again = run.ok("clock", "advance", "1d").stdout
    assert "preparation opened" not in again
    assert len(prepared(journey)) == 3


def test_a_clock_move_without_checks_opens_nothing(journey: Journey) -> None:
    _certified(journey)
    journey.run.ok("clock", "set", "2027-03-01", "--no-checks")
    assert prepared(journey) == []
