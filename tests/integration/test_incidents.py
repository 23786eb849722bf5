"""Incidents, complaints and monitoring results from the CLI (10.2, A.8.4, EU AI Act Art. 73)."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import PROGRAM, START, TOP, Journey, Refuse

SYSTEM = "claims-triage"


def add(journey: Journey, *extra: str, found: str = START, system: str = SYSTEM) -> dict[str, Any]:
    r: dict[str, Any] = journey.run.json("incident", "add", PROGRAM, "--system", system, "--found", found,
                                         "--severity", "high", "--description", "claims routed to the wrong team",
                                         *extra)
    return r


def test_an_incident_on_an_assessed_system_makes_its_assessment_stale_and_opens_a_reassessment(
        journey: Journey) -> None:
    journey.to_phase("controls_implementation")
    journey.decide_soa()
    journey.complete_phase_work("controls_implementation")
    assert journey.status()["gate"]["passes"]
    r = add(journey)
    assert (r["incident"], r["impact_assessment"]) == ("INC-1", "stale")
    assert r["opened"]
    assert f"AI system {SYSTEM}: impact assessment stale" in journey.status()["gate"]["missing"]
    assert "every chain intact" in journey.run.ok("trail", "verify").stdout


def test_a_serious_incident_gets_its_report_as_a_work_item_due_15_days_after_awareness(journey: Journey) -> None:
    journey.start()
    journey.run.ok("clock", "set", "2025-01-10")
    r = add(journey, "--serious", "--aware", "2025-01-08")
    assert r["report_by"] == "2025-01-23"
    item = next(i for i in journey.items() if i["id"] == r["report_item"])
    assert item["due"] == "2025-01-23" and "Art. 73" in item["title"]
    assert item["assignee"]  # the program manager: reminders and escalation as for every work item


def test_a_death_shortens_the_report_deadline_to_10_days_and_critical_infrastructure_to_2(journey: Journey) -> None:
    journey.start()
    assert add(journey, "--serious", "--serious-cause", "death")["report_by"] == "2025-01-16"
    assert add(journey, "--serious", "--serious-cause", "critical-infrastructure")["report_by"] == "2025-01-08"


def test_a_complaint_raises_a_nonconformity_once(journey: Journey, refuse: Refuse) -> None:
    journey.start()
    add(journey, "--kind", "complaint")
    raised = journey.run.json("incident", "raise", "INC-1", "--ref", "A.8.4")
    assert raised["nonconformity"].startswith("NC-")
    ncs = journey.run.json("nc", "list", PROGRAM)
    assert [n["id"] for n in ncs] == [raised["nonconformity"]]
    listed = journey.run.json("incident", "list", PROGRAM)
    assert [(i["incident"], i["kind"], i["nonconformity"]) for i in listed] == [
        ("INC-1", "complaint", raised["nonconformity"])]
    line = refuse("incident", "raise", "INC-1")
    assert f"already raised {raised['nonconformity']}" in line


def test_a_serious_incident_is_reported_once(journey: Journey, refuse: Refuse) -> None:
    journey.start()
    add(journey, "--serious")
    add(journey)
    assert "not a serious incident" in refuse("incident", "report", "INC-2", "--date", START)
    assert "before awareness" in refuse("incident", "report", "INC-1", "--date", "2025-01-01")
    reported = journey.run.json("incident", "report", "INC-1", "--date", START)
    assert (reported["state"], reported["late"]) == ("reported", False)
    assert "reported" in refuse("incident", "report", "INC-1", "--date", START)


def test_each_wrong_incident_is_refused_naming_what_is_wrong_and_changes_nothing(
        journey: Journey, refuse: Refuse) -> None:
    journey.start()
    base = ("incident", "add", PROGRAM, "--severity", "high", "--description", "wrong routing")
    line = refuse(*base, "--system", "no-such-system", "--found", START)
    assert "--system" in line and "no-such-system" in line
    line = refuse(*base, "--system", SYSTEM, "--found", "2025-02-01")
    assert "--found" in line and "after today" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--aware", "2025-01-05")
    assert "--aware" in line and "before it was found" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--kind", "rumour")
    assert "--kind" in line and "rumour" in line
    line = refuse("incident", "add", PROGRAM, "--system", SYSTEM, "--found", START, "--severity", "dire",
                  "--description", "x")
    assert "--severity" in line and "dire" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--kind", "complaint", "--serious")
    assert "--serious" in line and "complaint" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--serious-cause", "death")
    assert "--serious-cause" in line and "serious incident" in line
    line = refuse("incident", "add", PROGRAM, "--system", SYSTEM, "--found", START, "--severity", "high",
                  "--description", "  ")
    assert "--description" in line
    line = refuse("incident", "raise", "INC-9")
    assert "INC-9" in line
    add(journey)
    line = refuse("incident", "raise", "INC-1", "--severity", "ofi")
    assert "--severity" in line and "ofi" in line


def test_the_management_review_inputs_b_and_d_include_the_incidents(journey: Journey) -> None:
    journey.start()
    add(journey, "--serious")
    add(journey, "--kind", "complaint")
    held = journey.run.json("review", "hold", PROGRAM, "--date", START, "--chair", TOP,
                            "--input-c", "policyholders ask for explanations")
    assert "INC-1" in held["inputs"]["b"] and "not yet reported" in held["inputs"]["b"]
    assert "incidents: 1 (1 serious), complaints: 1" in held["inputs"]["d"]
