"""Impact assessments repeat at planned intervals (6.1.4, 8.4): reassessment opens ahead, stale once it passes."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import CONTROLS_DAY, IN_SCOPE_SYSTEMS, PROGRAM, Journey

BEFORE_THE_INTERVAL_ENDS = "2026-05-06"  # 20 days before the assessments of 2025-05-26 are a year old
AFTER_THE_INTERVAL_ENDED = "2026-05-27"


def systems(journey: Journey) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in journey.run.json("inventory", "list", PROGRAM)}


def reassessments(journey: Journey) -> dict[str, dict[str, Any]]:
    return {w["subject"]: w for w in journey.run.json("work", "list", PROGRAM)
            if w["kind"] == "impact_assessment" and w["state"] not in ("accepted", "cancelled")}


def test_an_impact_assessment_is_reassessed_ahead_of_its_interval_and_stale_once_it_passes(journey: Journey) -> None:
    journey.to_phase("controls_implementation")
    journey.decide_soa()
    journey.complete_phase_work("controls_implementation")
    run = journey.run
    assert {n: (s["impact_assessment"], s["impact_assessment_due"]) for n, s in systems(journey).items()
            if n in IN_SCOPE_SYSTEMS} == {n: ("current", "2026-05-26") for n in IN_SCOPE_SYSTEMS}
    assert CONTROLS_DAY == "2025-05-26"
    assert reassessments(journey) == {}

    run.ok("clock", "set", BEFORE_THE_INTERVAL_ENDS)
    opened = reassessments(journey)
    assert sorted(opened) == sorted(IN_SCOPE_SYSTEMS)
    assert all(w["due"] == "2026-05-26" for w in opened.values()), opened
    assert all(s["impact_assessment"] == "current" for n, s in systems(journey).items() if n in IN_SCOPE_SYSTEMS)
    assert journey.status()["gate"]["passes"]

    run.ok("clock", "set", AFTER_THE_INTERVAL_ENDED)
    assert reassessments(journey).keys() == opened.keys(), "nothing is opened twice"
    assert all(s["impact_assessment"] == "stale" for n, s in systems(journey).items() if n in IN_SCOPE_SYSTEMS)
    status = journey.status()
    assert "AI system claims-triage: impact assessment stale" in status["gate"]["missing"]
    assert status["flags"] == [], "the gate already names it"

    journey.complete(opened["claims-triage"])
    after = systems(journey)["claims-triage"]
    assert (after["impact_assessment"], after["impact_assessment_due"]) == ("current", "2027-05-27")
    assert "AI system claims-triage: impact assessment stale" not in journey.status()["gate"]["missing"]
    assert "every chain intact" in run.ok("trail", "verify").stdout
